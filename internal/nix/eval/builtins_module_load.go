// The module primitives that load modules: the import tree, a module
// function's arguments and a module's normal form.

package eval

import (
	"strconv"

	"cairn.dev/cairn/internal/nix/token"
)

// collectNode is one module of the import tree.
type collectNode struct {
	module   *Attrs
	key      Value // the module's key, delayed
	children []*collectNode
}

// collector walks the import tree as the lib's collectModules does.
type collector struct {
	load, disabledKey Value
	disabled          []Value // disabledKey FILE ENTRY of every entry, delayed, in tree order
	pos               token.Pos
}

func collect(ev *Evaluator, spec *Attrs, pos token.Pos) Value {
	c := &collector{
		load:        ev.force(attr(ev, spec, "load", pos), pos),
		disabledKey: attr(ev, spec, "disabledKey", pos),
		pos:         pos,
	}
	tree := c.walk(ev, attr(ev, spec, "file", pos), nil, attr(ev, spec, "roots", pos))
	// genericClosure over the enabled roots, the operator giving the
	// enabled children, with the nodes' keys.
	seen := closureKeys{strs: map[string]bool{}, ints: map[int64]bool{}}
	work := c.enabled(ev, tree)
	var out []Value
	for len(work) > 0 {
		n := work[0]
		work = work[1:]
		if !seen.add(ev, ev.force(n.key, pos), pos) {
			continue
		}
		out = append(out, n.module)
		work = append(work, c.enabled(ev, n.children)...)
	}
	return &List{Elems: out}
}

// walk loads the modules ms imported by a module of file and key
// parentKey (nil at the roots), depth first: each module, then the keys
// it disables, then its imports.
func (c *collector) walk(ev *Evaluator, file, parentKey Value, msV Value) []*collectNode {
	ms := ev.forceList(msV, c.pos).Elems
	nodes := make([]*collectNode, len(ms))
	for i, raw := range ms {
		key := Value(&Thunk{x: node(&anonKeyNode{parent: parentKey, n: i + 1, pos: c.pos})})
		m := ev.forceAttrs(ev.callN(c.load, []Value{file, key, raw}, c.pos), c.pos)
		n := &collectNode{module: m, key: &Thunk{x: node(&inheritSelectNode{from: m, name: "key", pos: c.pos})}}
		mfile := &Thunk{x: node(&inheritSelectNode{from: m, name: "_file", pos: c.pos})}
		for _, d := range ev.forceList(attr(ev, m, "disabledModules", c.pos), c.pos).Elems {
			c.disabled = append(c.disabled, &Thunk{x: node(&app2Node{f: c.disabledKey, x: mfile, y: d, pos: c.pos})})
		}
		n.children = c.walk(ev, mfile, n.key, attr(ev, m, "imports", c.pos))
		nodes[i] = n
	}
	return nodes
}

// enabled drops the nodes whose key is disabled (builtins.elem).
func (c *collector) enabled(ev *Evaluator, nodes []*collectNode) []*collectNode {
	if len(c.disabled) == 0 {
		return nodes
	}
	var out []*collectNode
next:
	for _, n := range nodes {
		for _, d := range c.disabled {
			if ev.equal(n.key, d, c.pos, false) {
				continue next
			}
		}
		out = append(out, n)
	}
	return out
}

// anonKeyNode is the key "PARENT:anon-N" of the N-th module imported by
// the module whose key is PARENT ("" at the roots).
type anonKeyNode struct {
	parent Value
	n      int
	pos    token.Pos
}

func (n *anonKeyNode) eval(ev *Evaluator, _ *env) Value {
	suffix := ":anon-" + strconv.Itoa(n.n)
	if n.parent == nil {
		return mkString(suffix)
	}
	p := ev.forceString(n.parent, n.pos)
	return &String{S: p.S + suffix, Ctx: p.Ctx}
}

func applyModuleArgs(ev *Evaluator, a []Value, pos token.Pos) Value {
	f := ev.force(a[2], pos)
	l, ok := f.(*Lambda)
	if !ok || !l.fn.hasFormals || ev.opts.Trace {
		return ev.callN(ev.force(a[0], pos), a[1:], pos)
	}
	args := ev.forceAttrs(a[3], pos)
	formals := l.fn.formals // sorted by name
	lookups := make([]Attr, len(formals))
	nodes := make([]argLookupNode, len(formals))
	thunks := make([]Thunk, len(formals))
	for i := range formals {
		nodes[i] = argLookupNode{args: args, name: formals[i].name, pos: pos}
		thunks[i].x = node(&nodes[i])
		lookups[i] = Attr{Name: formals[i].name, Value: &thunks[i]}
	}
	return ev.call(l, &Attrs{List: mergeAttrLists(args.List, lookups)}, pos)
}

// argLookupNode is args.${name} or args.config._module.args.${name}.
type argLookupNode struct {
	args *Attrs
	name string
	pos  token.Pos
}

func (n *argLookupNode) eval(ev *Evaluator, _ *env) Value {
	if v, ok := n.args.Get(n.name); ok {
		return ev.force(v.Value, n.pos)
	}
	v := Value(n.args)
	for _, name := range [...]string{"config", "_module", "args", n.name} {
		s := ev.forceAttrs(v, n.pos)
		x, ok := s.Get(name)
		if !ok {
			throwf(n.pos, "attribute '%s' missing%s", name, didYouMean(name, s.Names()))
		}
		v = x.Value
	}
	return ev.force(v, n.pos)
}

// isModuleAttr tells the attributes a module with `config` or `options`
// may have (the lib's structuralAttrs).
func isModuleAttr(name string) bool {
	switch name {
	case "_class", "_file", "key", "disabledModules", "imports", "options", "config", "meta", "freeformType":
		return true
	}
	return false
}

func unifyModuleSyntax(ev *Evaluator, a []Value, pos token.Pos) Value {
	file, key := a[1], a[2]
	m, ok := ev.force(a[3], pos).(*Attrs)
	if !ok || hasAttr(m, "meta") || hasAttr(m, "freeformType") {
		return ev.callN(ev.force(a[0], pos), a[1:], pos)
	}
	or := func(name string, def Value) Value {
		if x, ok := m.Get(name); ok {
			return x.Value
		}
		return def
	}
	x := &struct {
		set               Attrs
		list              [7]Attr
		fileT, keyT       Thunk
		fileN, keyN       toStringOrNode
		importsT, configT Thunk
		importsN          concatOrNode
		configN           removeAttrsNode
	}{}
	x.fileN = toStringOrNode{m: m, name: "_file", def: file, pos: pos}
	x.fileT.x = node(&x.fileN)
	x.keyN = toStringOrNode{m: m, name: "key", def: key, pos: pos}
	x.keyT.x = node(&x.keyN)
	var imports, options, config Value
	if hasAttr(m, "config") || hasAttr(m, "options") {
		for _, at := range m.List {
			if !isModuleAttr(at.Name) {
				// The lib's error.
				return ev.callN(ev.force(a[0], pos), a[1:], pos)
			}
		}
		imports, options, config = or("imports", &List{}), or("options", &Attrs{}), or("config", &Attrs{})
	} else {
		x.importsN = concatOrNode{m: m, pos: pos}
		x.importsT.x = node(&x.importsN)
		x.configN = removeAttrsNode{m: m}
		x.configT.x = node(&x.configN)
		imports, options, config = &x.importsT, &Attrs{}, &x.configT
	}
	x.list = [7]Attr{
		{Name: "_class", Value: or("_class", nil)},
		{Name: "_file", Value: &x.fileT},
		{Name: "config", Value: config},
		{Name: "disabledModules", Value: or("disabledModules", &List{})},
		{Name: "imports", Value: imports},
		{Name: "key", Value: &x.keyT},
		{Name: "options", Value: options},
	}
	x.set.List = x.list[:]
	return &x.set
}

// toStringOrNode is toString (m.${name} or def).
type toStringOrNode struct {
	m    *Attrs
	name string
	def  Value
	pos  token.Pos
}

func (n *toStringOrNode) eval(ev *Evaluator, _ *env) Value {
	v := n.def
	if x, ok := n.m.Get(n.name); ok {
		v = x.Value
	}
	s, ctx := ev.coerceToString(v, n.pos, coerceOpts{coerceMore: true})
	return &String{S: s, Ctx: ctx}
}

// concatOrNode is m.require or [ ] ++ m.imports or [ ].
type concatOrNode struct {
	m   *Attrs
	pos token.Pos
}

func (n *concatOrNode) eval(ev *Evaluator, _ *env) Value {
	var l [2]*List
	for i, name := range [...]string{"require", "imports"} {
		l[i] = &List{}
		if x, ok := n.m.Get(name); ok {
			l[i] = ev.forceListOp(ev.force(x.Value, n.pos), n.pos, "++")
		}
	}
	if len(l[0].Elems) == 0 {
		return l[1]
	}
	if len(l[1].Elems) == 0 {
		return l[0]
	}
	out := make([]Value, 0, len(l[0].Elems)+len(l[1].Elems))
	return &List{Elems: append(append(out, l[0].Elems...), l[1].Elems...)}
}

// removeAttrsNode is removeAttrs m [ "_class" "_file" "key"
// "disabledModules" "require" "imports" "freeformType" ].
type removeAttrsNode struct{ m *Attrs }

func (n *removeAttrsNode) eval(ev *Evaluator, _ *env) Value {
	out := make([]Attr, 0, len(n.m.List))
	for _, at := range n.m.List {
		switch at.Name {
		case "_class", "_file", "key", "disabledModules", "require", "imports", "freeformType":
			continue
		}
		out = append(out, at)
	}
	return &Attrs{List: out}
}
