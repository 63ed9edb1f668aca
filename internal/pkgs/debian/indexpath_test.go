package debian

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIndexStorePath: an index's store path is the one Nix gives the same
// file added flat under the same name.
func TestIndexStorePath(t *testing.T) {
	data := []byte("Package: hello\nVersion: 2.10-3\n")
	sum := sha256.Sum256(data)
	pin := IndexPin{Path: "main/binary-amd64/Packages", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	got, err := pin.ComputeStorePath("/nix/store", "bookworm")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, "-debian-bookworm-main-binary-amd64-Packages") {
		t.Errorf("store path %s", got)
	}
	if _, err := (IndexPin{SHA256: "zz"}).ComputeStorePath("/nix/store", "x"); err == nil {
		t.Error("a bad hash gave a store path")
	}
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("no nix-instantiate to compare with")
	}
	f := filepath.Join(t.TempDir(), "Packages")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("nix-instantiate", "--readonly-mode", "--eval", "-E",
		`builtins.path { path = `+f+`; name = "`+pin.StoreName("bookworm")+`"; recursive = false; sha256 = "`+pin.SHA256+`"; }`).CombinedOutput()
	if err != nil {
		t.Fatalf("nix-instantiate: %v\n%s", err, out)
	}
	if want := strings.Trim(strings.TrimSpace(string(out)), `"`); got != want {
		t.Errorf("cairn %s, Nix %s", got, want)
	}
}
