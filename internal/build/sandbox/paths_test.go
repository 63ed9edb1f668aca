package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// TestDefaultPathsLdd compares the closure of /bin/sh with what the host's
// loader resolves (ldd), which is the oracle for what /bin/sh needs.
func TestDefaultPathsLdd(t *testing.T) {
	paths, err := DefaultPaths()
	if err != nil {
		t.Fatal(err)
	}
	ldd, err := exec.LookPath("ldd")
	if err != nil {
		t.Skip("no ldd on this host")
	}
	out, err := exec.Command(ldd, "/bin/sh").Output()
	if err != nil {
		t.Skipf("ldd /bin/sh: %v (a static shell?)", err)
	}
	want := []string{"/bin/sh"}
	// "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
	re := regexp.MustCompile(`(?m)^\s*(?:\S+ => )?(/\S+) \(0x`)
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		want = append(want, m[1])
	}
	var got []string
	for target, source := range paths {
		got = append(got, target)
		real, err := filepath.EvalSymlinks(target)
		if err != nil || real != source {
			t.Errorf("%s: source %s, want %s (%v)", target, source, real, err)
		}
		if fi, err := os.Stat(source); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: source %s is not a regular file (%v)", target, source, err)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("targets %q, ldd says %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("targets %q, ldd says %q", got, want)
		}
	}
}

func TestClosureNotELF(t *testing.T) {
	script := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err := Closure(script)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 1 || paths[script] == "" {
		t.Fatalf("Closure(script) = %v", paths)
	}
	if _, err := Closure(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("Closure of a missing file succeeded")
	}
}
