package fhs

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/pkgs/deb"
	"cairn.dev/cairn/internal/pkgs/deb/debtest"
)

// mkpkg makes a package folder from "REL=TEXT" files and "REL->TARGET"
// links.
func mkpkg(t *testing.T, name string, entries ...string) Package {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	for _, e := range entries {
		var err error
		if rel, target, ok := strings.Cut(e, "->"); ok {
			os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
			err = os.Symlink(target, filepath.Join(dir, rel))
		} else {
			rel, text, _ := strings.Cut(e, "=")
			os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
			err = os.WriteFile(filepath.Join(dir, rel), []byte(text), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return Package{Path: "/nix/store/" + name, Real: dir}
}

func TestLayout(t *testing.T) {
	a := mkpkg(t, "aaaa-a", "bin/sh=a", "lib/x86_64-linux-gnu/liba.so.1=a", "usr/share/doc/a/README=a",
		"usr/share/common=same", "etc/a.conf=a")
	b := mkpkg(t, "bbbb-b", "bin->usr/bin", "usr/bin/b=b", "usr/lib/x86_64-linux-gnu/libb.so.1->libb.so.1.2",
		"usr/lib/x86_64-linux-gnu/libb.so.1.2=b", "usr/share/doc/b/README=b", "usr/share/common=same",
		"usr/bin/sh=other", "var/lib/b/state=b")
	plan, err := Layout([]Package{a, b}, []string{"proc", "etc/passwd", "var/lib/b"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range plan.Steps {
		got = append(got, strings.ReplaceAll(strings.ReplaceAll(s.String(), a.Real, "A"), b.Real, "B"))
	}
	want := []string{
		"symlink /bin <- usr/bin",
		"symlink /sbin <- usr/sbin",
		"symlink /lib <- usr/lib",
		"symlink /lib32 <- usr/lib32",
		"symlink /lib64 <- usr/lib64",
		"symlink /libx32 <- usr/libx32",
		"dir /etc",
		"symlink /etc/a.conf <- /nix/store/aaaa-a/etc/a.conf",
		"dir /usr",
		"dir /usr/bin",
		"symlink /usr/bin/b <- /nix/store/bbbb-b/usr/bin/b",
		"symlink /usr/bin/sh <- /nix/store/aaaa-a/bin/sh",
		"dir /usr/lib",
		"dir /usr/lib/x86_64-linux-gnu",
		"symlink /usr/lib/x86_64-linux-gnu/liba.so.1 <- /nix/store/aaaa-a/lib/x86_64-linux-gnu/liba.so.1",
		"symlink /usr/lib/x86_64-linux-gnu/libb.so.1 <- libb.so.1.2",
		"symlink /usr/lib/x86_64-linux-gnu/libb.so.1.2 <- /nix/store/bbbb-b/usr/lib/x86_64-linux-gnu/libb.so.1.2",
		"dir /usr/share",
		"symlink /usr/share/common <- /nix/store/aaaa-a/usr/share/common",
		"dir /usr/share/doc",
		"bind /usr/share/doc/a <- A/usr/share/doc/a",
		"bind /usr/share/doc/b <- B/usr/share/doc/b",
		"dir /var",
		"dir /var/lib",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(plan.Collisions, " ") != "usr/bin/sh" {
		t.Errorf("collisions %q, want usr/bin/sh", plan.Collisions)
	}
}

// unpackAll unpacks the .deb files into store paths in a temporary
// store directory, as builtin:cairn-unpack-deb does.
func unpackAll(t *testing.T, debs []string) []Package {
	t.Helper()
	real := t.TempDir()
	var pkgs []Package
	for _, d := range debs {
		name := "00000000000000000000000000000000-" + strings.TrimSuffix(filepath.Base(d), ".deb")
		name = strings.NewReplacer("+", "_", "~", "_", ":", "_").Replace(name)
		if err := deb.Unpack(context.Background(), d, filepath.Join(real, name)); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, Package{Path: "/nix/store/" + name, Real: filepath.Join(real, name)})
	}
	return pkgs
}

func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making a mount namespace needs root")
	}
}

func run(t *testing.T, s *Spec) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	if s.Env == nil {
		s.Env = []string{"PATH=" + DefaultPath, "LANG=C"}
	}
	err := Run(context.Background(), s)
	return out.String(), errb.String(), err
}

// TestHello runs Debian's hello, unpacked with its closure, and shows
// that the host's programs are not there.
func TestHello(t *testing.T) {
	needRoot(t)
	pkgs := unpackAll(t, debtest.FetchClosure(t, "hello", "dash", "coreutils"))
	out, errs, err := run(t, &Spec{Packages: pkgs, Args: []string{"hello"}})
	if err != nil || out != "Hello, world!\n" {
		t.Fatalf("hello: %q %q %v", out, errs, err)
	}
	// The host has apt-get (it fetched the packages); the root has not.
	if _, err := os.Stat("/usr/bin/apt-get"); err != nil {
		t.Fatalf("the host has no /usr/bin/apt-get to hide: %v", err)
	}
	state := t.TempDir()
	out, errs, err = run(t, &Spec{Packages: pkgs, Mounts: []Mount{{Source: state, Target: "/var/lib/app", Writable: true}},
		Args: []string{"sh", "-c", `test -e /usr/bin/apt-get && echo visible; ls /bin/hello /usr/bin/sh /lib64/ld-linux-x86-64.so.2; ` +
			`cat /etc/passwd | cut -d: -f1 | head -1; echo state > /var/lib/app/file; touch /usr/x 2>/dev/null || echo read-only; ` +
			`echo tmp > /tmp/t && cat /tmp/t; test -d /proc/self && echo proc; test -c /dev/null && echo dev`}})
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, errs)
	}
	want := "/bin/hello\n/lib64/ld-linux-x86-64.so.2\n/usr/bin/sh\nroot\nread-only\ntmp\nproc\ndev\n"
	if out != want {
		t.Errorf("sh printed\n%s\nwant\n%s(stderr %s)", out, want, errs)
	}
	if b, err := os.ReadFile(filepath.Join(state, "file")); err != nil || string(b) != "state\n" {
		t.Errorf("state file: %q %v", b, err)
	}
	// A failing command gives its exit status.
	_, _, err = run(t, &Spec{Packages: pkgs, Args: []string{"sh", "-c", "exit 3"}})
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("exit 3: %v", err)
	}
	if _, _, err := run(t, &Spec{Packages: pkgs, Args: []string{"apt-get"}}); err == nil || !strings.Contains(err.Error(), "not found in PATH") {
		t.Errorf("apt-get in the root: %v", err)
	}
}

// TestNginx runs nginx -v from nginx and its closure with an /etc of
// the caller's.
func TestNginx(t *testing.T) {
	needRoot(t)
	pkgs := unpackAll(t, debtest.FetchClosure(t, "nginx"))
	etc := t.TempDir()
	os.WriteFile(filepath.Join(etc, "passwd"), []byte(minimalPasswd), 0o644)
	out, errs, err := run(t, &Spec{Packages: pkgs, Etc: etc, Args: []string{"nginx", "-v"}})
	if err != nil || !strings.HasPrefix(errs, "nginx version: nginx/") {
		t.Fatalf("nginx -v: %q %q %v", out, errs, err)
	}
}
