package derivation

import "sort"

// ATerm returns the .drv file contents, as Nix's Derivation::unparse
// writes them.
func (d *Derivation) ATerm() []byte { return d.unparse(false, nil) }

// unparse writes the ATerm. With mask, output paths and the environment
// variables named after outputs are written empty; inputs, when not nil,
// replaces the input derivations (hash modulo replaces each .drv path by
// its own hash).
func (d *Derivation) unparse(mask bool, inputs map[string][]string) []byte {
	var b []byte
	b = append(b, "Derive(["...)
	for i, name := range sortedKeys(d.Outputs) {
		o := d.Outputs[name]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		b = raw(b, name)
		b = append(b, ',')
		if mask {
			b = raw(b, "")
		} else {
			b = raw(b, o.Path)
		}
		b = append(b, ',')
		b = raw(b, o.HashAlgo)
		b = append(b, ',')
		b = raw(b, o.Hash)
		b = append(b, ')')
	}
	b = append(b, "],["...)
	if inputs == nil {
		inputs = d.InputDrvs
	}
	for i, p := range sortedKeys(inputs) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		b = raw(b, p)
		b = append(b, ',')
		b = rawList(b, sortedSet(inputs[p]))
		b = append(b, ')')
	}
	b = append(b, "],"...)
	b = rawList(b, sortedSet(d.InputSrcs))
	b = append(b, ',')
	b = raw(b, d.Platform)
	b = append(b, ',')
	b = quote(b, d.Builder)
	b = append(b, ',')
	b = append(b, '[')
	for i, a := range d.Args {
		if i > 0 {
			b = append(b, ',')
		}
		b = quote(b, a)
	}
	b = append(b, "],["...)
	for i, k := range sortedKeys(d.Env) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		b = quote(b, k)
		b = append(b, ',')
		v := d.Env[k]
		if _, isOut := d.Outputs[k]; mask && isOut {
			v = ""
		}
		b = quote(b, v)
		b = append(b, ')')
	}
	b = append(b, "])"...)
	return b
}

// raw writes s in quotes without escaping, as Nix writes output names,
// paths, hashes and the platform.
func raw(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func rawList(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = raw(b, s)
	}
	return append(b, ']')
}

// quote writes s in quotes, escaping ", \, newline, carriage return and
// tab.
func quote(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// sortedSet returns ss sorted without duplicates, as Nix's std::set
// iterates.
func sortedSet(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i > 0 && s == out[n-1] {
			continue
		}
		out[n] = s
		n++
	}
	return out[:n]
}
