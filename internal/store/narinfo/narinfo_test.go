package narinfo

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/store/nar"
	"cairn.dev/cairn/internal/store/storepath"
)

const dir = storepath.DefaultStoreDir

// nixCache makes a binary cache with real Nix: a key pair from
// nix-store --generate-binary-cache-key, a .drv with input sources and a
// text file with references instantiated into a chroot store, and
// `nix copy` of their closure into a file:// cache signed with the key.
func nixCache(t *testing.T) (cache, store, sec, pub string) {
	t.Helper()
	for _, tool := range []string{"nix", "nix-store", "nix-instantiate"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " not installed")
		}
	}
	tmp := t.TempDir()
	sec, pub = filepath.Join(tmp, "sec"), filepath.Join(tmp, "pub")
	store, cache = filepath.Join(tmp, "store"), filepath.Join(tmp, "cache")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("nix-store", "--generate-binary-cache-key", "cairn-test-1", sec, pub)
	drv := run("nix-instantiate", "--store", store, "-E",
		`let t = builtins.toFile "t" "x"; u = builtins.toFile "u" "${t} more"; in derivation { name = "d"; system = "s"; builder = "b"; src = u; }`)
	drv = drv[strings.LastIndexByte(drv, '\n')+1:]
	run("nix", "--extra-experimental-features", "nix-command", "--option", "substituters", "", "copy", "--derivation", "--from", store,
		"--to", "file://"+cache+"?secret-key="+sec+"&compression=none", drv)
	return cache, store, sec, pub
}

func readKey(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNixCache parses the .narinfo files Nix wrote, prints them back byte
// for byte, checks NarHash against nar.HashPath of the objects, verifies
// Nix's signatures with the public key, and signs with the secret key to
// the same signatures (ed25519 is deterministic).
func TestNixCache(t *testing.T) {
	cache, store, sec, pub := nixCache(t)
	sk, err := ParseSecretKey(readKey(t, sec))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ParsePublicKey(readKey(t, pub))
	if err != nil {
		t.Fatal(err)
	}
	if sk.String() != readKey(t, sec) || pk.String() != readKey(t, pub) || sk.Public().String() != pk.String() {
		t.Error("keys do not print back as Nix wrote them")
	}
	files, _ := filepath.Glob(filepath.Join(cache, "*.narinfo"))
	if len(files) != 3 {
		t.Fatalf("%d narinfo files, want 3", len(files))
	}
	withRefs := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := Parse(dir, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if n.String() != string(data) {
			t.Errorf("%s: printed\n%s\nNix wrote\n%s", f, n, data)
		}
		if len(n.References) > 0 {
			withRefs++
		}
		h, size, err := nar.HashPath(context.Background(), filepath.Join(store, n.StorePath), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !h.Equal(n.NarHash) || size != n.NarSize {
			t.Errorf("%s: NarHash %s %d, nar.HashPath %s %d", f, n.NarHash, n.NarSize, h, size)
		}
		if name, err := n.Verify(dir, []PublicKey{pk}); err != nil || name != "cairn-test-1" {
			t.Errorf("%s: Verify: %q, %v", f, name, err)
		}
		nixSigs := n.Sigs
		n.Sigs = nil
		if err := n.Sign(dir, sk); err != nil {
			t.Fatal(err)
		}
		if len(n.Sigs) != 1 || len(nixSigs) != 1 || n.Sigs[0] != nixSigs[0] {
			t.Errorf("%s: signed %v, Nix signed %v", f, n.Sigs, nixSigs)
		}
		n.NarSize++
		if _, err := n.Verify(dir, []PublicKey{pk}); err == nil {
			t.Errorf("%s: signature still valid after changing NarSize", f)
		}
	}
	if withRefs == 0 {
		t.Error("no narinfo with references in the test cache")
	}
}

func TestKeys(t *testing.T) {
	sk, pk, err := GenerateKey("k-1", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sig := sk.Sign("fp")
	if !pk.Verify("fp", sig) || pk.Verify("fp2", sig) {
		t.Error("sign/verify")
	}
	_, other, _ := GenerateKey("k-1", rand.Reader)
	if other.Verify("fp", sig) {
		t.Error("verified with another key")
	}
	for _, s := range []string{"", "nocolon", "k:!!!", "k:AAAA"} {
		if _, err := ParsePublicKey(s); err == nil {
			t.Errorf("ParsePublicKey(%q) accepted", s)
		}
		if _, err := ParseSecretKey(s); err == nil {
			t.Errorf("ParseSecretKey(%q) accepted", s)
		}
	}
	if _, _, err := GenerateKey("a:b", rand.Reader); err == nil {
		t.Error("key name with a colon accepted")
	}
}

func TestParseErrors(t *testing.T) {
	good := "StorePath: /nix/store/xp0dpr9yz5h0fk5c5lpj7zzqjbdh3w8c-f\nURL: nar/x.nar\nNarHash: sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw\nNarSize: 120\n"
	n, err := Parse(dir, []byte(good))
	if err != nil || n.Compression != "bzip2" {
		t.Fatalf("Parse(good) = %+v, %v", n, err)
	}
	for _, s := range []string{
		strings.Replace(good, "StorePath: /nix/store/xp0dpr9yz5h0fk5c5lpj7zzqjbdh3w8c-f\n", "", 1),
		strings.Replace(good, "NarSize: 120", "NarSize: x", 1),
		strings.Replace(good, "NarSize: 120", "NarSize: 0", 1),
		strings.Replace(good, "sha256:04zw", "sha256:zzzz", 1),
		strings.TrimSuffix(good, "\n"),
		good + "References: bad\n",
		good + "Garbage\n",
		good + "References: \nReferences: \n",
	} {
		if _, err := Parse(dir, []byte(s)); err == nil {
			t.Errorf("Parse accepted:\n%s", s)
		}
	}
}

// FuzzParse: never a panic; what parses prints to text that parses to the
// same thing.
func FuzzParse(f *testing.F) {
	f.Add([]byte("StorePath: /nix/store/xp0dpr9yz5h0fk5c5lpj7zzqjbdh3w8c-f\nURL: nar/x.nar\nCompression: xz\nFileHash: sha256:17gd6zzlkx90irc6qawagdkgh1d7qvlnq46yjf7xiqw9ycz7zq4a\nFileSize: 128\nNarHash: sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw\nNarSize: 120\nReferences: xp0dpr9yz5h0fk5c5lpj7zzqjbdh3w8c-f\nDeriver: xp0dpr9yz5h0fk5c5lpj7zzqjbdh3w8c-f.drv\nSig: k:abc\nCA: fixed:r:sha256:04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(dir, data)
		if err != nil {
			return
		}
		text := n.String()
		again, err := Parse(dir, []byte(text))
		if err != nil {
			t.Fatalf("printed narinfo does not parse: %v\n%s", err, text)
		}
		if again.String() != text {
			t.Fatalf("printing is not stable:\n%s\n%s", text, again)
		}
	})
}

// FuzzKeys: key parsing never panics and round-trips.
func FuzzKeys(f *testing.F) {
	sk, pk, _ := GenerateKey("k", rand.Reader)
	f.Add(sk.String())
	f.Add(pk.String())
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := ParseSecretKey(s); err == nil {
			if again, err := ParseSecretKey(k.String()); err != nil || again.String() != k.String() {
				t.Fatalf("secret key %q does not round-trip", s)
			}
		}
		if k, err := ParsePublicKey(s); err == nil {
			if again, err := ParsePublicKey(k.String()); err != nil || again.String() != k.String() {
				t.Fatalf("public key %q does not round-trip", s)
			}
		}
	})
}
