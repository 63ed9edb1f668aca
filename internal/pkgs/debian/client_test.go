package debian

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cairn.dev/cairn/internal/pkgs/debian/debiantest"
)

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func testClient(t *testing.T, opt debiantest.Options) (*Client, *debiantest.Mirror) {
	t.Helper()
	m := debiantest.New(t, "test", map[string]string{"main/binary-amd64": testIndex}, opt)
	kr, err := ReadKeyring(bytes.NewReader(m.Keyring))
	if err != nil {
		t.Fatal(err)
	}
	return &Client{Mirror: m.URL, CacheDir: t.TempDir(), Keyring: kr,
		Now: func() time.Time { return time.Now().Add(time.Hour) }}, m
}

func TestClientLoopback(t *testing.T) {
	c, m := testClient(t, debiantest.Options{})
	ctx := context.Background()
	s, err := c.FetchSuite(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if s.Release.Origin != "Test" || s.SHA256 != hexSum(m.Files["dists/test/InRelease"]) {
		t.Errorf("suite = %+v", s)
	}
	f, err := c.Packages(ctx, s, "main", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if f.Text != testIndex || f.Pin.SHA256 != hexSum([]byte(testIndex)) {
		t.Errorf("Packages text differs from what was served")
	}
	// Offline: everything now comes from the cache.
	m.Close()
	s2, err := c.CachedSuite("test")
	if err != nil {
		t.Fatal(err)
	}
	if f2, err := c.Packages(ctx, s2, "main", "amd64"); err != nil || f2.Text != testIndex {
		t.Errorf("cached Packages: %v", err)
	}
	if _, err := c.Packages(ctx, s2, "contrib", "amd64"); err == nil || !strings.Contains(err.Error(), "suite test lists no contrib/binary-amd64/Packages") {
		t.Errorf("missing component: %v", err)
	}
}

func TestClientTamperedInRelease(t *testing.T) {
	c, _ := testClient(t, debiantest.Options{TamperRelease: true})
	_, err := c.FetchSuite(context.Background(), "test")
	if err == nil || !strings.Contains(err.Error(), "/dists/test/InRelease: OpenPGP signature does not verify against the archive keyring") {
		t.Fatalf("tampered InRelease: %v", err)
	}
	if _, err := os.Stat(c.inReleasePath("test")); !os.IsNotExist(err) {
		t.Errorf("tampered InRelease was cached: %v", err)
	}
}

func TestClientBadIndexHash(t *testing.T) {
	c, _ := testClient(t, debiantest.Options{TamperIndex: true})
	ctx := context.Background()
	s, err := c.FetchSuite(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Packages(ctx, s, "main", "amd64")
	if err == nil || !strings.Contains(err.Error(), "/dists/test/main/binary-amd64/Packages.xz: SHA256 ") ||
		!strings.Contains(err.Error(), "does not match the Release file's ") {
		t.Fatalf("bad Packages.xz: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(c.CacheDir, "by-hash", "SHA256")); len(ents) != 0 {
		t.Errorf("a file that failed its hash was cached: %v", ents)
	}
}

// TestVerifyHostInRelease verifies the InRelease apt fetched for the host
// against the Debian archive keyring, and fails it once tampered.
func TestVerifyHostInRelease(t *testing.T) {
	files, _ := filepath.Glob("/var/lib/apt/lists/*_dists_bookworm_InRelease")
	if len(files) == 0 {
		t.Skip("no apt list of bookworm's InRelease")
	}
	file := files[0]
	data, err := os.ReadFile(file)
	if err != nil {
		t.Skipf("no apt list: %v", err)
	}
	kr, err := LoadKeyring(DefaultKeyring)
	if err != nil {
		t.Skipf("no keyring: %v", err)
	}
	text, signer, err := kr.VerifyInRelease(file, data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rel, err := ParseRelease(file, text)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Codename != "bookworm" || signer == "" || rel.SHA256["main/binary-amd64/Packages.xz"].Size == 0 || rel.Date.IsZero() {
		t.Errorf("release = %q %q signer %q", rel.Suite, rel.Codename, signer)
	}
	bad := bytes.Replace(data, []byte("Codename: bookworm"), []byte("Codename: bookwurm"), 1)
	if _, _, err := kr.VerifyInRelease(file, bad, time.Now()); err == nil || !strings.Contains(err.Error(), "signature does not verify") {
		t.Errorf("tampered host InRelease: %v", err)
	}
}

func TestParseReleaseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Suite: a\nSHA256:\n abc 1 x\n", "R:2: SHA256 entry \"abc 1 x\": bad hash"},
		{"Suite: a\nDate: yesterday\n", "R:2: Date: cannot parse date \"yesterday\""},
		{"Origin: x\n", "R: Release file names neither Suite nor Codename"},
		{"Suite: a\n\nSuite: b\n", "R: a Release file has one paragraph, found 2"},
	} {
		if _, err := ParseRelease("R", tc.in); err == nil || err.Error() != tc.want {
			t.Errorf("ParseRelease(%q) = %v, want %s", tc.in, err, tc.want)
		}
	}
}

func TestHostMirror(t *testing.T) {
	root := t.TempDir()
	if _, err := HostMirror(root); err == nil {
		t.Errorf("empty root: want an error")
	}
	os.MkdirAll(filepath.Join(root, "etc/apt"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/apt/sources.list"), []byte("# x\ndeb [signed-by=/k.gpg] http://security.example/debian-security bookworm-security main\ndeb http://ftp.example/debian/ bookworm main\n"), 0o644)
	if m, err := HostMirror(root); err != nil || m != "http://ftp.example/debian" {
		t.Errorf("sources.list: %q %v", m, err)
	}
	os.MkdirAll(filepath.Join(root, "etc/apt/sources.list.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/apt/sources.list.d/debian.sources"), []byte("Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n"), 0o644)
	if m, err := HostMirror(root); err != nil || m != "http://mirror.example/debian" {
		t.Errorf("debian.sources: %q %v", m, err)
	}
}
