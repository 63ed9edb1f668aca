package debian

import (
	"encoding/hex"
	"fmt"
	"strings"

	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// DebName returns the store name of the package's .deb file,
// "NAME_VERSION_ARCH.deb" with characters the store refuses (':' of an
// epoch) replaced by '-'.
func (p *Package) DebName() string {
	n := p.Name + "_" + p.Version + "_" + p.Architecture + ".deb"
	return strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-._?=", r)) {
			return r
		}
		return '-'
	}, n)
}

// StorePath returns the fixed-output store path (flat sha256) that the
// package's .deb file has once fetched into the store at storeDir.
func (p *Package) StorePath(storeDir string) (storepath.Path, error) {
	d, err := hex.DecodeString(p.SHA256)
	if err != nil || len(d) != 32 {
		return storepath.Path{}, fmt.Errorf("%s %s: bad SHA256 %q", p.Name, p.Version, p.SHA256)
	}
	return storepath.FixedOutput(storeDir, storepath.Flat, nixhash.Hash{Algo: nixhash.SHA256, Digest: d}, p.DebName(), nil, false)
}
