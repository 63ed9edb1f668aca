package dry

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/nixhash"
)

func TestAddPathExpectedHash(t *testing.T) {
	src := makeSources(t)
	s := New("")
	ctx := context.Background()
	file := filepath.Join(src, "file.txt")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	h := nixhash.Sum(nixhash.SHA256, data)
	flat, err := s.AddPath(ctx, eval.AddPathRequest{Src: file})
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{h.Hex(), h.Base32(), h.SRI()} {
		p, err := s.AddPath(ctx, eval.AddPathRequest{Src: file, ExpectedSHA256: enc})
		if err != nil || p != flat {
			t.Errorf("expected hash %s: %s, %v", enc, p, err)
		}
	}
	_, err = s.AddPath(ctx, eval.AddPathRequest{Src: file, ExpectedSHA256: nixhash.Sum(nixhash.SHA256, nil).Hex()})
	if err == nil || !strings.Contains(err.Error(), "hash mismatch") {
		t.Errorf("wrong expected hash: %v", err)
	}
	if _, err := s.AddPath(ctx, eval.AddPathRequest{Src: filepath.Join(src, "tree")}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("flat directory: %v", err)
	}
	if _, err := s.AddPath(ctx, eval.AddPathRequest{Src: file, Name: "bad name", Recursive: true}); err == nil {
		t.Error("bad name accepted")
	}
	boom := errors.New("evaluation error in the filter")
	_, err = s.AddPath(ctx, eval.AddPathRequest{Src: src, Recursive: true, Filter: func(string, string) (bool, error) { return false, boom }})
	if err != boom {
		t.Errorf("filter error = %v, want it returned as is", err)
	}
}

// TestAddPathOracle compares a flat path with builtins.path and the
// expected-hash form with Nix.
func TestAddPathOracle(t *testing.T) {
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("nix-instantiate not installed")
	}
	src := makeSources(t)
	s := New("")
	file := filepath.Join(src, "file.txt")
	got, err := s.AddPath(context.Background(), eval.AddPathRequest{Src: file, Name: "renamed.txt"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("nix-instantiate", "--readonly-mode", "--eval", "-E",
		`builtins.path { path = `+file+`; name = "renamed.txt"; recursive = false; }`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Trim(strings.TrimSpace(string(out)), `"`); got != want {
		t.Errorf("flat builtins.path: cairn %s, nix %s", got, want)
	}
}

func TestDerivationErrors(t *testing.T) {
	s := New("")
	ctx := context.Background()
	req := func(mod func(r *eval.DerivationRequest)) *eval.DerivationRequest {
		r := &eval.DerivationRequest{Name: "x", System: "s", Builder: "b",
			Env: map[string]string{"name": "x", "system": "s", "builder": "b"}}
		mod(r)
		return r
	}
	sri := nixhash.Sum(nixhash.SHA256, nil).SRI()
	for _, c := range []struct {
		req *eval.DerivationRequest
		err string
	}{
		{req(func(r *eval.DerivationRequest) { r.OutputHash = sri; r.Outputs = []string{"out", "dev"} }),
			"multiple outputs are not supported in fixed-output derivations"},
		{req(func(r *eval.DerivationRequest) { r.OutputHash = "abc"; r.OutputHashAlgo = "sha256" }),
			"hash 'abc' has wrong length for hash type 'sha256'"},
		{req(func(r *eval.DerivationRequest) { r.Env["outputHash"] = "" }),
			"empty hash requires explicit hash type"},
		{req(func(r *eval.DerivationRequest) {
			r.InputDrvs = map[string][]string{"/nix/store/00000000000000000000000000000000-y.drv": {"out"}}
		}),
			"not computed by this evaluation"},
		{req(func(r *eval.DerivationRequest) { r.InputSrcs = []string{"/tmp/x"} }),
			"not in the Nix store"},
		{req(func(r *eval.DerivationRequest) { r.Env["name"] = "y" }),
			"differs from the environment's name"},
		{req(func(r *eval.DerivationRequest) { r.Name = "x.drv"; r.Env["name"] = "x.drv" }),
			"not allowed to end in '.drv'"},
	} {
		_, _, err := s.Derivation(ctx, c.req)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v: %v, want %q", c.req, err, c.err)
		}
	}
	drvPath, outs, err := s.Derivation(ctx, req(func(*eval.DerivationRequest) {}))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := s.Lookup(drvPath)
	if !ok || d.Outputs["out"].Path != outs["out"] || d.Env["out"] != outs["out"] {
		t.Errorf("Lookup(%s) = %v, %v", drvPath, d, ok)
	}
}
