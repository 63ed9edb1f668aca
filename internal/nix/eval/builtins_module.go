package eval

import (
	"cmp"
	"slices"
	"strings"

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
		// __cairnGroupConfigs bad configs: for the configs [{ file;
		// config; }] met at one level of the option tree, { defs; subs; }
		// where defs is the lib's defsByName (name -> [{ file; value;
		// pos; }]) and subs its subConfigsByName (name -> [{ file; config;
		// }], each value split by pushDownProperties, lazily per name).
		// A config whose `config` is not a set is passed to bad, which
		// throws the lib's error.
		prim("__cairnGroupConfigs", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return m.group(ev, a[0], a[1], pos)
		}),
		// __cairnGroupDeclarations bad decls: for the declarations
		// [{ _file; options; }] met at one level of the option tree, the
		// lib's declsByName: name -> [{ _file; options; pos; }], in the
		// order of decls. A declaration whose `options` is not a set is
		// passed to bad, which throws the lib's error.
		prim("__cairnGroupDeclarations", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return groupDeclarations(ev, a[0], a[1], pos)
		}),
		// __cairnUnmatched results defs: the lib's unmatchedDefns of one
		// level of the option tree from its results (name -> {
		// unmatchedDefns; ... }) and defsByName: for each name of results
		// // removeAttrs defs (attrNames results), in order, its unmatched
		// definitions (results.NAME.unmatchedDefns, or defs.NAME), each as
		// def // { prefix = [ NAME ] ++ (def.prefix or [ ]); }.
		prim("__cairnUnmatched", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return unmatched(ev, a[0], a[1], pos)
		}),
		// __cairnSelectEach name set: mapAttrs (_: v: v.${name}) set,
		// without a call per attribute.
		prim("__cairnSelectEach", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			name := ev.forceStringNoCtx(a[0], pos)
			set := ev.forceAttrs(a[1], pos)
			out := newAttrsOfSize(len(set.List))
			block := make(thunkBlock, len(set.List))
			for i, x := range set.List {
				out.List[i] = Attr{Name: x.Name, Pos: x.Pos, Value: block.take(&inheritSelectNode{from: x.Value, name: name, pos: pos}, nil)}
			}
			return out
		}),
		// __cairnCollect { load; disabledKey; file; roots; }: the lib's
		// collectModules' `modules`: the tree of modules from roots
		// (load FILE KEY RAW loads one, as the lib's checkClass (loadModule
		// ...); keys of anonymous modules are PARENT:anon-N), without the
		// modules that some module's disabledModules names (disabledKey
		// FILE ENTRY gives its key), one per key, breadth first.
		prim("__cairnCollect", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return collect(ev, ev.forceAttrs(a[0], pos), pos)
		}),
		// __cairnModuleConfigs modules: the lib's mergeModules' configs,
		// concatMap (m: map (c: { file = m._file; config = c; })
		// (pushDownProperties m.config)) modules.
		prim("__cairnModuleConfigs", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			var out []Value
			for _, mv := range ev.forceList(a[0], pos).Elems {
				mod := ev.forceAttrs(mv, pos)
				cfgs := m.pushDown(ev, attr(ev, mod, "config", pos), pos, nil)
				if len(cfgs) == 0 {
					continue
				}
				file := &Thunk{x: node(&inheritSelectNode{from: mod, name: "_file", pos: pos})}
				for _, c := range cfgs {
					out = append(out, &Attrs{List: []Attr{{Name: "config", Value: c}, {Name: "file", Value: file}}})
				}
			}
			return &List{Elems: out}
		}),
		// __cairnReverseList xs: the lib's lists.reverseList.
		prim("__cairnReverseList", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[0], pos).Elems
			out := make([]Value, len(l))
			for i, x := range l {
				out[len(l)-1-i] = x
			}
			return &List{Elems: out}
		}),
		// __cairnMergeDefinitions helpers loc type defs: the lib's
		// mergeDefinitions loc type defs, the set { defsFinal';
		// defsFinal; isDefined; mergedValue; optionalValue;
		// checkedAndMerged; }, each lazy. helpers is { checkedByValues;
		// mergeEqualOption; typeErrorThrow; checkThrow; undefinedThrow;
		// }: the lib's
		// types.checkedByValues and options.mergeEqualOption (which this
		// does without calling them, when they succeed) and functions that throw the lib's errors, given loc, the
		// type and the error (typeErrorThrow), loc, the type and the
		// definitions that failed the check (checkThrow), or loc
		// (undefinedThrow).
		prim("__cairnMergeDefinitions", 4, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return m.mergeDefinitions(ev, a, pos)
		}),
		// __cairnMergeList mergeDefinitions elemType loc defs: the merge
		// of types.listOf elemType: each element of each definition
		// merged alone (mergeDefinitions (loc ++ [ "[definition N-entry
		// M]" ]) elemType [ ELEMENT'S DEFINITION ]), the defined ones'
		// values, in order.
		prim("__cairnMergeList", 4, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return m.mergeList(ev, a, pos)
		}),
		// __cairnMergeAttrs mergeDefinitions elemType lazy loc defs: the
		// merge of types.attrsOf elemType (lazyAttrsOf when lazy): the
		// definitions of each attribute merged (mergeDefinitions (loc ++
		// [ NAME ]) elemType DEFS), the defined ones' values (lazy: all,
		// the undefined ones elemType.emptyValue.value or the error).
		prim("__cairnMergeAttrs", 5, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return m.mergeAttrs(ev, a, pos)
		}),
		// __cairnResults single other nested prefix declsByName
		// defsByName subsByName: the lib's results of one level of the
		// option tree, name -> { matchedOptions; unmatchedDefns; },
		// lazily per name: a name whose only declaration is an option
		// (`options._type or null == "option"`) gives { matchedOptions =
		// single (prefix ++ [ name ]) decl (defsByName.${name} or [ ]);
		// unmatchedDefns = [ ]; }, a name whose declarations are all sets
		// of options (no `_type`) nested (prefix ++ [ name ]) ds
		// (subsByName.${name} or [ ]), any other name other name ds.
		prim("__cairnResults", 7, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			decls := ev.forceAttrs(a[4], pos)
			out := newAttrsOfSize(len(decls.List))
			nodes := make([]resultNode, len(decls.List))
			thunks := make([]Thunk, len(decls.List))
			for i, x := range decls.List {
				nodes[i] = resultNode{single: a[0], other: a[1], nested: a[2], prefix: a[3], defs: a[5], subs: a[6], name: x.Name, ds: x.Value, pos: pos}
				thunks[i].x = node(&nodes[i])
				out.List[i] = Attr{Name: x.Name, Pos: x.Pos, Value: &thunks[i]}
			}
			return out
		}),
		// __cairnDeclaredOption helpers loc decl defs: the lib's
		// evalDeclaredOption loc decl defs, the option of one declaration
		// decl ({ _file; options; pos; }) with the definitions defs.
		// helpers is { mergeDefinitions; unspecified;
		// setDefaultModuleLocation; deprecated; readOnlyThrow;
		// undefinedThrow; valueOf; toStringOf; }: the lib's functions and
		// the parts of evalDeclaredOption that make messages (see
		// modules.nix).
		prim("__cairnDeclaredOption", 4, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return declaredOption(ev, a, pos)
		}),
		// __cairnApplyModuleArgs fallback key f args: the lib's
		// applyModuleArgs key f args, f (args // mapAttrs lookup
		// (functionArgs f)), for a function with formals when there is no
		// trace (the lookups' error context only shows in one); anything
		// else is fallback key f args.
		prim("__cairnApplyModuleArgs", 4, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return applyModuleArgs(ev, a, pos)
		}),
		// __cairnUnifyModuleSyntax fallback file key m: the lib's
		// unifyModuleSyntax file key m for a set without `meta` and
		// `freeformType`, with `config` or `options` and nothing else
		// than a module's attributes, or with neither; anything else
		// (and every error) is fallback file key m.
		prim("__cairnUnifyModuleSyntax", 4, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return unifyModuleSyntax(ev, a, pos)
		}),
		// __cairnLoadModule helpers args file key m: the lib's loadModule
		// args file key m for a function module (a lambda) and a set
		// without `_type` (or with "module"); anything else is
		// helpers.load args file key m. helpers is { load; apply; unify;
		// }: the lib's loadModule', applyModuleArgs' and
		// unifyModuleSyntax'.
		prim("__cairnLoadModule", 5, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			helpers, args, file, key := a[0], a[1], a[2], a[3]
			helper := func(name string) Value { return ev.force(attr(ev, helpers, name, pos), pos) }
			switch m := ev.force(a[4], pos).(type) {
			case *Lambda:
				r := applyModuleArgs(ev, []Value{helper("apply"), key, m, args}, pos)
				return unifyModuleSyntax(ev, []Value{helper("unify"), file, key, r}, pos)
			case *Attrs:
				if hasAttr(m, "__functor") {
					break
				}
				if _, ok := m.Get("_type"); !ok || kindOf(ev, m, pos) == "module" {
					return unifyModuleSyntax(ev, []Value{helper("unify"), file, key, m}, pos)
				}
			}
			return ev.callN(helper("load"), a[1:], pos)
		}),
		// __cairnOptionValues options: the lib's
		// mapAttrsRecursiveCond (v: !isOption v) (_: v: v.value) options,
		// the config of an option tree.
		prim("__cairnOptionValues", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return optionValues(ev, ev.forceAttrs(a[0], pos), pos)
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
		props := make([]rec3, len(set.List))
		for i, x := range set.List {
			l[i] = Attr{Name: x.Name, Pos: x.Pos, Value: props[i].property(kind, key, val, x.Value)}
		}
		out = append(out, &Attrs{List: l})
	}
	return out
}

// property is { _type = kind; key = val; content = content; }, sorted.
func (r *rec3) property(kind *String, key string, val, content Value) *Attrs {
	if key < "content" {
		return r.set("_type", kind, key, val, "content", content)
	}
	return r.set("_type", kind, "content", content, key, val)
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
	cands := make([]cand, 0, len(defs))
	for _, d := range defs {
		def := ev.forceAttrs(d, pos)
		file := attr(ev, def, "file", pos)
		var dpos Value
		if p, ok := def.Get("pos"); ok {
			dpos = p.Value
		}
		for _, v := range m.discharge(ev, attr(ev, def, "value", pos), pos, nil, file) {
			var rec *Attrs
			own := kindOf(ev, v, pos) != "definition"
			switch {
			case !own:
				rec = ev.forceAttrs(v, pos)
			case kindOf(ev, v, pos) != "override" && isRecord(ev, def, v):
				// { file; pos; value; } with the same value: the
				// definition itself.
				rec, own = def, false
			default:
				rec = new(rec3).set("file", file, "pos", dpos, "value", v)
			}
			prio := int64(defaultOverridePriority)
			val := ev.force(attr(ev, rec, "value", pos), pos)
			if kindOf(ev, val, pos) == "override" {
				prio = ev.forceInt(attr(ev, val, "priority", pos), pos)
				content := attr(ev, val, "content", pos)
				if own {
					// rec // { value = content; }, rec being this
					// function's own record.
					rec.List[2].Value = content
				} else {
					rec = update(rec, &Attrs{List: []Attr{{Name: "value", Value: content}}})
				}
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

// isRecord tells whether def is { file; pos; value = v; } (its value
// already forced to v).
func isRecord(ev *Evaluator, def *Attrs, v Value) bool {
	l := def.List
	return len(l) == 3 && l[0].Name == "file" && l[1].Name == "pos" && l[2].Name == "value" && ev.force(l[2].Value, token.NoPos) == v
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
	out := newAttrsOfSize(2)
	out.List[0] = Attr{Name: "highestPrio", Value: prio}
	out.List[1] = Attr{Name: "values", Value: values}
	return out
}

// rec3 is a set of three attributes in one allocation (or one element
// of a block of them).
type rec3 struct {
	a Attrs
	l [3]Attr
}

// set fills r with three attributes, given in name order.
func (r *rec3) set(n1 string, v1 Value, n2 string, v2 Value, n3 string, v3 Value) *Attrs {
	r.l = [3]Attr{{Name: n1, Value: v1}, {Name: n2, Value: v2}, {Name: n3, Value: v3}}
	r.a.List = r.l[:]
	return &r.a
}

// posThunk is a thunk of a posNode, in one allocation.
type posThunk struct {
	t Thunk
	n posNode
}

func (p *posThunk) of(pos token.Pos) *Thunk {
	p.n.pos = pos
	p.t.x = node(&p.n)
	return &p.t
}

// posNode delays building the { file; line; column; } set of a position.
type posNode struct{ pos token.Pos }

func (n *posNode) eval(ev *Evaluator, _ *env) Value { return ev.posAttrs(n.pos) }

// rec2 is a set of two attributes in one allocation (or one element of
// a block of them).
type rec2 struct {
	a Attrs
	l [2]Attr
}

// set fills r with two attributes, given in name order.
func (r *rec2) set(n1 string, v1 Value, n2 string, v2 Value) *Attrs {
	r.l = [2]Attr{{Name: n1, Value: v1}, {Name: n2, Value: v2}}
	r.a.List = r.l[:]
	return &r.a
}

// locNode is loc ++ [ name ].
type locNode struct {
	loc  Value
	name Value
	pos  token.Pos
}

func (n *locNode) eval(ev *Evaluator, _ *env) Value {
	l := ev.forceListOp(ev.force(n.loc, n.pos), n.pos, "++")
	out := make([]Value, len(l.Elems)+1)
	copy(out, l.Elems)
	out[len(l.Elems)] = n.name
	return &List{Elems: out}
}

// defPos is def.pos or null.
func defPos(def *Attrs) Value {
	if p, ok := def.Get("pos"); ok {
		return p.Value
	}
	return nil
}

// lazyAttr is `inherit (set) name`: the attribute's value, or a thunk
// that fails as selecting it would.
func lazyAttr(set *Attrs, name string, pos token.Pos) Value {
	if a, ok := set.Get(name); ok {
		return a.Value
	}
	return &Thunk{x: node(&inheritSelectNode{from: set, name: name, pos: pos})}
}

// selectOrNode is from.${name} or [ ].
type selectOrNode struct {
	from Value
	name string
	pos  token.Pos
}

func (n *selectOrNode) eval(ev *Evaluator, _ *env) Value {
	if s, ok := ev.force(n.from, n.pos).(*Attrs); ok {
		if a, ok := s.Get(n.name); ok {
			return ev.force(a.Value, n.pos)
		}
	}
	return &List{}
}

// app3Node is a delayed application f x y z.
type app3Node struct {
	f, x, y, z Value
	pos        token.Pos
}

func (n *app3Node) eval(ev *Evaluator, _ *env) Value {
	return ev.callN(ev.force(n.f, n.pos), []Value{n.x, n.y, n.z}, n.pos)
}

// mergeAttrLists is the attribute list of a // b.
func mergeAttrLists(a, b []Attr) []Attr {
	out := make([]Attr, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch c := strings.Compare(a[i].Name, b[j].Name); {
		case c < 0:
			out = append(out, a[i])
			i++
		case c > 0:
			out = append(out, b[j])
			j++
		default:
			out = append(out, b[j])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// withoutPosNode is: if def ? pos then removeAttrs def [ "pos" ] else def.
type withoutPosNode struct {
	def Value
	pos token.Pos
}

func (n *withoutPosNode) eval(ev *Evaluator, _ *env) Value {
	v := ev.force(n.def, n.pos)
	s, ok := v.(*Attrs)
	if !ok {
		return v
	}
	i, found := s.index("pos")
	if !found {
		return v
	}
	l := make([]Attr, 0, len(s.List)-1)
	l = append(append(l, s.List[:i]...), s.List[i+1:]...)
	return &Attrs{List: l}
}

// posOrNullNode is def.pos or null.
type posOrNullNode struct {
	def Value
	pos token.Pos
}

func (n *posOrNullNode) eval(ev *Evaluator, _ *env) Value {
	if s, ok := ev.force(n.def, n.pos).(*Attrs); ok {
		if p, ok := s.Get("pos"); ok {
			return ev.force(p.Value, n.pos)
		}
	}
	return nil
}
