// Package derivation implements Nix derivations: the Derivation type, its
// ATerm serialisation (the .drv file) byte for byte as Nix writes it, a
// parser for it, the "hash modulo" Nix uses to make output paths
// independent of how fixed-output inputs were fetched, and the
// computation of output and .drv paths for input-addressed and
// fixed-output derivations.
package derivation

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// Output is one output of a derivation as the .drv file records it.
type Output struct {
	Path string // absolute store path; empty while not yet computed
	// HashAlgo and Hash are set for fixed-output derivations:
	// "[r:]ALGO" and the expected hash in base 16.
	HashAlgo string
	Hash     string
}

// Derivation is a parsed or computed .drv.
type Derivation struct {
	Outputs   map[string]Output
	InputDrvs map[string][]string // .drv path -> output names used (sorted)
	InputSrcs []string            // sorted store paths
	Platform  string
	Builder   string
	Args      []string
	Env       map[string]string
}

// Name returns the derivation's name (its "name" environment variable).
func (d *Derivation) Name() string {
	if n, ok := d.Env["name"]; ok {
		return n
	}
	// With structured attributes the name is a field of __json.
	if js, ok := d.Env["__json"]; ok {
		var attrs struct {
			Name string `json:"name"`
		}
		if json.Unmarshal([]byte(js), &attrs) == nil {
			return attrs.Name
		}
	}
	return ""
}

// IsFixedOutput reports whether d is a fixed-output derivation: one
// output, "out", with an expected hash.
func (d *Derivation) IsFixedOutput() bool {
	o, ok := d.Outputs["out"]
	return len(d.Outputs) == 1 && ok && o.HashAlgo != "" && o.Hash != ""
}

// OutputNames returns the output names, sorted.
func (d *Derivation) OutputNames() []string { return sortedKeys(d.Outputs) }

// References returns what the .drv file refers to: its input sources and
// input derivations, sorted.
func (d *Derivation) References() []string {
	refs := append([]string(nil), d.InputSrcs...)
	for p := range d.InputDrvs {
		refs = append(refs, p)
	}
	sort.Strings(refs)
	return refs
}

// Path computes the .drv's store path: a text path named NAME.drv over the
// ATerm, referring to the inputs.
func (d *Derivation) Path(storeDir string) (storepath.Path, error) {
	return storepath.Text(storeDir, d.Name()+".drv", d.ATerm(), d.References())
}

// FixedHash is the expected content of a fixed-output derivation.
type FixedHash struct {
	Method storepath.Method
	Hash   nixhash.Hash
}

// ParseFixedHash interprets outputHash, outputHashAlgo and outputHashMode
// as Nix's derivationStrict does: the hash may be base 16, base 32, base
// 64 or SRI, with the algorithm in outputHashAlgo or in the hash itself;
// an empty hash stands for all zeros (Nix warns) when the algorithm is
// known; the mode is "flat" (or empty) or "recursive".
func ParseFixedHash(hash, algo, mode string) (FixedHash, error) {
	var f FixedHash
	switch mode {
	case "", "flat":
		f.Method = storepath.Flat
	case "recursive":
		f.Method = storepath.Recursive
	default:
		return f, fmt.Errorf("invalid value '%s' for 'outputHashMode' attribute", mode)
	}
	var a nixhash.Algo
	if algo != "" {
		// Nix ignores an unknown algorithm here and then fails to find a type.
		a, _ = nixhash.ParseAlgo(algo)
	}
	if hash == "" {
		if a == 0 {
			return f, fmt.Errorf("empty hash requires explicit hash type")
		}
		f.Hash = nixhash.Hash{Algo: a, Digest: make([]byte, a.Size())}
		return f, nil
	}
	h, err := nixhash.Parse(hash, a)
	if err != nil {
		return f, err
	}
	f.Hash = h
	return f, nil
}

// Output returns the output record of a fixed-output derivation named
// name: its path, "[r:]ALGO" and the hash in base 16.
func (f FixedHash) Output(storeDir, name string) (Output, error) {
	p, err := storepath.FixedOutput(storeDir, f.Method, f.Hash, name, nil, false)
	if err != nil {
		return Output{}, err
	}
	return Output{Path: p.String(), HashAlgo: f.Method.Prefix() + f.Hash.Algo.String(), Hash: f.Hash.Hex()}, nil
}

// ValidateOutputName checks an output name as Nix does.
func ValidateOutputName(name string) error {
	if name == "drv" || name == "" {
		return fmt.Errorf("invalid derivation output name '%s'", name)
	}
	return nil
}

// ValidateName checks a derivation name: a valid store path name that
// does not end in ".drv".
func ValidateName(name string) error {
	if err := storepath.ValidateName(name); err != nil {
		return fmt.Errorf("invalid derivation name: %w", err)
	}
	if strings.HasSuffix(name, ".drv") {
		return fmt.Errorf("derivation names are not allowed to end in '.drv'")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
