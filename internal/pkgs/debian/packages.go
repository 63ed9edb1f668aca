package debian

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Package is one stanza of a Packages index. Relation fields are kept as
// written; Relations parses them.
type Package struct {
	Name, Version, Architecture, MultiArch string
	Source                                 string // source package name, "" when it equals Name
	SourceVersion                          string // "" when it equals Version
	Section, Priority, Essential           string
	Depends, PreDepends, Provides          string
	Filename, SHA256                       string
	Size                                   int64
	Description, Homepage, License         string
	Line                                   int // 1-based line of the stanza in its index
}

// SourceName returns the source package the binary package was built from.
func (p *Package) SourceName() string {
	if p.Source != "" {
		return p.Source
	}
	return p.Name
}

// Relations parses the package's Pre-Depends followed by its Depends.
func (p *Package) Relations() ([]Alternatives, error) {
	pre, err := ParseRelations(p.PreDepends)
	if err != nil {
		return nil, fmt.Errorf("%s %s: Pre-Depends: %w", p.Name, p.Version, err)
	}
	dep, err := ParseRelations(p.Depends)
	if err != nil {
		return nil, fmt.Errorf("%s %s: Depends: %w", p.Name, p.Version, err)
	}
	return append(pre, dep...), nil
}

// Index is a parsed Packages file: packages in file order, and lookups by
// name and by provided (virtual) name.
type Index struct {
	Packages []*Package
	byName   map[string][]*Package // highest version first
	// provides is built on first use (most evaluations resolve a few
	// names, and parsing every Provides field costs more than that).
	providesOnce sync.Once
	provides     map[string][]provider // sorted by provider name
}

type provider struct {
	pkg     *Package
	version string // version of the provided name, "" if unversioned
}

// ParsePackages parses the text of a Packages index. file names the input
// in errors. The text is kept: field values are substrings of it.
func ParsePackages(file, text string) (*Index, error) {
	idx := &Index{Packages: make([]*Package, 0, strings.Count(text, "\nPackage: ")+1)}
	var (
		p       *Package
		last    *string // field receiving continuation lines, if kept
		lastDsc bool
		line    int
	)
	finish := func() error {
		if p == nil {
			return nil
		}
		if p.Name == "" || p.Version == "" {
			return fmt.Errorf("%s:%d: stanza lacks Package or Version", file, p.Line)
		}
		idx.Packages = append(idx.Packages, p)
		p = nil
		return nil
	}
	for len(text) > 0 {
		line++
		var l string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, ""
		}
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		if len(l) == 0 {
			if err := finish(); err != nil {
				return nil, err
			}
			last = nil
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if p == nil {
				return nil, fmt.Errorf("%s:%d: continuation line outside a stanza", file, line)
			}
			if last != nil && !lastDsc {
				// relation fields may be folded over lines
				*last += " " + strings.TrimSpace(l)
			}
			continue
		}
		if l[0] == '#' {
			continue
		}
		i := strings.IndexByte(l, ':')
		if i <= 0 {
			return nil, fmt.Errorf("%s:%d: expected \"Field: value\", got %q", file, line, clip(l))
		}
		name, val := l[:i], strings.TrimSpace(l[i+1:])
		if p == nil {
			p = &Package{Line: line}
		}
		last, lastDsc = nil, false
		switch name {
		case "Package":
			p.Name = val
		case "Version":
			p.Version = val
		case "Architecture":
			p.Architecture = val
		case "Multi-Arch":
			p.MultiArch = val
		case "Source":
			if j := strings.IndexByte(val, '('); j >= 0 {
				p.Source = strings.TrimSpace(val[:j])
				p.SourceVersion = strings.TrimSpace(strings.TrimSuffix(val[j+1:], ")"))
			} else {
				p.Source = val
			}
		case "Section":
			p.Section = val
		case "Priority":
			p.Priority = val
		case "Essential":
			p.Essential = val
		case "Depends":
			p.Depends, last = val, &p.Depends
		case "Pre-Depends":
			p.PreDepends, last = val, &p.PreDepends
		case "Provides":
			p.Provides, last = val, &p.Provides
		case "Filename":
			p.Filename = val
		case "SHA256":
			p.SHA256 = val
		case "Size":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%s:%d: bad Size %q", file, line, clip(val))
			}
			p.Size = n
		case "Description":
			p.Description, lastDsc = val, true
		case "Homepage":
			p.Homepage = val
		case "License":
			p.License = val
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	idx.build()
	return idx, nil
}

func (idx *Index) build() {
	idx.byName = make(map[string][]*Package, len(idx.Packages))
	for _, p := range idx.Packages {
		idx.byName[p.Name] = append(idx.byName[p.Name], p)
	}
	for _, ps := range idx.byName {
		if len(ps) > 1 {
			sort.SliceStable(ps, func(i, j int) bool { return CompareVersions(ps[i].Version, ps[j].Version) > 0 })
		}
	}
}

// providers returns who provides name, building the table on first use.
func (idx *Index) providers(name string) []provider {
	idx.providesOnce.Do(idx.buildProvides)
	return idx.provides[name]
}

func (idx *Index) buildProvides() {
	idx.provides = map[string][]provider{}
	for _, p := range idx.Packages {
		if p.Provides == "" {
			continue
		}
		rels, err := ParseRelations(p.Provides)
		if err != nil {
			continue // a malformed Provides provides nothing
		}
		for _, alts := range rels {
			for _, r := range alts {
				v := ""
				if r.Op == "=" {
					v = r.Version
				}
				idx.provides[r.Name] = append(idx.provides[r.Name], provider{pkg: p, version: v})
			}
		}
	}
	for _, pv := range idx.provides {
		sort.SliceStable(pv, func(i, j int) bool {
			if pv[i].pkg.Name != pv[j].pkg.Name {
				return pv[i].pkg.Name < pv[j].pkg.Name
			}
			return CompareVersions(pv[i].pkg.Version, pv[j].pkg.Version) > 0
		})
	}
}

// Lookup returns the packages named name, highest version first.
func (idx *Index) Lookup(name string) []*Package { return idx.byName[name] }

// Providers returns the packages that provide name (not counting packages
// named name), ordered by name.
func (idx *Index) Providers(name string) []*Package {
	var out []*Package
	for _, pv := range idx.providers(name) {
		out = append(out, pv.pkg)
	}
	return out
}

// Search returns the packages (highest version of each name) whose name
// or description contains word, case-insensitively, ordered by name.
func (idx *Index) Search(word string) []*Package {
	w := strings.ToLower(word)
	var out []*Package
	for name, ps := range idx.byName {
		if strings.Contains(name, w) || strings.Contains(strings.ToLower(ps[0].Description), w) {
			out = append(out, ps[0])
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the package names of the index, sorted.
func (idx *Index) Names() []string {
	// Indexes list packages by name, so file order is usually sorted
	// already.
	out := make([]string, 0, len(idx.byName))
	for _, p := range idx.Packages {
		if len(out) == 0 || out[len(out)-1] != p.Name {
			out = append(out, p.Name)
		}
	}
	if len(out) != len(idx.byName) || !sort.StringsAreSorted(out) {
		sort.Strings(out)
		out = slices.Compact(out)
	}
	return out
}
