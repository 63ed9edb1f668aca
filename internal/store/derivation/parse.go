package derivation

import (
	"fmt"
	"strings"
)

// maxATerm bounds a .drv file; Nix's own are far smaller.
const maxATerm = 64 << 20

// Parse parses a .drv file. It accepts what Nix's parseDerivation
// accepts: the escapes \n, \r, \t and \X for any other X, store paths
// that are absolute, and lists in any order (the printer sorts them).
func Parse(data []byte) (*Derivation, error) {
	if len(data) > maxATerm {
		return nil, fmt.Errorf("derivation of %d bytes is too large", len(data))
	}
	p := &parser{s: data}
	d, err := p.derivation()
	if err != nil {
		return nil, fmt.Errorf("parsing derivation at byte %d: %w", p.i, err)
	}
	return d, nil
}

type parser struct {
	s []byte
	i int
}

func (p *parser) expect(lit string) error {
	if !strings.HasPrefix(string(p.s[p.i:min(len(p.s), p.i+len(lit))]), lit) {
		return fmt.Errorf("expected %q", lit)
	}
	p.i += len(lit)
	return nil
}

// more reports whether a list continues: it consumes "," and returns
// true, or consumes end and returns false. first is true for the first
// element, which has no comma.
func (p *parser) more(end byte, first bool) (bool, error) {
	if p.i < len(p.s) && p.s[p.i] == end {
		p.i++
		return false, nil
	}
	if !first {
		if err := p.expect(","); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (p *parser) str() (string, error) {
	if err := p.expect(`"`); err != nil {
		return "", err
	}
	var b []byte
	for {
		if p.i >= len(p.s) {
			return "", fmt.Errorf("unterminated string")
		}
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return string(b), nil
		case '\\':
			if p.i >= len(p.s) {
				return "", fmt.Errorf("unterminated string")
			}
			c = p.s[p.i]
			p.i++
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			}
		}
		b = append(b, c)
	}
}

func (p *parser) path() (string, error) {
	s, err := p.str()
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(s, "/") {
		return "", fmt.Errorf("bad path '%s' in derivation", s)
	}
	return s, nil
}

func (p *parser) strings(path bool) ([]string, error) {
	if err := p.expect("["); err != nil {
		return nil, err
	}
	out := []string{}
	for first := true; ; first = false {
		ok, err := p.more(']', first)
		if err != nil || !ok {
			return out, err
		}
		var s string
		if path {
			s, err = p.path()
		} else {
			s, err = p.str()
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}

func (p *parser) derivation() (*Derivation, error) {
	d := &Derivation{Outputs: map[string]Output{}, InputDrvs: map[string][]string{}, Env: map[string]string{}}
	if err := p.expect("Derive(["); err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		ok, err := p.more(']', first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		var name string
		var o Output
		if err := p.expect("("); err != nil {
			return nil, err
		}
		if name, err = p.str(); err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		if o.Path, err = p.str(); err != nil {
			return nil, err
		}
		if o.Path != "" && !strings.HasPrefix(o.Path, "/") {
			return nil, fmt.Errorf("bad path '%s' in derivation", o.Path)
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		if o.HashAlgo, err = p.str(); err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		if o.Hash, err = p.str(); err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if _, dup := d.Outputs[name]; dup {
			return nil, fmt.Errorf("duplicate output '%s'", name)
		}
		d.Outputs[name] = o
	}
	if err := p.expect(",["); err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		ok, err := p.more(']', first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if err := p.expect("("); err != nil {
			return nil, err
		}
		drv, err := p.path()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		outs, err := p.strings(false)
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if _, dup := d.InputDrvs[drv]; dup {
			return nil, fmt.Errorf("duplicate input derivation '%s'", drv)
		}
		d.InputDrvs[drv] = sortedSet(outs)
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	srcs, err := p.strings(true)
	if err != nil {
		return nil, err
	}
	d.InputSrcs = sortedSet(srcs)
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if d.Platform, err = p.str(); err != nil {
		return nil, err
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if d.Builder, err = p.str(); err != nil {
		return nil, err
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	if d.Args, err = p.strings(false); err != nil {
		return nil, err
	}
	if err := p.expect(",["); err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		ok, err := p.more(']', first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if err := p.expect("("); err != nil {
			return nil, err
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if _, dup := d.Env[k]; dup {
			return nil, fmt.Errorf("duplicate environment variable '%s'", k)
		}
		d.Env[k] = v
	}
	if err := p.expect(")"); err != nil {
		return nil, err
	}
	if p.i != len(p.s) {
		return nil, fmt.Errorf("trailing data after derivation")
	}
	return d, nil
}
