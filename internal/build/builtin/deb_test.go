package builtin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/pkgs/deb"
	"cairn.dev/cairn/internal/pkgs/deb/debtest"
	"cairn.dev/cairn/internal/store/nar"
)

// TestUnpackDeb unpacks hello's .deb, put in a store directory as a
// fixed-output download would be, through Sandboxed (as the sandbox's
// init calls it): the output is what package deb unpacks, hello included.
func TestUnpackDeb(t *testing.T) {
	debFile := debtest.Fetch(t, "hello")[0]
	storeDir := t.TempDir()
	data, err := os.ReadFile(debFile)
	if err != nil {
		t.Fatal(err)
	}
	const src = "0s2bb1rxqbsrvd3vsbhf81q3yk2cj1yh-hello_2.10-3_amd64.deb"
	if err := os.WriteFile(filepath.Join(storeDir, src), data, 0o444); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(storeDir, "1b9p07z77phvv2hf6gm9f28syp39f1ag-hello")
	err = Sandboxed(UnpackDeb, map[string]string{"deb": filepath.Join(storeDir, src), "out": out}, storeDir, []string{filepath.Join(storeDir, src)})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(out, "usr/bin/hello")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("usr/bin/hello: %v %v", fi, err)
	}
	want := filepath.Join(t.TempDir(), "want")
	if err := deb.Unpack(t.Context(), debFile, want); err != nil {
		t.Fatal(err)
	}
	h1, _, err := nar.HashPath(t.Context(), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	h2, _, _ := nar.HashPath(t.Context(), want, nil)
	if !h1.Equal(h2) {
		t.Errorf("output hashes %v, deb.Unpack gives %v", h1, h2)
	}
}

func TestUnpackDebErrors(t *testing.T) {
	real := store(t, "aaaa-bad.deb=not an archive", "bbbb-other.deb=x")
	cases := []struct {
		name   string
		env    map[string]string
		inputs []string
		outs   map[string]string
		want   string
	}{
		{"outside the store", map[string]string{"deb": "/etc/passwd"}, nil, nil, `deb = "/etc/passwd" is not a path in /nix/store`},
		{"escape", map[string]string{"deb": "/nix/store/../etc/passwd"}, nil, nil, "is not a path in /nix/store"},
		{"missing", map[string]string{}, nil, nil, `deb = "" is not a path`},
		{"not an input", map[string]string{"deb": "/nix/store/bbbb-other.deb"}, []string{"/nix/store/aaaa-bad.deb"}, nil, "is not an input of the derivation"},
		{"not a deb", map[string]string{"deb": "/nix/store/aaaa-bad.deb"}, []string{"/nix/store/aaaa-bad.deb"}, nil, "not an ar archive"},
		{"two outputs", map[string]string{"deb": "/nix/store/aaaa-bad.deb"}, nil, map[string]string{"out": "/nix/store/cccc-x", "dev": "/nix/store/dddd-x"}, `exactly the output "out"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs := c.outs
			if outs == nil {
				outs = map[string]string{"out": "/nix/store/cccc-x"}
			}
			err := Run(t.Context(), &Request{Builder: UnpackDeb, Env: c.env, Outputs: outs,
				StoreDir: "/nix/store", RealStoreDir: real, OutDir: t.TempDir(), Inputs: c.inputs})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), UnpackDeb) {
				t.Fatalf("got %v, want an error of %s containing %q", err, UnpackDeb, c.want)
			}
		})
	}
}
