package nixconf

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "extra.conf"), []byte("extra-substituters = file:///b\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "nix.conf"), []byte(`# comment
substituters = file:///a   # trailing comment
trusted-public-keys = k1:AAA k2:BBB
include extra.conf
!include missing.conf
sandbox-paths = /bin/sh /usr/bin/env=/usr/bin/env /nonexistent?
cores =
`), 0o644)
	c, err := Load(filepath.Join(dir, "nix.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.List("substituters"); !reflect.DeepEqual(got, []string{"file:///a", "file:///b"}) {
		t.Errorf("substituters = %q", got)
	}
	if got := c.List("trusted-public-keys"); !reflect.DeepEqual(got, []string{"k1:AAA", "k2:BBB"}) {
		t.Errorf("trusted-public-keys = %q", got)
	}
	if v, ok := c.Get("cores"); !ok || v != "" {
		t.Errorf("cores = %q, %v", v, ok)
	}
	paths, err := c.SandboxPaths()
	if err != nil {
		t.Fatal(err)
	}
	if paths["/bin/sh"] != "/bin/sh" || paths["/usr/bin/env"] != "/usr/bin/env" || len(paths) != 2 {
		t.Errorf("sandbox paths = %v", paths)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "nix.conf")
	os.WriteFile(p, []byte("substituters file:///a\n"), 0o644)
	if _, err := Load(p); err == nil || err.Error() != p+":1: illegal configuration line 'substituters file:///a'" {
		t.Errorf("err = %v", err)
	}
	os.WriteFile(p, []byte("include "+p+"\n"), 0o644)
	if _, err := Load(p); err == nil {
		t.Error("a file that includes itself loads")
	}
	c, err := Load(filepath.Join(dir, "missing.conf"))
	if err != nil || len(c.List("substituters")) != 0 {
		t.Errorf("a missing file: %v, %v", c, err)
	}
}

// FuzzLoad reads arbitrary configuration files: never a panic.
func FuzzLoad(f *testing.F) {
	f.Add("substituters = file:///a\nextra-substituters = b # c\ninclude x\n")
	f.Add("sandbox-paths = /bin/sh=/bin/sh? x\n")
	f.Fuzz(func(t *testing.T, s string) {
		p := filepath.Join(t.TempDir(), "nix.conf")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if c, err := Load(p); err == nil {
			c.SandboxPaths()
		}
	})
}
