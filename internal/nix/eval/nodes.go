package eval

import (
	"strings"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/token"
)

// node is a compiled expression. eval returns the expression's value in
// weak head normal form (never a *Thunk).
type node interface {
	eval(ev *Evaluator, e *env) Value
}

// env is a runtime environment: the values of one scope's variables and
// the enclosing environment. Environments of up to eight slots are
// allocated together with their slots (envN below), in one object of the
// smallest size that holds them.
type env struct {
	up   *env
	vals []Value
}

type (
	env1 struct {
		e env
		a [1]Value
	}
	env2 struct {
		e env
		a [2]Value
	}
	env3 struct {
		e env
		a [3]Value
	}
	env4 struct {
		e env
		a [4]Value
	}
	env6 struct {
		e env
		a [6]Value
	}
	env8 struct {
		e env
		a [8]Value
	}
)

func newEnv(up *env, n int) *env {
	switch {
	case n == 0:
		return &env{up: up}
	case n == 1:
		x := &env1{e: env{up: up}}
		x.e.vals = x.a[:]
		return &x.e
	case n == 2:
		x := &env2{e: env{up: up}}
		x.e.vals = x.a[:]
		return &x.e
	case n == 3:
		x := &env3{e: env{up: up}}
		x.e.vals = x.a[:]
		return &x.e
	case n == 4:
		x := &env4{e: env{up: up}}
		x.e.vals = x.a[:]
		return &x.e
	case n <= 6:
		x := &env6{e: env{up: up}}
		x.e.vals = x.a[:n]
		return &x.e
	case n <= 8:
		x := &env8{e: env{up: up}}
		x.e.vals = x.a[:n]
		return &x.e
	}
	return &env{up: up, vals: make([]Value, n)}
}

// thunkOf returns a value for n in e without evaluating it: constants and
// variables are returned as they are (so a variable keeps the identity of
// its value), anything else becomes a thunk.
func thunkOf(n node, e *env) Value {
	switch n := n.(type) {
	case *constNode:
		return n.v
	case *varNode:
		env := e
		for i := n.level; i > 0; i-- {
			env = env.up
		}
		return env.vals[n.idx]
	}
	// Everything else, lambdas included, is delayed, as in Nix (where
	// an unevaluated function prints as <CODE>).
	return newThunk(n, e)
}

// thunkOfRec is thunkOf for recursive bindings (rec sets, lets, formal
// defaults): a variable of the same env whose slot is not yet filled
// (index >= filled) must be delayed rather than read.
func thunkOfRec(n node, e *env, filled int) Value {
	if v, ok := n.(*varNode); ok && v.level == 0 && int(v.idx) >= filled {
		return newThunk(n, e)
	}
	return thunkOf(n, e)
}

type constNode struct{ v Value }

func (n *constNode) eval(ev *Evaluator, e *env) Value { return n.v }

type varNode struct {
	level, idx int32
	name       string
	pos        token.Pos
}

func (n *varNode) eval(ev *Evaluator, e *env) Value {
	env := e
	for i := n.level; i > 0; i-- {
		env = env.up
	}
	v := env.vals[n.idx]
	if t, ok := v.(*Thunk); ok {
		return ev.forceThunk(t, n.pos)
	}
	return v
}

type withVarNode struct {
	name  string
	withs []int // levels of the enclosing withs, innermost first
	pos   token.Pos
}

func (n *withVarNode) eval(ev *Evaluator, e *env) Value {
	env := e
	lvl := 0
	for _, w := range n.withs {
		for ; lvl < w; lvl++ {
			env = env.up
		}
		attrs := ev.forceAttrs(env.vals[0], n.pos)
		if a, ok := attrs.Get(n.name); ok {
			return ev.force(a.Value, n.pos)
		}
	}
	throwf(n.pos, "undefined variable '%s'", n.name)
	return nil
}

type withNode struct {
	attrs node
	body  node
	pos   token.Pos
}

func (n *withNode) eval(ev *Evaluator, e *env) Value {
	ne := newEnv(e, 1)
	ne.vals[0] = thunkOf(n.attrs, e)
	return n.body.eval(ev, ne)
}

type attrName struct {
	name string
	expr node // dynamic name, or nil
	pos  token.Pos
	// The set this static name was last found in and its index there:
	// sets do not change, so selecting from the same set again (lib.x,
	// builtins.x) needs no search.
	lastSet *Attrs
	lastIdx int
}

// lookup finds the static name p in attrs.
func (p *attrName) lookup(attrs *Attrs) (*Attr, bool) {
	if p.lastSet == attrs {
		return &attrs.List[p.lastIdx], true
	}
	i, ok := attrs.index(p.name)
	if !ok {
		return nil, false
	}
	p.lastSet, p.lastIdx = attrs, i
	return &attrs.List[i], true
}

// nameOf evaluates an attribute name; ok is false for a dynamic name
// that evaluates to null.
func (ev *Evaluator) nameOf(a *attrName, e *env) (string, bool) {
	if a.expr == nil {
		return a.name, true
	}
	v := a.expr.eval(ev, e)
	if v == nil {
		return "", false
	}
	s, ok := v.(*String)
	if !ok {
		throwf(a.pos, "value is %s while a string was expected", typeName(v))
	}
	return s.S, true
}

type selectNode struct {
	x    node
	path []attrName
	def  node
	pos  token.Pos
}

func (n *selectNode) eval(ev *Evaluator, e *env) Value {
	v := n.x.eval(ev, e)
	for i := range n.path {
		p := &n.path[i]
		name, ok := ev.nameOf(p, e)
		attrs, isSet := v.(*Attrs)
		if !isSet || !ok {
			if n.def != nil {
				return n.def.eval(ev, e)
			}
			if !ok {
				throwf(p.pos, "value is null while a string was expected")
			}
			throwf(p.pos, "value is %s while a set was expected", typeName(v))
		}
		var a *Attr
		var found bool
		if p.expr == nil {
			a, found = p.lookup(attrs)
		} else {
			a, found = attrs.Get(name)
		}
		if !found {
			if n.def != nil {
				return n.def.eval(ev, e)
			}
			throwf(p.pos, "attribute '%s' missing%s", name, didYouMean(name, attrs.Names()))
		}
		v = ev.force(a.Value, p.pos)
	}
	return v
}

type hasAttrNode struct {
	x    node
	path []attrName
	pos  token.Pos
}

func (n *hasAttrNode) eval(ev *Evaluator, e *env) Value {
	v := n.x.eval(ev, e)
	for i := range n.path {
		p := &n.path[i]
		attrs, isSet := v.(*Attrs)
		if !isSet {
			return false
		}
		name, ok := ev.nameOf(p, e)
		if !ok {
			return false
		}
		a, found := attrs.Get(name)
		if !found {
			return false
		}
		if i+1 < len(n.path) {
			v = ev.force(a.Value, p.pos)
		}
	}
	return true
}

type staticAttr struct {
	name        string
	val         node
	pos         token.Pos
	fromIdx     int32
	inheritFrom bool
	outer       bool // `inherit x;`: val is compiled in the enclosing scope
}

type dynamicAttr struct {
	name node
	val  node
	pos  token.Pos
}

type attrsNode struct {
	rec         bool
	nslots      int
	static      []staticAttr // sorted by name
	dynamic     []dynamicAttr
	inheritFrom []node
	pos         token.Pos
	// overridesIdx is the index of a static `__overrides` attribute in a
	// rec set (whose attributes replace the set's own), or -1.
	overridesIdx int
	// inPlace: the bindings of a let whose slots are in the env it is
	// evaluated in, from index base on (see compileBody).
	inPlace bool
	base    int
	// nthunks is the number of thunks binding makes (countThunks),
	// allocated in one block.
	nthunks int
}

// thunkBlock hands out thunks from one allocation: nodes that make
// several thunks at once (sets, lets, lists) allocate them together.
type thunkBlock []Thunk

// delay is thunkOf, taking a thunk from b when one is needed.
func (b *thunkBlock) delay(n node, e *env) Value {
	switch n := n.(type) {
	case *constNode:
		return n.v
	case *varNode:
		env := e
		for i := n.level; i > 0; i-- {
			env = env.up
		}
		return env.vals[n.idx]
	}
	return b.take(n, e)
}

// delayRec is thunkOfRec, taking a thunk from b when one is needed.
func (b *thunkBlock) delayRec(n node, e *env, filled int) Value {
	if v, ok := n.(*varNode); ok && v.level == 0 && int(v.idx) >= filled {
		return b.take(n, e)
	}
	return b.delay(n, e)
}

func (b *thunkBlock) take(n node, e *env) *Thunk {
	if len(*b) == 0 {
		return newThunk(n, e)
	}
	t := &(*b)[0]
	*b = (*b)[1:]
	t.x, t.env = n, e
	return t
}

// applyOverrides implements `__overrides` in rec sets: its attributes
// replace those of the set, in the set and in its scope.
func (ev *Evaluator) applyOverrides(valEnv *env, list []Attr, n *attrsNode, wantAttrs bool) []Attr {
	over := ev.forceAttrs(valEnv.vals[n.overridesIdx], n.pos)
	var extra []Attr
	for _, o := range over.List {
		found := false
		for i := range n.static {
			if n.static[i].name == o.Name {
				found = true
				valEnv.vals[i] = o.Value
				if wantAttrs {
					list[i].Value = o.Value
				}
			}
		}
		if !found {
			extra = append(extra, o)
		}
	}
	return extra
}

// bind evaluates the bindings: for rec sets and lets it returns the new
// env whose slots hold the values; the attribute list is built only when
// wantAttrs is set.
func (n *attrsNode) bind(ev *Evaluator, e *env, wantAttrs bool) (*env, *Attrs) {
	valEnv := e
	if n.rec && !n.inPlace {
		valEnv = newEnv(e, n.nslots)
	}
	base := n.base
	var from []Value
	if len(n.inheritFrom) > 0 {
		from = make([]Value, len(n.inheritFrom))
		for i, x := range n.inheritFrom {
			from[i] = thunkOfRec(x, valEnv, base)
			if n.rec {
				valEnv.vals[base+len(n.static)+i] = from[i]
			}
		}
	}
	var block thunkBlock
	if n.nthunks > 0 {
		block = make(thunkBlock, n.nthunks)
	}
	var list []Attr
	var set *Attrs
	if wantAttrs {
		if len(n.dynamic) == 0 && n.overridesIdx < 0 {
			// The common case: the set and its attributes in one
			// allocation.
			set = newAttrsOfSize(len(n.static))
			list = set.List
		} else {
			list = make([]Attr, len(n.static), len(n.static)+len(n.dynamic))
		}
	}
	for i := range n.static {
		sa := &n.static[i]
		var v Value
		if sa.inheritFrom {
			v = &Thunk{x: node(&inheritSelectNode{from: from[sa.fromIdx], name: sa.name, pos: sa.pos})}
		} else if n.rec && !sa.outer {
			filled := base + i
			if n.overridesIdx >= 0 {
				filled = 0 // any slot may still be replaced
			}
			v = block.delayRec(sa.val, valEnv, filled)
		} else {
			v = block.delay(sa.val, e)
		}
		if n.rec {
			valEnv.vals[base+i] = v
		}
		if wantAttrs {
			list[i] = Attr{Name: sa.name, Value: v, Pos: sa.pos}
		}
	}
	var extra []Attr
	if n.rec && n.overridesIdx >= 0 {
		extra = ev.applyOverrides(valEnv, list, n, wantAttrs)
	}
	if !wantAttrs {
		return valEnv, nil
	}
	list = append(list, extra...)
	if len(n.dynamic) == 0 && len(extra) == 0 {
		if set != nil {
			return valEnv, set
		}
		return valEnv, &Attrs{List: list}
	}
	for i := range n.dynamic {
		d := &n.dynamic[i]
		nv := d.name.eval(ev, valEnv)
		if nv == nil {
			continue
		}
		s, ok := nv.(*String)
		if !ok {
			throwf(d.pos, "value is %s while a string was expected", typeName(nv))
		}
		list = append(list, Attr{Name: s.S, Value: thunkOf(d.val, valEnv), Pos: d.pos})
	}
	attrs := newAttrs(list)
	if i, dup := dupName(attrs.List); dup {
		throwf(attrs.List[i].Pos, "dynamic attribute '%s' already defined at %s", attrs.List[i].Name, ev.fset.Position(attrs.List[i-1].Pos))
	}
	return valEnv, attrs
}

func (n *attrsNode) eval(ev *Evaluator, e *env) Value {
	_, a := n.bind(ev, e, true)
	return a
}

// inheritSelectNode is `inherit (from) name;`: it selects name from an
// already delayed value.
type inheritSelectNode struct {
	from Value
	name string
	pos  token.Pos
}

func (n *inheritSelectNode) eval(ev *Evaluator, e *env) Value {
	attrs := ev.forceAttrs(n.from, n.pos)
	a, ok := attrs.Get(n.name)
	if !ok {
		throwf(n.pos, "attribute '%s' missing%s", n.name, didYouMean(n.name, attrs.Names()))
	}
	return ev.force(a.Value, n.pos)
}

type letNode struct {
	b    *attrsNode
	body node
}

func (n *letNode) eval(ev *Evaluator, e *env) Value {
	ne, _ := n.b.bind(ev, e, false)
	return n.body.eval(ev, ne)
}

type listNode struct {
	elems   []node
	nthunks int
}

func (n *listNode) eval(ev *Evaluator, e *env) Value {
	var block thunkBlock
	if n.nthunks > 0 {
		block = make(thunkBlock, n.nthunks)
	}
	if len(n.elems) == 1 {
		// The list and its element in one allocation.
		x := &struct {
			l List
			a [1]Value
		}{}
		x.a[0] = block.delay(n.elems[0], e)
		x.l.Elems = x.a[:]
		return &x.l
	}
	l := make([]Value, len(n.elems))
	for i, x := range n.elems {
		l[i] = block.delay(x, e)
	}
	return &List{Elems: l}
}

// updateLitNode is `x // { ... }` with a literal set of static
// attributes: the result is built without making the literal set.
type updateLitNode struct {
	x       node
	lit     *attrsNode // not rec, static attributes only
	nthunks int
	pos     token.Pos
}

// value is the value of the literal's attribute sa, as bind makes it.
func (n *updateLitNode) value(sa *staticAttr, from []Value, block *thunkBlock, e *env) Value {
	if sa.inheritFrom {
		return &Thunk{x: node(&inheritSelectNode{from: from[sa.fromIdx], name: sa.name, pos: sa.pos})}
	}
	return block.delay(sa.val, e)
}

func (n *updateLitNode) eval(ev *Evaluator, e *env) Value {
	a := ev.forceAttrsOp(n.x.eval(ev, e), n.pos, "//")
	st := n.lit.static
	if len(st) == 0 {
		return a
	}
	if len(a.List) == 0 {
		return n.lit.eval(ev, e)
	}
	var from []Value
	if len(n.lit.inheritFrom) > 0 {
		from = make([]Value, len(n.lit.inheritFrom))
		for i, x := range n.lit.inheritFrom {
			from[i] = thunkOf(x, e)
		}
	}
	var block thunkBlock
	if n.nthunks > 0 {
		block = make(thunkBlock, n.nthunks)
	}
	out := make([]Attr, 0, len(a.List)+len(st))
	i, j := 0, 0
	for i < len(a.List) && j < len(st) {
		switch c := strings.Compare(a.List[i].Name, st[j].name); {
		case c < 0:
			out = append(out, a.List[i])
			i++
		default:
			if c == 0 {
				i++
			}
			out = append(out, Attr{Name: st[j].name, Value: n.value(&st[j], from, &block, e), Pos: st[j].pos})
			j++
		}
	}
	out = append(out, a.List[i:]...)
	for ; j < len(st); j++ {
		out = append(out, Attr{Name: st[j].name, Value: n.value(&st[j], from, &block, e), Pos: st[j].pos})
	}
	return &Attrs{List: out}
}

type formalNode struct {
	name string
	def  node
	pos  token.Pos
}

type lambdaNode struct {
	pos        token.Pos
	name       string
	hasArg     bool
	argName    string
	hasFormals bool
	ellipsis   bool
	formals    []formalNode // sorted by name
	nslots     int
	body       node
}

func (n *lambdaNode) eval(ev *Evaluator, e *env) Value { return &Lambda{fn: n, env: e} }

type callNode struct {
	fn   node
	args []node
	pos  token.Pos
}

func (n *callNode) eval(ev *Evaluator, e *env) Value {
	f := n.fn.eval(ev, e)
	if len(n.args) == 1 {
		return ev.call(f, thunkOf(n.args[0], e), n.pos)
	}
	args := make([]Value, len(n.args))
	for i, a := range n.args {
		args[i] = thunkOf(a, e)
	}
	return ev.callN(f, args, n.pos)
}

type ifNode struct {
	cond, then, els node
	pos             token.Pos
}

func (n *ifNode) eval(ev *Evaluator, e *env) Value {
	c := n.cond.eval(ev, e)
	b, ok := c.(bool)
	if !ok {
		throwf(n.pos, "value is %s while a Boolean was expected", typeName(c))
	}
	if b {
		return n.then.eval(ev, e)
	}
	return n.els.eval(ev, e)
}

type assertNode struct {
	cond, body node
	pos        token.Pos
	src        ast.Expr
}

func (n *assertNode) eval(ev *Evaluator, e *env) Value {
	c := n.cond.eval(ev, e)
	b, ok := c.(bool)
	if !ok {
		throwf(n.pos, "value is %s while a Boolean was expected", typeName(c))
	}
	if !b {
		panic(&Error{Msg: "assertion '" + ast.Print(n.src) + "' failed", Pos: n.pos, kind: errAssert})
	}
	return n.body.eval(ev, e)
}

type notNode struct {
	x   node
	pos token.Pos
}

func (n *notNode) eval(ev *Evaluator, e *env) Value {
	v := n.x.eval(ev, e)
	b, ok := v.(bool)
	if !ok {
		throwf(n.pos, "value is %s while a Boolean was expected", typeName(v))
	}
	return !b
}

type curPosNode struct{ pos token.Pos }

func (n *curPosNode) eval(ev *Evaluator, e *env) Value { return ev.posAttrs(n.pos) }
