package builtin

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFetchURL downloads a file from a server on loopback through
// Sandboxed: the right hash gives the file, read-only; a wrong hash, a
// missing file or a bad derivation fail and leave no output.
func TestFetchURL(t *testing.T) {
	const body = "the content of a package\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/pool/p.deb" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	sum := sha256.Sum256([]byte(body))
	good := hex.EncodeToString(sum[:])
	env := func(url, hash string) map[string]string {
		return map[string]string{"url": url, "outputHashMode": "flat", "outputHashAlgo": "sha256", "outputHash": hash}
	}
	storeDir := t.TempDir()
	out := filepath.Join(storeDir, "0000-p.deb")
	e := env(srv.URL+"/pool/p.deb", good)
	e["out"] = out
	if err := Sandboxed(FetchURL, e, storeDir, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil || string(data) != body {
		t.Fatalf("output %q, %v; want %q", data, err, body)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o444 {
		t.Errorf("output mode %v, want 0444", fi.Mode())
	}

	bad := strings.Repeat("0", 64)
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"hash mismatch", env(srv.URL+"/pool/p.deb", bad), "hash mismatch: got sha256 " + good + ", want " + bad},
		{"not found", env(srv.URL+"/pool/q.deb", good), "404 Not Found"},
		{"not http", env("file:///etc/passwd", good), "is not an http or https URL"},
		{"recursive", map[string]string{"url": srv.URL, "outputHashMode": "recursive", "outputHashAlgo": "sha256", "outputHash": good}, "a download is a flat file"},
		{"sha1", map[string]string{"url": srv.URL, "outputHashAlgo": "sha1", "outputHash": good}, "want sha256"},
		{"bad hash", env(srv.URL, "sha256-abc"), "is not a sha256 in hex"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "1111-p.deb")
			c.env["out"] = out
			err := Sandboxed(FetchURL, c.env, dir, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if _, err := os.Lstat(out); !os.IsNotExist(err) {
				t.Errorf("output left behind: %v", err)
			}
		})
	}
}
