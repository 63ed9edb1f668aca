package debian

import (
	"fmt"
	"strings"
)

// Relation is one alternative of a relation field: "name[:arch] (op version)".
type Relation struct {
	Name    string
	Arch    string // qualifier after ':' ("any", "native", an architecture), or ""
	Op      string // "", "<<", "<=", "=", ">=", ">>"
	Version string
}

// String prints the relation as Debian writes it.
func (r Relation) String() string {
	s := r.Name
	if r.Arch != "" {
		s += ":" + r.Arch
	}
	if r.Op != "" {
		s += " (" + r.Op + " " + r.Version + ")"
	}
	return s
}

// SatisfiedBy reports whether version v satisfies the relation's version
// constraint.
func (r Relation) SatisfiedBy(v string) bool {
	if r.Op == "" {
		return true
	}
	if v == "" {
		return false
	}
	c := CompareVersions(v, r.Version)
	switch r.Op {
	case "<<":
		return c < 0
	case "<=":
		return c <= 0
	case "=":
		return c == 0
	case ">=":
		return c >= 0
	case ">>":
		return c > 0
	}
	return false
}

// Alternatives is one comma-separated entry of a relation field: "a | b".
type Alternatives []Relation

// String prints the alternatives as Debian writes them.
func (a Alternatives) String() string {
	s := make([]string, len(a))
	for i, r := range a {
		s[i] = r.String()
	}
	return strings.Join(s, " | ")
}

// ParseRelations parses a relation field (Depends, Pre-Depends, Provides,
// ...). Architecture restrictions "[...]" and build profiles "<...>" are
// accepted and dropped: binary indexes are already specific to one
// architecture.
func ParseRelations(s string) ([]Alternatives, error) {
	var out []Alternatives
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		var alts Alternatives
		for _, alt := range strings.Split(entry, "|") {
			r, err := parseRelation(alt)
			if err != nil {
				return nil, fmt.Errorf("relation %q: %w", clip(entry), err)
			}
			alts = append(alts, r)
		}
		out = append(out, alts)
	}
	return out, nil
}

var relOps = []string{"<<", "<=", ">=", ">>", "=", "<", ">"}

func parseRelation(s string) (Relation, error) {
	s = strings.TrimSpace(s)
	var r Relation
	// name
	i := 0
	for i < len(s) && !strings.ContainsRune(" \t\n(:[<", rune(s[i])) {
		i++
	}
	r.Name, s = s[:i], strings.TrimSpace(s[i:])
	if r.Name == "" {
		return r, fmt.Errorf("missing package name")
	}
	for _, c := range []byte(r.Name) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '+' || c == '-' || c == '.') {
			return r, fmt.Errorf("invalid package name %q", r.Name)
		}
	}
	if strings.HasPrefix(s, ":") {
		j := 1
		for j < len(s) && !strings.ContainsRune(" \t\n([<", rune(s[j])) {
			j++
		}
		r.Arch, s = s[1:j], strings.TrimSpace(s[j:])
		if r.Arch == "" {
			return r, fmt.Errorf("empty architecture qualifier")
		}
	}
	if strings.HasPrefix(s, "(") {
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return r, fmt.Errorf("unclosed '('")
		}
		c := strings.TrimSpace(s[1:end])
		s = strings.TrimSpace(s[end+1:])
		for _, op := range relOps {
			if strings.HasPrefix(c, op) {
				r.Op = op
				c = strings.TrimSpace(c[len(op):])
				break
			}
		}
		switch r.Op {
		case "":
			return r, fmt.Errorf("missing version operator")
		case "<":
			r.Op = "<=" // obsolete spelling
		case ">":
			r.Op = ">="
		}
		if _, err := ParseVersion(c); err != nil {
			return r, err
		}
		r.Version = c
	}
	for strings.HasPrefix(s, "[") || strings.HasPrefix(s, "<") {
		closer := byte(']')
		if s[0] == '<' {
			closer = '>'
		}
		end := strings.IndexByte(s, closer)
		if end < 0 {
			return r, fmt.Errorf("unclosed %q", s[0])
		}
		s = strings.TrimSpace(s[end+1:])
	}
	if s != "" {
		return r, fmt.Errorf("unexpected %q", clip(s))
	}
	return r, nil
}
