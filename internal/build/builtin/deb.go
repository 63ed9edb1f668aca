package builtin

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/pkgs/deb"
)

// unpackDeb builds a builtin:cairn-unpack-deb derivation: the variable
// `deb` names a .deb file in the store (an input, usually a fixed-output
// download checked against the channel's index); its data tar is
// unpacked into the output as `dpkg -x` does (package deb), so the same
// file always gives the same store path content.
func unpackDeb(ctx context.Context, r *Request) error {
	out, ok := r.Outputs["out"]
	if !ok || len(r.Outputs) != 1 {
		return fmt.Errorf("%s: the derivation must have exactly the output \"out\"", UnpackDeb)
	}
	src := r.Env["deb"]
	rel, ok := strings.CutPrefix(src, r.StoreDir+"/")
	if !ok || rel == "" || path.Clean(rel) != rel || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%s: deb = %q is not a path in %s", UnpackDeb, src, r.StoreDir)
	}
	if r.Inputs != nil {
		in := false
		for _, p := range r.Inputs {
			if path.Base(p) == strings.SplitN(rel, "/", 2)[0] {
				in = true
				break
			}
		}
		if !in {
			return fmt.Errorf("%s: deb = %s is not an input of the derivation", UnpackDeb, src)
		}
	}
	if err := deb.Unpack(ctx, filepath.Join(r.RealStoreDir, rel), filepath.Join(r.OutDir, path.Base(out))); err != nil {
		return fmt.Errorf("%s: %w", UnpackDeb, err)
	}
	return nil
}
