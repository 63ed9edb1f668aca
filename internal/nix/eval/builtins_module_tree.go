// The module primitives that walk one level of the option tree: the
// declarations and definitions of each name, the result of each name,
// the definitions no option took and the config of an option tree.

package eval

import (
	"slices"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// group computes the definitions of each name at one level of the option
// tree, in the order of the configs.
func (m *moduleProps) group(ev *Evaluator, bad, configsV Value, pos token.Pos) Value {
	configs := ev.forceList(configsV, pos).Elems
	sets := make([]*Attrs, len(configs))
	n := 0
	for i, c := range configs {
		cs := ev.forceAttrs(c, pos)
		cfg, ok := ev.force(attr(ev, cs, "config", pos), pos).(*Attrs)
		if !ok {
			ev.call(ev.force(bad, pos), c, pos)
			throwf(pos, "a config that is not a set")
		}
		sets[i] = cfg
		n += len(cfg.List)
	}
	all := make([]groupEntry, 0, n)
	for i, c := range configs {
		file := attr(ev, c, "file", pos)
		for _, x := range sets[i].List {
			all = append(all, groupEntry{x.Name, file, x.Value, x.Pos})
		}
	}
	// By name, in the order of the configs within a name.
	slices.SortStableFunc(all, func(a, b groupEntry) int { return strings.Compare(a.name, b.name) })
	nnames := 0
	for i := range all {
		if i == 0 || all[i].name != all[i-1].name {
			nnames++
		}
	}
	// Per name, lazily: its definitions (a level of namespaces never
	// needs them) and its sub-configs.
	names := make([]groupName, nnames)
	defs := make([]Attr, 0, nnames)
	subs := make([]Attr, 0, nnames)
	for lo := 0; lo < len(all); {
		hi := lo + 1
		for hi < len(all) && all[hi].name == all[lo].name {
			hi++
		}
		g := &names[len(defs)]
		g.defsN = defsNode{es: all[lo:hi:hi]}
		g.defs.x = node(&g.defsN)
		g.subsN = subConfigsNode{m: m, es: all[lo:hi:hi], pos: pos}
		g.subs.x = node(&g.subsN)
		defs = append(defs, Attr{Name: all[lo].name, Value: &g.defs})
		subs = append(subs, Attr{Name: all[lo].name, Value: &g.subs})
		lo = hi
	}
	return &Attrs{List: []Attr{{Name: "defs", Value: &Attrs{List: defs}}, {Name: "subs", Value: &Attrs{List: subs}}}}
}

// groupEntry is one attribute of one config of a level.
type groupEntry struct {
	name        string
	file, value Value
	pos         token.Pos
}

// groupName is the definitions and sub-configs of one name of a level.
type groupName struct {
	defs, subs Thunk
	defsN      defsNode
	subsN      subConfigsNode
}

// defsNode is the definitions [{ file; pos; value; }] of one name.
type defsNode struct{ es []groupEntry }

func (n *defsNode) eval(ev *Evaluator, _ *env) Value {
	recs := make([]rec3, len(n.es))
	poss := make([]posThunk, len(n.es))
	elems := make([]Value, len(n.es))
	for j := range n.es {
		e := &n.es[j]
		var p Value
		if e.pos.IsValid() {
			p = poss[j].of(e.pos)
		}
		elems[j] = recs[j].set("file", e.file, "pos", p, "value", e.value)
	}
	return &List{Elems: elems}
}

// subConfigsNode delays splitting the definitions of one name with
// pushDownProperties until a nested level of the option tree needs them.
type subConfigsNode struct {
	m   *moduleProps
	es  []groupEntry
	pos token.Pos
}

func (n *subConfigsNode) eval(ev *Evaluator, _ *env) Value {
	var subs, files []Value
	for i := range n.es {
		k := len(subs)
		subs = n.m.pushDown(ev, n.es[i].value, n.pos, subs)
		for range subs[k:] {
			files = append(files, n.es[i].file)
		}
	}
	recs := make([]rec2, len(subs))
	out := make([]Value, len(subs))
	for i, sub := range subs {
		out[i] = recs[i].set("config", sub, "file", files[i])
	}
	return &List{Elems: out}
}

// groupDeclarations groups the option declarations of one level by name.
func groupDeclarations(ev *Evaluator, bad, declsV Value, pos token.Pos) Value {
	type entry struct {
		name          string
		file, options Value
		pos           token.Pos
	}
	decls := ev.forceList(declsV, pos).Elems
	var all []entry
	for _, d := range decls {
		ds := ev.forceAttrs(d, pos)
		opts, ok := ev.force(attr(ev, ds, "options", pos), pos).(*Attrs)
		if !ok {
			ev.call(ev.force(bad, pos), d, pos)
			throwf(pos, "an option declaration that is not a set")
		}
		file := attr(ev, ds, "_file", pos)
		for _, x := range opts.List {
			all = append(all, entry{x.Name, file, x.Value, x.Pos})
		}
	}
	slices.SortStableFunc(all, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	recs := make([]rec3, len(all))
	poss := make([]posThunk, len(all))
	elems := make([]Value, len(all))
	var out []Attr
	var lists []List
	for lo := 0; lo < len(all); {
		hi := lo + 1
		for hi < len(all) && all[hi].name == all[lo].name {
			hi++
		}
		for j := lo; j < hi; j++ {
			e := &all[j]
			var p Value
			if e.pos.IsValid() {
				p = poss[j].of(e.pos)
			}
			elems[j] = recs[j].set("_file", e.file, "options", e.options, "pos", p)
		}
		if lists == nil {
			lists = make([]List, 0, len(all))
		}
		lists = append(lists, List{Elems: elems[lo:hi:hi]})
		out = append(out, Attr{Name: all[lo].name, Value: &lists[len(lists)-1]})
		lo = hi
	}
	return &Attrs{List: out}
}

// unmatched is __cairnUnmatched: the definitions of one level that no
// option took, each with the path below the level in `prefix`.
func unmatched(ev *Evaluator, resultsV, defsV Value, pos token.Pos) Value {
	results := ev.forceAttrs(resultsV, pos)
	defs := ev.forceAttrs(defsV, pos)
	var out []Value
	add := func(name string, list Value) {
		for _, d := range ev.forceList(list, pos).Elems {
			out = append(out, &Thunk{x: node(&prefixDefNode{def: d, name: name, pos: pos})})
		}
	}
	i, j := 0, 0
	for i < len(results.List) || j < len(defs.List) {
		switch {
		case j == len(defs.List) || i < len(results.List) && results.List[i].Name <= defs.List[j].Name:
			r := results.List[i]
			if j < len(defs.List) && defs.List[j].Name == r.Name {
				j++
			}
			add(r.Name, attr(ev, r.Value, "unmatchedDefns", pos))
			i++
		default:
			add(defs.List[j].Name, defs.List[j].Value)
			j++
		}
	}
	return &List{Elems: out}
}

// prefixDefNode is def // { prefix = [ name ] ++ (def.prefix or [ ]); }.
type prefixDefNode struct {
	def  Value
	name string
	pos  token.Pos
}

func (n *prefixDefNode) eval(ev *Evaluator, _ *env) Value {
	def := ev.forceAttrs(n.def, n.pos)
	prefix := &Thunk{x: node(&prefixNode{def: def, name: n.name, pos: n.pos})}
	return update(def, &Attrs{List: []Attr{{Name: "prefix", Value: prefix}}})
}

// prefixNode is [ name ] ++ (def.prefix or [ ]).
type prefixNode struct {
	def  *Attrs
	name string
	pos  token.Pos
}

func (n *prefixNode) eval(ev *Evaluator, _ *env) Value {
	head := mkString(n.name)
	p, ok := n.def.Get("prefix")
	if !ok {
		return &List{Elems: []Value{head}}
	}
	rest := ev.forceListOp(ev.force(p.Value, n.pos), n.pos, "++")
	l := make([]Value, 0, 1+len(rest.Elems))
	l = append(l, head)
	return &List{Elems: append(l, rest.Elems...)}
}

// optionValues maps an option tree to its values: options (sets whose
// _type is "option") to their `value`, other sets recursively, lazily
// per attribute.
func optionValues(ev *Evaluator, set *Attrs, pos token.Pos) *Attrs {
	out := newAttrsOfSize(len(set.List))
	block := make(thunkBlock, len(set.List))
	for i, x := range set.List {
		out.List[i] = Attr{Name: x.Name, Pos: x.Pos, Value: block.take(&optionValueNode{v: x.Value, pos: pos}, nil)}
	}
	return out
}

// optionValueNode is one attribute of optionValues.
type optionValueNode struct {
	v   Value
	pos token.Pos
}

func (n *optionValueNode) eval(ev *Evaluator, _ *env) Value {
	v := ev.force(n.v, n.pos)
	s, ok := v.(*Attrs)
	if ok && kindOf(ev, s, n.pos) != "option" {
		return optionValues(ev, s, n.pos)
	}
	if !ok {
		throwf(n.pos, "value is %s while a set was expected", typeName(v))
	}
	a, found := s.Get("value")
	if !found {
		throwf(n.pos, "attribute 'value' missing%s", didYouMean("value", s.Names()))
	}
	return ev.force(a.Value, n.pos)
}

// resultNode is one name of __cairnResults.
type resultNode struct {
	single, other, nested, prefix, defs, subs, ds Value
	name                                          string
	pos                                           token.Pos
}

func (n *resultNode) eval(ev *Evaluator, _ *env) Value {
	pos := n.pos
	ds := ev.forceList(n.ds, pos).Elems
	name := mkString(n.name)
	if len(ds) == 1 {
		d := ev.forceAttrs(ds[0], pos)
		if o, ok := ev.force(attr(ev, d, "options", pos), pos).(*Attrs); ok && kindOf(ev, o, pos) == "option" {
			// All in one allocation.
			x := &struct {
				set            rec2
				loc, defs, opt Thunk
				locN           locNode
				defsN          selectOrNode
				optN           app3Node
			}{}
			x.locN = locNode{loc: n.prefix, name: name, pos: pos}
			x.loc.x = node(&x.locN)
			x.defsN = selectOrNode{from: n.defs, name: n.name, pos: pos}
			x.defs.x = node(&x.defsN)
			x.optN = app3Node{f: n.single, x: &x.loc, y: d, z: &x.defs, pos: pos}
			x.opt.x = node(&x.optN)
			return x.set.set("matchedOptions", &x.opt, "unmatchedDefns", &List{})
		}
	}
	plain := len(ds) > 0
	for _, dv := range ds {
		o, ok := ev.force(attr(ev, dv, "options", pos), pos).(*Attrs)
		if !ok || hasAttr(o, "_type") {
			plain = false
			break
		}
	}
	if plain {
		loc := &Thunk{x: node(&locNode{loc: n.prefix, name: name, pos: pos})}
		subs := &Thunk{x: node(&selectOrNode{from: n.subs, name: n.name, pos: pos})}
		return ev.callN(ev.force(n.nested, pos), []Value{loc, n.ds, subs}, pos)
	}
	return ev.callN(ev.force(n.other, pos), []Value{name, n.ds}, pos)
}
