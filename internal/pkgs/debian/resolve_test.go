package debian

import (
	"errors"
	"strings"
	"testing"
)

const testIndex = `Package: app
Version: 1.0-1
Architecture: amd64
Source: app-src (1.0-1)
Pre-Depends: init-system-helpers (>= 1.50)
Depends: libfoo (>= 2.0), awk | gawk, mail-transport-agent,
 libbar:any
Description: an application
License: MIT

Package: init-system-helpers
Version: 1.65.2
Architecture: all
Priority: optional

Package: libfoo
Version: 1.9-1
Architecture: amd64

Package: libfoo
Version: 2.1-1
Architecture: amd64
Depends: libc (>= 2.36)

Package: libc
Version: 2.36-9
Architecture: amd64
Priority: required

Package: mawk
Version: 1.3.4
Architecture: amd64
Priority: required
Provides: awk

Package: original-awk
Version: 2012
Architecture: amd64
Priority: optional
Provides: awk

Package: postfix
Version: 3.7
Architecture: amd64
Priority: optional
Provides: mail-transport-agent
Depends: libc

Package: exim4
Version: 4.96
Architecture: amd64
Priority: standard
Provides: mail-transport-agent

Package: libbar
Version: 1
Architecture: amd64
Multi-Arch: allowed

Package: broken
Version: 1
Architecture: all
Depends: app, libfoo (>= 3) | missing

Package: versioned
Version: 1
Architecture: all
Depends: awk (>= 2)
`

func parseTestIndex(t *testing.T) *Index {
	t.Helper()
	idx, err := ParsePackages("test/Packages", testIndex)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func names(ps []*Package) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Name+"="+p.Version)
	}
	return strings.Join(s, " ")
}

func TestParsePackagesFields(t *testing.T) {
	idx := parseTestIndex(t)
	if len(idx.Packages) != 12 {
		t.Fatalf("%d packages, want 12", len(idx.Packages))
	}
	app := idx.Lookup("app")[0]
	if app.Source != "app-src" || app.SourceVersion != "1.0-1" || app.License != "MIT" || app.Line != 1 ||
		app.Depends != "libfoo (>= 2.0), awk | gawk, mail-transport-agent, libbar:any" {
		t.Errorf("app = %+v", app)
	}
	if got := names(idx.Lookup("libfoo")); got != "libfoo=2.1-1 libfoo=1.9-1" {
		t.Errorf("Lookup(libfoo) = %s", got)
	}
	if got := names(idx.Providers("mail-transport-agent")); got != "exim4=4.96 postfix=3.7" {
		t.Errorf("Providers = %s", got)
	}
}

func TestResolve(t *testing.T) {
	idx := parseTestIndex(t)
	cl, err := idx.Resolve("app")
	if err != nil {
		t.Fatal(err)
	}
	// awk: mawk (required) before original-awk; mail-transport-agent:
	// exim4 (standard) before postfix (optional).
	want := "app=1.0-1 exim4=4.96 init-system-helpers=1.65.2 libbar=1 libc=2.36-9 libfoo=2.1-1 mawk=1.3.4"
	if got := names(cl.Packages); got != want {
		t.Errorf("closure = %s\nwant      %s", got, want)
	}
	if st := cl.Reason["libc"]; st.Parent != "libfoo" || st.Rel.String() != "libc (>= 2.36)" {
		t.Errorf("reason for libc = %+v", st)
	}
	// An already selected provider is preferred.
	cl, err = idx.Resolve("postfix", "app")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(cl.Packages); strings.Contains(got, "exim4") {
		t.Errorf("closure of postfix, app = %s: exim4 chosen although postfix provides mail-transport-agent", got)
	}
}

func TestResolveErrors(t *testing.T) {
	idx := parseTestIndex(t)
	for _, tc := range []struct{ root, want string }{
		{"broken", "unsatisfiable dependency broken -> libfoo (>= 3) | missing: libfoo has version 2.1-1, 1.9-1, not (>= 3); no package missing in the index"},
		{"versioned", "unsatisfiable dependency versioned -> awk (>= 2): no provider of awk satisfies (>= 2)"},
		{"libfo", "unsatisfiable dependency libfo: no such package (did you mean libfoo?)"},
	} {
		_, err := idx.Resolve(tc.root)
		var ue *UnsatisfiableError
		if !errors.As(err, &ue) || err.Error() != tc.want {
			t.Errorf("Resolve(%s) error:\n got %v\nwant %s", tc.root, err, tc.want)
		}
	}
}

func TestParseRelations(t *testing.T) {
	rels, err := ParseRelations("libc6 (>= 2.34), python3:any (<< 3.12) [amd64] <!nocheck>, a | b (= 1:2.0-1), c (> 1)")
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, a := range rels {
		s = append(s, a.String())
	}
	if got := strings.Join(s, ", "); got != "libc6 (>= 2.34), python3:any (<< 3.12), a | b (= 1:2.0-1), c (>= 1)" {
		t.Errorf("ParseRelations = %s", got)
	}
	for _, bad := range []string{"a (>= )", "a (1.0)", "(>= 1)", "a (>= 1", "a b", "a:"} {
		if _, err := ParseRelations(bad); err == nil {
			t.Errorf("ParseRelations(%q): want an error", bad)
		}
	}
}

func TestParsePackagesErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" cont\n", "x:1: continuation line outside a stanza"},
		{"Package: a\nnocolon\n", "x:2: expected \"Field: value\", got \"nocolon\""},
		{"Package: a\n\n", "x:1: stanza lacks Package or Version"},
		{"Package: a\nVersion: 1\nSize: -1\n", "x:3: bad Size \"-1\""},
	} {
		if _, err := ParsePackages("x", tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("ParsePackages(%q) = %v, want %s", tc.in, err, tc.want)
		}
	}
}

func TestStorePath(t *testing.T) {
	p := &Package{Name: "nginx", Version: "1.22.1-9+deb12u1", Architecture: "amd64",
		SHA256: "0000000000000000000000000000000000000000000000000000000000000000"}
	sp, err := p.StorePath("/nix/store")
	if err != nil {
		t.Fatal(err)
	}
	// nix-store --print-fixed-path sha256 000...0 nginx_1.22.1-9+deb12u1_amd64.deb
	if got, want := sp.String(), "/nix/store/bn861cvf3h31yyjj9klkn3sj9nl8yrrj-nginx_1.22.1-9+deb12u1_amd64.deb"; got != want {
		t.Errorf("StorePath = %s, want %s", got, want)
	}
	if (&Package{Name: "a", Version: "1:2", Architecture: "all"}).DebName() != "a_1-2_all.deb" {
		t.Errorf("epoch ':' not replaced")
	}
}
