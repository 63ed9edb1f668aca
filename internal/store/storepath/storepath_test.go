package storepath

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/store/nixhash"
)

func TestParse(t *testing.T) {
	good := "/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby-foo-1.2_x+y?=z"
	p, err := Parse(DefaultStoreDir, good)
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != good || p.Hash != "j7bsw64nx17k0ilcwavvkyrkyflmxgby" || p.Name != "foo-1.2_x+y?=z" {
		t.Errorf("Parse(%q) = %+v", good, p)
	}
	for _, c := range []struct{ in, err string }{
		{"/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby", "not a valid store path"},
		{"/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgbe-foo", "illegal base-32 character 'e'"},
		{"/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby-f/o", "not in the Nix store"},
		{"/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby-f o", "illegal character ' '"},
		{"/other/j7bsw64nx17k0ilcwavvkyrkyflmxgby-foo", "not in the Nix store"},
		{"/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby-" + strings.Repeat("a", 212), "longer than 211"},
	} {
		if _, err := Parse(DefaultStoreDir, c.in); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Parse(%q) = %v, want error containing %q", c.in, err, c.err)
		}
	}
	sp, rest, err := ParseInStore(DefaultStoreDir, good+"/bin/sh")
	if err != nil || sp.String() != good || rest != "/bin/sh" {
		t.Errorf("ParseInStore = %v, %q, %v", sp, rest, err)
	}
}

func oracle(t *testing.T, storeDir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "NIX_STORE_DIR="+storeDir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return strings.Trim(strings.TrimSpace(string(out)), `"`)
}

// TestFixedOutputOracle compares FixedOutput with nix-store --print-fixed-path
// for every algorithm, both methods and two store directories.
func TestFixedOutputOracle(t *testing.T) {
	if _, err := exec.LookPath("nix-store"); err != nil {
		t.Skip("nix-store not installed")
	}
	for _, dir := range []string{DefaultStoreDir, "/tmp/cairn-store"} {
		for _, algo := range []nixhash.Algo{nixhash.MD5, nixhash.SHA1, nixhash.SHA256, nixhash.SHA512} {
			for _, m := range []Method{Flat, Recursive} {
				h := nixhash.Sum(algo, []byte("content"))
				got, err := FixedOutput(dir, m, h, "name-1.0", nil, false)
				if err != nil {
					t.Fatal(err)
				}
				args := []string{"nix-store", "--print-fixed-path"}
				if m == Recursive {
					args = append(args, "--recursive")
				}
				want := oracle(t, dir, append(args, algo.String(), h.Base32(), "name-1.0")...)
				if got.String() != want {
					t.Errorf("%s %s%v: got %s, nix %s", dir, m.Prefix(), algo, got, want)
				}
			}
		}
	}
}

// TestTextOracle compares Text with builtins.toFile, with and without
// references.
func TestTextOracle(t *testing.T) {
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("nix-instantiate not installed")
	}
	for _, dir := range []string{DefaultStoreDir, "/tmp/cairn-store"} {
		a, err := Text(dir, "a", []byte("b"), nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Text(dir, "c", []byte("d"), nil)
		if err != nil {
			t.Fatal(err)
		}
		text := "x " + c.String() + " " + a.String() + "\n\t\"q\""
		got, err := Text(dir, ".dot-name", []byte(text), []string{c.String(), a.String(), a.String()})
		if err != nil {
			t.Fatal(err)
		}
		want := oracle(t, dir, "nix-instantiate", "--readonly-mode", "--eval", "-E",
			`let a = builtins.toFile "a" "b"; c = builtins.toFile "c" "d"; in builtins.toFile ".dot-name" "x ${c} ${a}\n\t\"q\""`)
		if got.String() != want {
			t.Errorf("%s: got %s, nix %s", dir, got, want)
		}
	}
}

func TestFixedOutputRefs(t *testing.T) {
	h := nixhash.Sum(nixhash.SHA1, nil)
	if _, err := FixedOutput(DefaultStoreDir, Flat, h, "x", []string{"/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby-foo"}, false); err == nil {
		t.Error("flat path with references accepted")
	}
	if _, err := Make(DefaultStoreDir, "source", h, "bad name"); err == nil {
		t.Error("bad name accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby-foo")
	f.Add("/nix/store/j7bsw64nx17k0ilcwavvkyrkyflmxgby-foo/bin")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(DefaultStoreDir, s)
		if err == nil && p.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, p.String())
		}
		p, rest, err := ParseInStore(DefaultStoreDir, s)
		if err == nil && p.String()+rest != s {
			t.Fatalf("ParseInStore(%q) = %q + %q", s, p.String(), rest)
		}
	})
}
