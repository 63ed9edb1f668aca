// The module primitives that give options their values: mergeDefinitions,
// the option of one declaration, and the merges of listOf and attrsOf.

package eval

import (
	"slices"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// mergeCore is the lazy state of one mergeDefinitions: defsFinal',
// defsFinal, isDefined and mergedValue, thunks of the mergeCore seen as
// four node types.
type mergeCore struct {
	m                             *moduleProps
	helpers, loc, typ, defs       Value
	pos                           token.Pos
	final, values, defined, value Thunk
}

type (
	mcFinal   mergeCore
	mcValues  mergeCore
	mcDefined mergeCore
	mcValue   mergeCore
)

func (c *mergeCore) init(m *moduleProps, a []Value, pos token.Pos) {
	*c = mergeCore{m: m, helpers: a[0], loc: a[1], typ: a[2], defs: a[3], pos: pos}
	c.final.x = node((*mcFinal)(c))
	c.values.x = node((*mcValues)(c))
	c.defined.x = node((*mcDefined)(c))
	c.value.x = node((*mcValue)(c))
}

// mergeDefs is one __cairnMergeDefinitions: the set it returns and its
// six attributes, in one allocation.
type mergeDefs struct {
	core              mergeCore
	set               Attrs
	list              [6]Attr
	checked, optional Thunk
}

type (
	mdChecked  mergeDefs
	mdOptional mergeDefs
)

func (m *moduleProps) mergeDefinitions(ev *Evaluator, a []Value, pos token.Pos) Value {
	md := &mergeDefs{}
	md.core.init(m, a, pos)
	md.checked.x = node((*mdChecked)(md))
	md.optional.x = node((*mdOptional)(md))
	c := &md.core
	md.list = [6]Attr{
		{Name: "checkedAndMerged", Value: &md.checked},
		{Name: "defsFinal", Value: &c.values},
		{Name: "defsFinal'", Value: &c.final},
		{Name: "isDefined", Value: &c.defined},
		{Name: "mergedValue", Value: &c.value},
		{Name: "optionalValue", Value: &md.optional},
	}
	md.set.List = md.list[:]
	return &md.set
}

// mergeCoreOf is a mergeCore for merge loc type defs when merge is the
// lib's mergeDefinitions (this primitive), for callers that need only
// isDefined and mergedValue; nil otherwise.
func (m *moduleProps) mergeCoreOf(merge Value, loc, typ, defs Value, pos token.Pos) *mergeCore {
	p, ok := merge.(*PrimopApp)
	if !ok || p.Op.Name != "__cairnMergeDefinitions" || len(p.Args) != 1 {
		return nil
	}
	c := &mergeCore{}
	c.init(m, []Value{p.Args[0], loc, typ, defs}, pos)
	return c
}

func (n *mcFinal) eval(ev *Evaluator, _ *env) Value {
	return n.m.definitions(ev, n.defs, n.pos)
}

func (n *mcValues) eval(ev *Evaluator, _ *env) Value {
	return ev.force(attr(ev, &n.final, "values", n.pos), n.pos)
}

func (n *mcDefined) eval(ev *Evaluator, _ *env) Value {
	return len(ev.forceList(&n.values, n.pos).Elems) > 0
}

func (n *mcValue) eval(ev *Evaluator, _ *env) Value {
	return (*mergeCore)(n).merged(ev)
}

func (n *mdOptional) eval(ev *Evaluator, _ *env) Value {
	if ev.forceBool(&n.core.defined, n.core.pos) {
		return &Attrs{List: []Attr{{Name: "value", Value: &n.core.value}}}
	}
	return &Attrs{}
}

func (n *mdChecked) eval(ev *Evaluator, _ *env) Value {
	return &Attrs{List: []Attr{
		{Name: "headError", Value: nil},
		{Name: "value", Value: &n.core.value},
		{Name: "valueMeta", Value: &Attrs{}},
	}}
}

// merged is mergedValue: the definitions checked against the type and
// merged by it, or the type's empty value when there are none.
func (md *mergeCore) merged(ev *Evaluator) Value {
	pos := md.pos
	defined := ev.forceBool(&md.defined, pos)
	typ := ev.forceAttrs(md.typ, pos)
	values := &md.values
	helper := func(name string) Value {
		return ev.force(attr(ev, md.helpers, name, pos), pos)
	}
	if !defined {
		if es, ok := ev.force(attr(ev, typ, "emptyValue", pos), pos).(*Attrs); ok {
			if v, ok := es.Get("value"); ok {
				return ev.force(v.Value, pos)
			}
		}
		return ev.call(helper("undefinedThrow"), md.loc, pos)
	}
	if te, ok := typ.Get("typeError"); ok {
		f := ev.force(te.Value, pos)
		if l, ok := f.(*Lambda); ok && l == helper("checkedByValues") {
			// types.checkedByValues: the definitions all pass the check.
			if len(md.failing(ev, typ, values)) == 0 {
				return md.merge(ev, typ, values, helper)
			}
		}
		err := ev.callN(f, []Value{typ, md.loc, values}, pos)
		if err == nil {
			return md.merge(ev, typ, values, helper)
		}
		return ev.callN(helper("typeErrorThrow"), []Value{md.loc, typ, err}, pos)
	}
	if bad := md.failing(ev, typ, values); len(bad) > 0 {
		return ev.callN(helper("checkThrow"), []Value{md.loc, typ, &List{Elems: bad}}, pos)
	}
	return md.merge(ev, typ, values, helper)
}

// merge is type.merge loc defs. The lib's options.mergeEqualOption is
// done here when the definitions agree (its errors are its own).
func (md *mergeCore) merge(ev *Evaluator, typ *Attrs, values Value, helper func(string) Value) Value {
	pos := md.pos
	f := ev.force(attr(ev, typ, "merge", pos), pos)
	if l, ok := f.(*Lambda); ok && l == helper("mergeEqualOption") {
		if defs := ev.forceList(values, pos).Elems; len(defs) > 0 {
			first := ev.force(attr(ev, defs[0], "value", pos), pos)
			agree := true
			for _, d := range defs[1:] {
				if !ev.equal(ev.force(attr(ev, d, "value", pos), pos), first, pos, false) {
					agree = false
					break
				}
			}
			if agree {
				return first
			}
		}
	}
	return ev.callN(f, []Value{md.loc, values}, pos)
}

// failing is filter (def: !type.check def.value) defs.
func (md *mergeCore) failing(ev *Evaluator, typ *Attrs, defs Value) []Value {
	pos := md.pos
	check := ev.force(attr(ev, typ, "check", pos), pos)
	var bad []Value
	for _, d := range ev.forceList(defs, pos).Elems {
		r := ev.call(check, attr(ev, d, "value", pos), pos)
		ok, isBool := r.(bool)
		if !isBool {
			throwf(pos, "value is %s while a Boolean was expected", typeName(r))
		}
		if !ok {
			bad = append(bad, d)
		}
	}
	return bad
}

func (mp *moduleProps) mergeList(ev *Evaluator, a []Value, pos token.Pos) Value {
	merge, elemType, loc := ev.force(a[0], pos), a[1], a[2]
	// All the elements first (as concatLists does), then whether each
	// is defined (as filter does).
	type result struct{ defined, value Value }
	var rs []result
	for n, d := range ev.forceList(a[3], pos).Elems {
		def := ev.forceAttrs(d, pos)
		file := lazyAttr(def, "file", pos)
		for m, v := range ev.forceList(attr(ev, def, "value", pos), pos).Elems {
			name := mkString("[definition " + strconv.Itoa(n+1) + "-entry " + strconv.Itoa(m+1) + "]")
			eloc := &Thunk{x: node(&locNode{loc: loc, name: name, pos: pos})}
			one := new(rec3).set("file", file, "pos", defPos(def), "value", v)
			defs := &List{Elems: []Value{one}}
			if c := mp.mergeCoreOf(merge, eloc, elemType, defs, pos); c != nil {
				rs = append(rs, result{&c.defined, &c.value})
				continue
			}
			r := ev.forceAttrs(ev.callN(merge, []Value{eloc, elemType, defs}, pos), pos)
			rs = append(rs, result{attr(ev, r, "isDefined", pos), attr(ev, r, "mergedValue", pos)})
		}
	}
	var out []Value
	for _, r := range rs {
		if ev.forceBool(r.defined, pos) {
			out = append(out, r.value)
		}
	}
	return &List{Elems: out}
}

func (mp *moduleProps) mergeAttrs(ev *Evaluator, a []Value, pos token.Pos) Value {
	merge, elemType, loc := ev.force(a[0], pos), a[1], a[3]
	lazy := ev.forceBool(a[2], pos)
	// perAttribute defs, zipped by name: the definitions of each name,
	// in order.
	type entry struct {
		name string
		def  *rec3
	}
	defs := ev.forceList(a[4], pos).Elems
	var all []entry
	for _, d := range defs {
		def := ev.forceAttrs(d, pos)
		file := lazyAttr(def, "file", pos)
		dpos := defPos(def)
		val := ev.forceAttrs(attr(ev, def, "value", pos), pos)
		recs := make([]rec3, len(val.List))
		for i, x := range val.List {
			recs[i].set("file", file, "pos", dpos, "value", x.Value)
			all = append(all, entry{x.Name, &recs[i]})
		}
	}
	slices.SortStableFunc(all, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var out []Attr
	for lo := 0; lo < len(all); {
		hi := lo + 1
		for hi < len(all) && all[hi].name == all[lo].name {
			hi++
		}
		ds := make([]Value, hi-lo)
		for j := lo; j < hi; j++ {
			ds[j-lo] = &all[j].def.a
		}
		name := all[lo].name
		eloc := &Thunk{x: node(&locNode{loc: loc, name: mkString(name), pos: pos})}
		var defined, value Value
		if c := mp.mergeCoreOf(merge, eloc, elemType, &List{Elems: ds}, pos); c != nil {
			defined, value = &c.defined, &c.value
		} else {
			r := ev.callN(merge, []Value{eloc, elemType, &List{Elems: ds}}, pos)
			if lazy {
				// Selected when needed, as the lib's mapAttrs does.
				defined = &Thunk{x: node(&inheritSelectNode{from: r, name: "isDefined", pos: pos})}
				value = &Thunk{x: node(&inheritSelectNode{from: r, name: "mergedValue", pos: pos})}
			} else {
				rs := ev.forceAttrs(r, pos)
				defined, value = attr(ev, rs, "isDefined", pos), attr(ev, rs, "mergedValue", pos)
			}
		}
		if lazy {
			out = append(out, Attr{Name: name, Value: &Thunk{x: node(&lazyElemNode{defined: defined, value: value, elemType: elemType, pos: pos})}})
		} else if ev.forceBool(defined, pos) {
			out = append(out, Attr{Name: name, Value: value})
		}
		lo = hi
	}
	return &Attrs{List: out}
}

// lazyElemNode is one attribute of a lazyAttrsOf: if r.isDefined then
// r.mergedValue else elemType.emptyValue.value or r.mergedValue, given
// r's isDefined and mergedValue.
type lazyElemNode struct {
	defined, value, elemType Value
	pos                      token.Pos
}

func (n *lazyElemNode) eval(ev *Evaluator, _ *env) Value {
	if !ev.forceBool(n.defined, n.pos) {
		if t, ok := ev.force(n.elemType, n.pos).(*Attrs); ok {
			if e, ok := t.Get("emptyValue"); ok {
				if es, ok := ev.force(e.Value, n.pos).(*Attrs); ok {
					if v, ok := es.Get("value"); ok {
						return ev.force(v.Value, n.pos)
					}
				}
			}
		}
	}
	return ev.force(n.value, n.pos)
}

// declOpt is one __cairnDeclaredOption: the option's lazy parts, as
// thunks of declOpt seen as node types, in one allocation.
type declOpt struct {
	helpers, loc, file, typ, defs Value
	o, decl                       *Attrs
	pos                           token.Pos
	// The option's small values, allocated with it.
	declList, declarations, options List // declarationPositions, declarations, []
	declElems, fileElems            [1]Value
	valueMeta                       Attrs
	declPos, withDefault, res       Thunk
	merged, value, valueCtx         Thunk
	highestPrio, isDefined          Thunk
	toString                        Thunk
	lists                           [4]Thunk // definitions, files, definitionsWithLocations, definitionPositions
}

type (
	doDeclPos     declOpt
	doWithDefault declOpt
	doRes         declOpt
	doMerged      declOpt
	doValue       declOpt
	doValueCtx    declOpt
	doHighest     declOpt
	doDefined     declOpt
	doToString    declOpt
	doDefinitions declOpt
	doFiles       declOpt
	doWithLocs    declOpt
	doPositions   declOpt
)

func (d *declOpt) helper(ev *Evaluator, name string) Value {
	return ev.force(attr(ev, d.helpers, name, d.pos), d.pos)
}

func declaredOption(ev *Evaluator, a []Value, pos token.Pos) Value {
	d := &declOpt{helpers: a[0], loc: a[1], defs: a[3], pos: pos}
	d.decl = ev.forceAttrs(a[2], pos)
	d.file = lazyAttr(d.decl, "_file", pos)
	d.o = ev.forceAttrs(attr(ev, d.decl, "options", pos), pos)
	// type: o.type (types.unspecified when there is none), its
	// sub-modules located in the declaration's file.
	var subModules Value
	t, hasType := d.o.Get("type")
	if hasType {
		if ts, ok := ev.force(t.Value, pos).(*Attrs); ok {
			if g, ok := ts.Get("getSubModules"); ok {
				subModules = ev.force(g.Value, pos)
			}
		}
	}
	switch {
	case subModules != nil:
		locate := d.helper(ev, "setDefaultModuleLocation")
		mods := ev.forceList(subModules, pos).Elems
		located := make([]Value, len(mods))
		for i, m := range mods {
			located[i] = &Thunk{x: node(&app2Node{f: locate, x: d.file, y: m, pos: pos})}
		}
		subst := ev.force(attr(ev, t.Value, "substSubModules", pos), pos)
		d.typ = ev.call(subst, &List{Elems: located}, pos)
	case hasType:
		d.typ = ev.force(t.Value, pos)
	default:
		d.typ = d.helper(ev, "unspecified")
	}
	d.declPos.x = node((*doDeclPos)(d))
	d.withDefault.x = node((*doWithDefault)(d))
	d.res.x = node((*doRes)(d))
	d.merged.x = node((*doMerged)(d))
	d.value.x = node((*doValue)(d))
	d.valueCtx.x = node((*doValueCtx)(d))
	d.highestPrio.x = node((*doHighest)(d))
	d.isDefined.x = node((*doDefined)(d))
	d.toString.x = node((*doToString)(d))
	d.lists[0].x = node((*doDefinitions)(d))
	d.lists[1].x = node((*doFiles)(d))
	d.lists[2].x = node((*doWithLocs)(d))
	d.lists[3].x = node((*doPositions)(d))
	d.declElems[0], d.fileElems[0] = &d.declPos, d.file
	d.declList.Elems, d.declarations.Elems = d.declElems[:], d.fileElems[:]
	o := d.o
	if ts, ok := d.typ.(*Attrs); ok {
		if dm, ok := ts.Get("deprecationMessage"); ok && ev.force(dm.Value, pos) != nil {
			o = ev.forceAttrs(ev.callN(d.helper(ev, "deprecated"), []Value{d.loc, ts, d.file, o}, pos), pos)
		}
	}
	extra := [...]Attr{
		{Name: "__toString", Value: &d.toString},
		{Name: "declarationPositions", Value: &d.declList},
		{Name: "declarations", Value: &d.declarations},
		{Name: "definitionPositions", Value: &d.lists[3]},
		{Name: "definitions", Value: &d.lists[0]},
		{Name: "definitionsWithLocations", Value: &d.lists[2]},
		{Name: "files", Value: &d.lists[1]},
		{Name: "highestPrio", Value: &d.highestPrio},
		{Name: "isDefined", Value: &d.isDefined},
		{Name: "loc", Value: d.loc},
		{Name: "options", Value: &d.options},
		{Name: "type", Value: d.typ},
		{Name: "value", Value: &d.valueCtx},
		{Name: "valueMeta", Value: &d.valueMeta},
	}
	return &Attrs{List: mergeAttrLists(o.List, extra[:])}
}

// declPos: decl.pos, or { file; line = null; column = null; }.
func (n *doDeclPos) eval(ev *Evaluator, _ *env) Value {
	if p, ok := n.decl.Get("pos"); ok {
		if v := ev.force(p.Value, n.pos); v != nil {
			return v
		}
	}
	return new(rec3).set("column", nil, "file", n.file, "line", nil)
}

// withDefault: the default (at mkOptionDefault's priority) and defs.
func (n *doWithDefault) eval(ev *Evaluator, _ *env) Value {
	defs := ev.forceListOp(ev.force(n.defs, n.pos), n.pos, "++")
	def, ok := n.o.Get("default")
	if !ok {
		return defs
	}
	prio := new(rec3).set("_type", mkString("override"), "content", def.Value, "priority", int64(1500))
	out := make([]Value, 0, 1+len(defs.Elems))
	out = append(out, new(rec3).set("file", n.file, "pos", &n.declPos, "value", prio))
	return &List{Elems: append(out, defs.Elems...)}
}

// res: mergeDefinitions loc type withDefault, unless a read-only option
// has several definitions.
func (n *doRes) eval(ev *Evaluator, _ *env) Value {
	d := (*declOpt)(n)
	if ro, ok := n.o.Get("readOnly"); ok && ev.forceBoolOp(ev.force(ro.Value, n.pos), n.pos, "&&") {
		if len(ev.forceList(&n.withDefault, n.pos).Elems) > 1 {
			return ev.callN(d.helper(ev, "readOnlyThrow"), []Value{n.loc, n.typ, &n.withDefault}, n.pos)
		}
	}
	return ev.callN(d.helper(ev, "mergeDefinitions"), []Value{n.loc, n.typ, &n.withDefault}, n.pos)
}

// merged: res.mergedValue, or the error that the option has no value.
func (n *doMerged) eval(ev *Evaluator, _ *env) Value {
	d := (*declOpt)(n)
	res := ev.forceAttrs(&n.res, n.pos)
	defined := ev.forceBoolOp(ev.force(attr(ev, res, "isDefined", n.pos), n.pos), n.pos, "||")
	if !defined {
		if e, ok := ev.force(attr(ev, n.typ, "emptyValue", n.pos), n.pos).(*Attrs); ok && hasAttr(e, "value") {
			defined = true
		}
	}
	if !defined {
		return ev.callN(d.helper(ev, "undefinedThrow"), []Value{n.loc, &n.declList}, n.pos)
	}
	return ev.force(attr(ev, res, "mergedValue", n.pos), n.pos)
}

// value: o.apply merged, or merged.
func (n *doValue) eval(ev *Evaluator, _ *env) Value {
	if apply, ok := n.o.Get("apply"); ok {
		return ev.call(ev.force(apply.Value, n.pos), &n.merged, n.pos)
	}
	return ev.force(&n.merged, n.pos)
}

// valueCtx: value, in the error context of the option (which only a
// trace shows: without one, builtins.addErrorContext just forces).
func (n *doValueCtx) eval(ev *Evaluator, _ *env) Value {
	if !ev.opts.Trace {
		return ev.force(&n.value, n.pos)
	}
	return ev.callN((*declOpt)(n).helper(ev, "valueOf"), []Value{n.loc, &n.value}, n.pos)
}

func (n *doHighest) eval(ev *Evaluator, _ *env) Value {
	return ev.force(attr(ev, attr(ev, &n.res, "defsFinal'", n.pos), "highestPrio", n.pos), n.pos)
}

func (n *doDefined) eval(ev *Evaluator, _ *env) Value {
	return ev.force(attr(ev, &n.res, "isDefined", n.pos), n.pos)
}

func (n *doToString) eval(ev *Evaluator, _ *env) Value {
	return ev.call((*declOpt)(n).helper(ev, "toStringOf"), n.loc, n.pos)
}

// eachFinal is map f res.defsFinal, f given as a node per definition.
func (d *declOpt) eachFinal(ev *Evaluator, f func(def Value) node) Value {
	defs := ev.forceList(attr(ev, &d.res, "defsFinal", d.pos), d.pos).Elems
	out := make([]Value, len(defs))
	ts := make([]Thunk, len(defs))
	for i, def := range defs {
		ts[i].x = f(def)
		out[i] = &ts[i]
	}
	return &List{Elems: out}
}

func (n *doDefinitions) eval(ev *Evaluator, _ *env) Value {
	return (*declOpt)(n).eachFinal(ev, func(def Value) node { return &inheritSelectNode{from: def, name: "value", pos: n.pos} })
}

func (n *doFiles) eval(ev *Evaluator, _ *env) Value {
	return (*declOpt)(n).eachFinal(ev, func(def Value) node { return &inheritSelectNode{from: def, name: "file", pos: n.pos} })
}

func (n *doWithLocs) eval(ev *Evaluator, _ *env) Value {
	return (*declOpt)(n).eachFinal(ev, func(def Value) node { return &withoutPosNode{def: def, pos: n.pos} })
}

func (n *doPositions) eval(ev *Evaluator, _ *env) Value {
	return (*declOpt)(n).eachFinal(ev, func(def Value) node { return &posOrNullNode{def: def, pos: n.pos} })
}
