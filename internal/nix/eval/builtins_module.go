package eval

import (
	"cmp"
	"slices"

	"cairn.dev/cairn/internal/nix/token"
)

// moduleBuiltins are cairn's internal primitives for its module system
// (internal/module/lib). Each does what one hot function of the lib does,
// with the same laziness (only property wrappers, conditions and
// priorities are forced, never the values defined), so that the lib can
// use it when present (`builtins ? __cairnDefinitions`) and keep its Nix
// code as the reference and as the fallback under real Nix. The names
// start with `__cairn`: `builtins` otherwise stays as Nix 2.8 has it.
func moduleBuiltins() []*Primop {
	m := &moduleProps{
		kIf:       mkString("if"),
		kOverride: mkString("override"),
	}
	return []*Primop{
		// __cairnPushDownProperties cfg: the lib's pushDownProperties.
		prim("__cairnPushDownProperties", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return &List{Elems: m.pushDown(ev, a[0], pos, nil)}
		}),
		// __cairnDefinitions defs: mergeDefinitions' defsFinal', that is
		// { highestPrio; values; } for the definitions [{ file; value;
		// pos?; }] of one option.
		prim("__cairnDefinitions", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return m.definitions(ev, a[0], pos)
		}),
		// __cairnGroupConfigs configs: for the configs [{ file; config; }]
		// met at one level of the option tree, { defs; subs; } where defs
		// is the lib's defsByName (name -> [{ file; value; pos; }]) and
		// subs its subConfigsByName (name -> [{ file; config; }], each
		// value split by pushDownProperties, lazily per name).
		prim("__cairnGroupConfigs", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return m.group(ev, a[0], pos)
		}),
		// __cairnGroupDeclarations decls: for the declarations [{ _file;
		// options; }] met at one level of the option tree (options already
		// checked to be sets), the lib's declsByName: name -> [{ _file;
		// options; pos; }], in the order of decls.
		prim("__cairnGroupDeclarations", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return groupDeclarations(ev, a[0], pos)
		}),
	}
}

// moduleProps holds the strings the module primitives build sets with.
type moduleProps struct {
	kIf, kOverride *String
}

const (
	defaultOverridePriority = 100
	defaultOrderPriority    = 1000
)

// kindOf is the lib's kindOf for a forced value: its `_type` when it is a
// set with a string `_type`, else "".
func kindOf(ev *Evaluator, v Value, pos token.Pos) string {
	s, ok := v.(*Attrs)
	if !ok {
		return ""
	}
	t, ok := s.Get("_type")
	if !ok {
		return ""
	}
	if str, ok := ev.force(t.Value, pos).(*String); ok {
		return str.S
	}
	return ""
}

// attr returns the attribute name of the set v, or throws as selecting it
// would.
func attr(ev *Evaluator, v Value, name string, pos token.Pos) Value {
	s := ev.forceAttrs(v, pos)
	a, ok := s.Get(name)
	if !ok {
		throwf(pos, "attribute '%s' missing", name)
	}
	return a.Value
}

// pushDown splits a config value into property-free sets: mkMerge is
// flattened and mkIf/mkOverride move onto each attribute.
func (m *moduleProps) pushDown(ev *Evaluator, v Value, pos token.Pos, out []Value) []Value {
	cfg := ev.force(v, pos)
	switch kindOf(ev, cfg, pos) {
	case "merge":
		for _, c := range ev.forceList(attr(ev, cfg, "contents", pos), pos).Elems {
			out = m.pushDown(ev, c, pos, out)
		}
		return out
	case "if":
		return m.wrapEach(ev, m.pushDown(ev, attr(ev, cfg, "content", pos), pos, nil), pos, out,
			"condition", attr(ev, cfg, "condition", pos), m.kIf)
	case "override":
		return m.wrapEach(ev, m.pushDown(ev, attr(ev, cfg, "content", pos), pos, nil), pos, out,
			"priority", attr(ev, cfg, "priority", pos), m.kOverride)
	}
	return append(out, cfg)
}

// wrapEach wraps every attribute of every set of inner in the property
// { _type = kind; key = val; content = ...; }, keeping positions.
func (m *moduleProps) wrapEach(ev *Evaluator, inner []Value, pos token.Pos, out []Value, key string, val Value, kind *String) []Value {
	for _, s := range inner {
		set, ok := ev.force(s, pos).(*Attrs)
		if !ok {
			out = append(out, s)
			continue
		}
		l := make([]Attr, len(set.List))
		for i, x := range set.List {
			l[i] = Attr{Name: x.Name, Pos: x.Pos, Value: property(kind, key, val, x.Value)}
		}
		out = append(out, &Attrs{List: l})
	}
	return out
}

// property is { _type = kind; key = val; content = content; }, sorted.
func property(kind *String, key string, val, content Value) *Attrs {
	l := make([]Attr, 3)
	l[0] = Attr{Name: "_type", Value: kind}
	if key < "content" {
		l[1], l[2] = Attr{Name: key, Value: val}, Attr{Name: "content", Value: content}
	} else {
		l[1], l[2] = Attr{Name: "content", Value: content}, Attr{Name: key, Value: val}
	}
	return &Attrs{List: l}
}

// definitions resolves the definitions of one option as the lib's
// mergeDefinitions does before merging: mkMerge and mkIf discharged,
// only the strongest mkOverride priority kept, mkOrder sorted (stable).
func (m *moduleProps) definitions(ev *Evaluator, defsV Value, pos token.Pos) Value {
	defs := ev.forceList(defsV, pos).Elems
	// One definition without properties: nothing to discharge, filter or
	// sort.
	if len(defs) == 1 {
		v := ev.force(attr(ev, defs[0], "value", pos), pos)
		if s, ok := v.(*Attrs); !ok || !hasAttr(s, "_type") {
			return resolved(int64(defaultOverridePriority), defsV)
		}
	}
	type cand struct {
		def  Value // the definition record
		prio int64
	}
	var cands []cand
	for _, d := range defs {
		def := ev.forceAttrs(d, pos)
		file := attr(ev, def, "file", pos)
		var dpos Value
		if p, ok := def.Get("pos"); ok {
			dpos = p.Value
		}
		for _, v := range m.discharge(ev, attr(ev, def, "value", pos), pos, nil, file) {
			var rec *Attrs
			if kindOf(ev, v, pos) == "definition" {
				rec = ev.forceAttrs(v, pos)
			} else {
				rec = &Attrs{List: []Attr{{Name: "file", Value: file}, {Name: "pos", Value: dpos}, {Name: "value", Value: v}}}
			}
			prio := int64(defaultOverridePriority)
			val := ev.force(attr(ev, rec, "value", pos), pos)
			if kindOf(ev, val, pos) == "override" {
				prio = ev.forceInt(attr(ev, val, "priority", pos), pos)
				rec = update(rec, &Attrs{List: []Attr{{Name: "value", Value: attr(ev, val, "content", pos)}}})
			}
			cands = append(cands, cand{rec, prio})
		}
	}
	highest := int64(9999)
	if len(cands) == 1 {
		highest = cands[0].prio
	}
	for _, c := range cands {
		highest = min(highest, c.prio)
	}
	var values []Value
	ordered := false
	for _, c := range cands {
		if c.prio != highest {
			continue
		}
		values = append(values, c.def)
		if kindOf(ev, ev.force(attr(ev, c.def, "value", pos), pos), pos) == "order" {
			ordered = true
		}
	}
	if ordered {
		values = sortByOrder(ev, values, pos)
	}
	return resolved(highest, &List{Elems: values})
}

// discharge is the lib's dischargeProperties: the values a definition
// contributes once mkMerge and mkIf are resolved.
func (m *moduleProps) discharge(ev *Evaluator, v Value, pos token.Pos, out []Value, file Value) []Value {
	v = ev.force(v, pos)
	switch kindOf(ev, v, pos) {
	case "merge":
		for _, c := range ev.forceList(attr(ev, v, "contents", pos), pos).Elems {
			out = m.discharge(ev, c, pos, out, file)
		}
		return out
	case "if":
		cond, ok := ev.force(attr(ev, v, "condition", pos), pos).(bool)
		if !ok {
			panic(&Error{Msg: "‘mkIf’ called with a non-Boolean condition", Pos: pos, kind: errThrow})
		}
		if !cond {
			return out
		}
		return m.discharge(ev, attr(ev, v, "content", pos), pos, out, file)
	}
	return append(out, v)
}

// sortByOrder unwraps mkOrder values (the record gets the order's
// priority) and sorts stably by priority, 1000 for the others.
func sortByOrder(ev *Evaluator, defs []Value, pos token.Pos) []Value {
	type keyed struct {
		def Value
		key int64
	}
	ks := make([]keyed, len(defs))
	for i, d := range defs {
		rec := ev.forceAttrs(d, pos)
		val := ev.force(attr(ev, rec, "value", pos), pos)
		if kindOf(ev, val, pos) == "order" {
			p := attr(ev, val, "priority", pos)
			rec = update(rec, &Attrs{List: []Attr{{Name: "priority", Value: p}, {Name: "value", Value: attr(ev, val, "content", pos)}}})
		}
		key := int64(defaultOrderPriority)
		if p, ok := rec.Get("priority"); ok {
			key = ev.forceInt(p.Value, pos)
		}
		ks[i] = keyed{rec, key}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	out := make([]Value, len(ks))
	for i, k := range ks {
		out[i] = k.def
	}
	return out
}

func hasAttr(s *Attrs, name string) bool {
	_, ok := s.Get(name)
	return ok
}

// resolved is { highestPrio; values; }.
func resolved(prio int64, values Value) *Attrs {
	return &Attrs{List: []Attr{{Name: "highestPrio", Value: prio}, {Name: "values", Value: values}}}
}

// group computes the definitions of each name at one level of the option
// tree, in the order of the configs.
func (m *moduleProps) group(ev *Evaluator, configsV Value, pos token.Pos) Value {
	type entry struct {
		file, value Value
		pos         token.Pos
	}
	byName := map[string][]entry{}
	var names []string
	for _, c := range ev.forceList(configsV, pos).Elems {
		cs := ev.forceAttrs(c, pos)
		file := attr(ev, cs, "file", pos)
		for _, x := range ev.forceAttrs(attr(ev, cs, "config", pos), pos).List {
			if _, ok := byName[x.Name]; !ok {
				names = append(names, x.Name)
			}
			byName[x.Name] = append(byName[x.Name], entry{file, x.Value, x.Pos})
		}
	}
	slices.Sort(names)
	defs := make([]Attr, len(names))
	subs := make([]Attr, len(names))
	for i, name := range names {
		es := byName[name]
		recs := make([]Value, len(es))
		sub := &subConfigsNode{m: m, pos: pos}
		for j, e := range es {
			var p Value
			if e.pos.IsValid() {
				p = &Thunk{x: node(posNode{e.pos})}
			}
			recs[j] = &Attrs{List: []Attr{{Name: "file", Value: e.file}, {Name: "pos", Value: p}, {Name: "value", Value: e.value}}}
			sub.files = append(sub.files, e.file)
			sub.values = append(sub.values, e.value)
		}
		defs[i] = Attr{Name: name, Value: &List{Elems: recs}}
		subs[i] = Attr{Name: name, Value: &Thunk{x: node(sub)}}
	}
	return &Attrs{List: []Attr{{Name: "defs", Value: &Attrs{List: defs}}, {Name: "subs", Value: &Attrs{List: subs}}}}
}

// posNode delays building the { file; line; column; } set of a position.
type posNode struct{ pos token.Pos }

func (n posNode) eval(ev *Evaluator, _ *env) Value { return ev.posAttrs(n.pos) }

// subConfigsNode delays splitting the definitions of one name with
// pushDownProperties until a nested level of the option tree needs them.
type subConfigsNode struct {
	m             *moduleProps
	files, values []Value
	pos           token.Pos
}

func (n *subConfigsNode) eval(ev *Evaluator, _ *env) Value {
	var out []Value
	for i, v := range n.values {
		for _, sub := range n.m.pushDown(ev, v, n.pos, nil) {
			out = append(out, &Attrs{List: []Attr{{Name: "config", Value: sub}, {Name: "file", Value: n.files[i]}}})
		}
	}
	return &List{Elems: out}
}

// groupDeclarations groups the option declarations of one level by name.
func groupDeclarations(ev *Evaluator, declsV Value, pos token.Pos) Value {
	byName := map[string][]Value{}
	var names []string
	for _, d := range ev.forceList(declsV, pos).Elems {
		ds := ev.forceAttrs(d, pos)
		file := attr(ev, ds, "_file", pos)
		for _, x := range ev.forceAttrs(attr(ev, ds, "options", pos), pos).List {
			if _, ok := byName[x.Name]; !ok {
				names = append(names, x.Name)
			}
			var p Value
			if x.Pos.IsValid() {
				p = &Thunk{x: node(posNode{x.Pos})}
			}
			byName[x.Name] = append(byName[x.Name], &Attrs{List: []Attr{{Name: "_file", Value: file}, {Name: "options", Value: x.Value}, {Name: "pos", Value: p}}})
		}
	}
	slices.Sort(names)
	out := make([]Attr, len(names))
	for i, name := range names {
		out[i] = Attr{Name: name, Value: &List{Elems: byName[name]}}
	}
	return &Attrs{List: out}
}
