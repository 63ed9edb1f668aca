package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "f")
	for _, c := range []struct {
		data    string
		mode    os.FileMode
		changed bool
	}{
		{"one\n", 0o644, true},
		{"one\n", 0o644, false}, // same content and mode: untouched
		{"one\n", 0o600, true},  // a new mode is a change
		{"two\n", 0o600, true},
	} {
		changed, err := WriteFile(p, []byte(c.data), c.mode)
		if err != nil {
			t.Fatal(err)
		}
		if changed != c.changed {
			t.Errorf("WriteFile(%q, %o) changed = %v, want %v", c.data, c.mode, changed, c.changed)
		}
		got, _ := os.ReadFile(p)
		fi, _ := os.Stat(p)
		if string(got) != c.data || fi.Mode().Perm() != c.mode {
			t.Errorf("file is %q %o, want %q %o", got, fi.Mode().Perm(), c.data, c.mode)
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

func TestSymlink(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l")
	for _, c := range []struct {
		target  string
		changed bool
	}{{"a", true}, {"a", false}, {"b", true}} {
		changed, err := Symlink(c.target, p)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.Readlink(p); got != c.target || changed != c.changed {
			t.Errorf("Symlink(%q): link %q, changed %v; want changed %v", c.target, got, changed, c.changed)
		}
	}
}
