package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/pkgs/deb/debtest"
)

// cairn runs one in-process command, returning its stdout, stderr and
// exit status.
func cairn(dir string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: dir}
	code := Run(context.Background(), env, args)
	return out.String(), errb.String(), code
}

// TestRunHello builds hello and its closure from their .deb files with
// builtin:cairn-unpack-deb and runs it with `cairn run`; a command the
// packages lack is not found.
func TestRunHello(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cairn run needs root")
	}
	debs := debtest.FetchClosure(t, "hello")
	tmp, root := t.TempDir(), t.TempDir()
	// One builtin:cairn-unpack-deb derivation per .deb, built in the
	// sandbox as a package of a channel will be.
	nix := "{\n"
	for i, d := range debs {
		name := strings.NewReplacer("+", "_", "~", "_", ":", "_").Replace(strings.TrimSuffix(filepath.Base(d), ".deb"))
		nix += fmt.Sprintf("  p%d = derivation { name = %q; system = \"builtin\"; builder = \"builtin:cairn-unpack-deb\"; deb = %s; };\n", i, name, d)
	}
	if err := os.WriteFile(filepath.Join(tmp, "default.nix"), []byte(nix+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cairn(tmp, "build", "--root", root, "--no-link")
	if code != 0 {
		t.Fatalf("cairn build: %d %s", code, errs)
	}
	paths := strings.Fields(out)
	args := append(append([]string{"run", "--root", root, "--closure"}, paths...), "--", "hello", "-g", "from the store")
	out, errs, code = cairn(tmp, args...)
	if code != 0 || out != "from the store\n" {
		t.Fatalf("cairn run hello: %d %q %q", code, out, errs)
	}
	args = append(append([]string{"run", "--root", root, "--closure"}, paths...), "--", "apt-get")
	if _, errs, code = cairn(tmp, args...); code != exitFailure || !strings.Contains(errs, "apt-get: not found in PATH") {
		t.Errorf("apt-get: status %d, %q", code, errs)
	}
	if _, errs, code = cairn(tmp, "run", "--root", root, "--", "hello"); code != exitUsage {
		t.Errorf("no store paths: status %d %q", code, errs)
	}
	if _, errs, code = cairn(tmp, "run", "--root", root, "/etc/passwd", "--", "hello"); code != exitFailure || !strings.Contains(errs, "not in the store") {
		t.Errorf("a path outside the store: status %d %q", code, errs)
	}
}
