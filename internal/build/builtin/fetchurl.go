package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// FetchURL is the builder that downloads one file (fetchurl.go).
const FetchURL = Prefix + "cairn-fetchurl"

// fetchURL builds a builtin:cairn-fetchurl derivation: the variable
// `url` (http or https) is downloaded into the output, a regular file.
// The derivation must be fixed-output with a flat sha256 (outputHashMode
// "flat", outputHashAlgo "sha256", outputHash in hex): that is what gives
// its build the network, and the download is checked against it here,
// before the engine checks the output again, so that a wrong file fails
// with both hashes named and nothing is registered.
func fetchURL(ctx context.Context, r *Request) error {
	out, ok := r.Outputs["out"]
	if !ok || len(r.Outputs) != 1 {
		return fmt.Errorf("%s: the derivation must have exactly the output \"out\"", FetchURL)
	}
	url := r.Env["url"]
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return fmt.Errorf("%s: url = %q is not an http or https URL", FetchURL, url)
	}
	if m := r.Env["outputHashMode"]; m != "flat" && m != "" {
		return fmt.Errorf("%s: outputHashMode = %q: a download is a flat file", FetchURL, m)
	}
	if a := r.Env["outputHashAlgo"]; a != "sha256" {
		return fmt.Errorf("%s: outputHashAlgo = %q: want sha256", FetchURL, a)
	}
	want := strings.ToLower(r.Env["outputHash"])
	if d, err := hex.DecodeString(want); err != nil || len(d) != sha256.Size {
		return fmt.Errorf("%s: outputHash = %q is not a sha256 in hex", FetchURL, r.Env["outputHash"])
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", FetchURL, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", FetchURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", FetchURL, url, resp.Status)
	}
	dest := filepath.Join(r.OutDir, path.Base(out))
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("%s: %w", FetchURL, err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %s: %w", FetchURL, url, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		os.Remove(dest)
		return fmt.Errorf("%s: %s: hash mismatch: got sha256 %s, want %s", FetchURL, url, got, want)
	}
	return nil
}
