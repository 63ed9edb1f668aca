package derivation

import (
	"crypto/sha256"
	"fmt"

	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// Modulo is a derivation's hash modulo fixed-output inputs (Nix's
// hashDerivationModulo): for a fixed-output derivation, one hash per
// output over "fixed:out:[r:]ALGO:HEX:PATH", so that how the content is
// fetched does not matter; for any other derivation, the sha256 of its
// ATerm with every input derivation replaced by that input's own modulo
// hash.
type Modulo struct {
	Fixed map[string]nixhash.Hash // fixed-output derivations, by output
	Hash  nixhash.Hash            // other derivations
}

// Lookup returns the hash modulo of an input derivation by .drv path.
type Lookup func(drvPath string) (Modulo, error)

// HashModulo computes d's hash modulo. With mask, output paths and the
// environment variables named after outputs are blanked, as they are
// while output paths are being computed.
func (d *Derivation) HashModulo(mask bool, lookup Lookup) (Modulo, error) {
	if d.IsFixedOutput() {
		fixed := map[string]nixhash.Hash{}
		for name, o := range d.Outputs {
			s := "fixed:out:" + o.HashAlgo + ":" + o.Hash + ":" + o.Path
			sum := sha256.Sum256([]byte(s))
			fixed[name] = nixhash.Hash{Algo: nixhash.SHA256, Digest: sum[:]}
		}
		return Modulo{Fixed: fixed}, nil
	}
	inputs := make(map[string][]string, len(d.InputDrvs))
	for _, p := range sortedKeys(d.InputDrvs) {
		outs := d.InputDrvs[p]
		m, err := lookup(p)
		if err != nil {
			return Modulo{}, fmt.Errorf("input derivation '%s': %w", p, err)
		}
		if m.Fixed == nil {
			inputs[m.Hash.Hex()] = outs
			continue
		}
		for _, o := range outs {
			h, ok := m.Fixed[o]
			if !ok {
				return Modulo{}, fmt.Errorf("input derivation '%s' has no output '%s'", p, o)
			}
			inputs[h.Hex()] = []string{"out"}
		}
	}
	sum := sha256.Sum256(d.unparse(mask, inputs))
	return Modulo{Hash: nixhash.Hash{Algo: nixhash.SHA256, Digest: sum[:]}}, nil
}

// SetOutputs gives d its outputs and fills in their paths and
// environment variables, as Nix's derivationStrict does. For a
// fixed-output derivation (fixed not nil) the only output must be "out"
// and its path follows from the hash. Otherwise each output's path is
// computed from the hash modulo of d with the outputs blanked. d's name,
// inputs, platform, builder, arguments and the rest of its environment
// must be set.
func (d *Derivation) SetOutputs(storeDir string, names []string, fixed *FixedHash, lookup Lookup) error {
	name := d.Name()
	if err := ValidateName(name); err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("derivation '%s' has no outputs", name)
	}
	seen := map[string]bool{}
	for _, o := range names {
		if err := ValidateOutputName(o); err != nil {
			return err
		}
		if seen[o] {
			return fmt.Errorf("duplicate derivation output '%s'", o)
		}
		seen[o] = true
	}
	d.Outputs = map[string]Output{}
	if fixed != nil {
		if len(names) != 1 || names[0] != "out" {
			return fmt.Errorf("multiple outputs are not supported in fixed-output derivations")
		}
		o, err := fixed.Output(storeDir, name)
		if err != nil {
			return err
		}
		d.Outputs["out"] = o
		d.Env["out"] = o.Path
		return nil
	}
	for _, o := range names {
		d.Env[o] = ""
		d.Outputs[o] = Output{}
	}
	m, err := d.HashModulo(true, lookup)
	if err != nil {
		return err
	}
	for _, o := range names {
		p, err := storepath.Output(storeDir, o, m.Hash, name)
		if err != nil {
			return fmt.Errorf("output '%s': %w", o, err)
		}
		d.Env[o] = p.String()
		d.Outputs[o] = Output{Path: p.String()}
	}
	return nil
}
