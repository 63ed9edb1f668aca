package debian

import (
	"fmt"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/spelling"
)

// Merge returns an index holding the packages of all idxs (for example a
// suite's main index and its updates).
func Merge(idxs ...*Index) *Index {
	out := &Index{}
	for _, idx := range idxs {
		out.Packages = append(out.Packages, idx.Packages...)
	}
	out.build()
	return out
}

// Closure is the result of a resolution: the selected packages ordered by
// name, and for each the relation that pulled it in.
type Closure struct {
	Packages []*Package
	Reason   map[string]Step // by package name; roots have no entry
}

// Step records why a package is in a closure: Parent's relation Rel.
type Step struct {
	Parent string
	Rel    Alternatives
}

// UnsatisfiableError reports a dependency no package satisfies, with the
// chain of relations from a root that led to it.
type UnsatisfiableError struct {
	Chain []string // "nginx", "nginx-core (= 1.22.1-9)", ..., the failing relation last
	Why   string
}

func (e *UnsatisfiableError) Error() string {
	return fmt.Sprintf("unsatisfiable dependency %s: %s", strings.Join(e.Chain, " -> "), e.Why)
}

// Resolve computes the closure of roots under Pre-Depends and Depends.
// Alternatives take the first satisfiable relation; a package already in
// the closure is preferred; among several candidates the highest version
// of a real package wins, then providers by priority and name. The result
// is deterministic for a given index.
func (idx *Index) Resolve(roots ...string) (*Closure, error) {
	sel := map[string]*Package{} // by package name
	cl := &Closure{Reason: map[string]Step{}}
	var queue []*Package
	for _, name := range roots {
		ps := idx.byName[name]
		if len(ps) == 0 {
			return nil, &UnsatisfiableError{Chain: []string{name}, Why: "no such package" + idx.didYouMean(name)}
		}
		if sel[name] == nil {
			sel[name] = ps[0]
			queue = append(queue, ps[0])
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		rels, err := p.Relations()
		if err != nil {
			return nil, fmt.Errorf("index line %d: %w", p.Line, err)
		}
		for _, alts := range rels {
			q, why := idx.choose(sel, alts)
			if q == nil {
				return nil, &UnsatisfiableError{Chain: append(cl.chain(p.Name), alts.String()), Why: why}
			}
			if sel[q.Name] == nil {
				sel[q.Name] = q
				cl.Reason[q.Name] = Step{Parent: p.Name, Rel: alts}
				queue = append(queue, q)
			}
		}
	}
	for _, p := range sel {
		cl.Packages = append(cl.Packages, p)
	}
	sort.Slice(cl.Packages, func(i, j int) bool { return cl.Packages[i].Name < cl.Packages[j].Name })
	return cl, nil
}

// chain returns the path of relations from a root to name.
func (cl *Closure) chain(name string) []string {
	var rev []string
	for seen := 0; seen < 10000; seen++ {
		st, ok := cl.Reason[name]
		if !ok {
			rev = append(rev, name)
			break
		}
		rev = append(rev, st.Rel.String())
		name = st.Parent
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// choose picks the package satisfying the first satisfiable alternative.
func (idx *Index) choose(sel map[string]*Package, alts Alternatives) (*Package, string) {
	var whys []string
	for _, r := range alts {
		if p, why := idx.candidate(sel, r); p != nil {
			return p, ""
		} else {
			whys = append(whys, why)
		}
	}
	return nil, strings.Join(whys, "; ")
}

func (idx *Index) candidate(sel map[string]*Package, r Relation) (*Package, string) {
	// A package already selected under this name decides.
	if p := sel[r.Name]; p != nil {
		if r.SatisfiedBy(p.Version) {
			return p, ""
		}
		return nil, fmt.Sprintf("%s %s is already selected and does not satisfy (%s %s)", p.Name, p.Version, r.Op, r.Version)
	}
	for _, p := range idx.byName[r.Name] {
		if r.SatisfiedBy(p.Version) {
			return p, ""
		}
	}
	// Providers: versioned relations need a versioned Provides.
	var cands []*Package
	for _, pv := range idx.providers(r.Name) {
		if r.Op != "" && !r.SatisfiedBy(pv.version) {
			continue
		}
		if s := sel[pv.pkg.Name]; s != nil {
			if s == pv.pkg {
				return s, ""
			}
			continue
		}
		cands = append(cands, pv.pkg)
	}
	if len(cands) > 0 {
		sort.SliceStable(cands, func(i, j int) bool { return priorityRank(cands[i].Priority) < priorityRank(cands[j].Priority) })
		return cands[0], ""
	}
	switch ps := idx.byName[r.Name]; {
	case len(ps) > 0:
		vs := make([]string, len(ps))
		for i, p := range ps {
			vs[i] = p.Version
		}
		return nil, fmt.Sprintf("%s has version %s, not (%s %s)", r.Name, strings.Join(vs, ", "), r.Op, r.Version)
	case len(idx.providers(r.Name)) > 0:
		return nil, fmt.Sprintf("no provider of %s satisfies (%s %s)", r.Name, r.Op, r.Version)
	}
	return nil, fmt.Sprintf("no package %s in the index", r.Name)
}

func priorityRank(p string) int {
	switch p {
	case "required":
		return 0
	case "important":
		return 1
	case "standard":
		return 2
	case "optional":
		return 3
	}
	return 4
}

func (idx *Index) didYouMean(name string) string {
	best, bestD := "", 3
	for n := range idx.byName {
		if d := spelling.Distance(name, n, bestD); d < bestD || d == bestD && best != "" && n < best {
			if d < 3 {
				best, bestD = n, d
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}
