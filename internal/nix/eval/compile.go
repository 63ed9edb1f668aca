package eval

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/token"
)

// The compiler turns the syntax tree into a tree of nodes whose variables
// are resolved ahead of evaluation: a static variable becomes a (level,
// index) pair into the chain of environments, a variable that only a
// `with` can provide becomes a list of the levels of the enclosing withs.
// An undefined variable is reported before anything is evaluated, as Nix
// does.

// scope is the compile-time image of an env, or of part of one: the
// bindings of a `let` that is the body of a lambda or of another let
// live in the same env as the enclosing bindings (shared), after them,
// so that a call needs one env rather than one per level.
type scope struct {
	up    *scope
	names map[string]int
	with  bool // a `with` scope: one slot holding the attribute set
	// shared: the slots are in the env of up (at the same level).
	shared bool
	// frame counts the slots of the env this scope's slots are in (nil
	// for scopes whose env size is fixed: with scopes, rec sets).
	frame *frame
}

// frame is the slot count of an env being compiled.
type frame struct{ n int }

func (s *scope) lookup(name string) (level, idx int, withs []int, ok bool) {
	lvl := 0
	for sc := s; sc != nil; sc = sc.up {
		if sc.with {
			withs = append(withs, lvl)
		} else if i, found := sc.names[name]; found {
			return lvl, i, withs, true
		}
		if !sc.shared {
			lvl++
		}
	}
	return 0, 0, withs, false
}

type compiler struct {
	ev *Evaluator
}

// slab hands out values of T carved from larger allocations: compiled
// nodes live as long as the evaluator, and a file compiles to many small
// ones.
type slab[T any] struct{ buf []T }

func (s *slab[T]) new() *T {
	if len(s.buf) == 0 {
		s.buf = make([]T, 128)
	}
	p := &s.buf[0]
	s.buf = s.buf[1:]
	return p
}

// slice returns n zero values (with no room to grow in place).
func (s *slab[T]) slice(n int) []T {
	if n == 0 {
		return nil
	}
	if n > 32 {
		return make([]T, n)
	}
	if len(s.buf) < n {
		s.buf = make([]T, 512)
	}
	out := s.buf[:n:n]
	s.buf = s.buf[n:]
	return out
}

// nodeSlabs are the evaluator's slabs of the commonest nodes.
type nodeSlabs struct {
	calls   slab[callNode]
	vars    slab[varNode]
	consts  slab[constNode]
	attrs   slab[attrsNode]
	lists   slab[listNode]
	selects slab[selectNode]
	nodes   slab[node]
	statics slab[staticAttr]
	names   slab[attrName]
}

// compileError is a compile-time error such as an undefined variable.
func compileErrorf(pos token.Pos, format string, args ...any) {
	panic(&Error{Msg: fmt.Sprintf(format, args...), Pos: pos})
}

func (c *compiler) compile(e ast.Expr, sc *scope) node {
	switch e := e.(type) {
	case *ast.Int:
		n := c.ev.slabs.consts.new()
		n.v = e.Value
		return n
	case *ast.Float:
		return &constNode{v: e.Value}
	case *ast.String:
		n := c.ev.slabs.consts.new()
		n.v = mkString(e.Value)
		return n
	case *ast.Path:
		return &constNode{v: Path(e.Value)}
	case *ast.Var:
		return c.compileVar(e.Name, e.NamePos, sc)
	case *ast.Select:
		n := c.ev.slabs.selects.new()
		*n = selectNode{x: c.compile(e.X, sc), path: c.compileAttrPath(e.Path, sc), pos: e.Pos()}
		if e.Default != nil {
			n.def = c.compile(e.Default, sc)
		}
		return n
	case *ast.HasAttr:
		return &hasAttrNode{x: c.compile(e.X, sc), path: c.compileAttrPath(e.Path, sc), pos: e.Pos()}
	case *ast.Attrs:
		return c.compileAttrs(e, sc)
	case *ast.List:
		n := c.ev.slabs.lists.new()
		n.elems = c.ev.slabs.nodes.slice(len(e.Elems))
		for i, x := range e.Elems {
			n.elems[i] = c.compile(x, sc)
			if needsThunk(n.elems[i], -1) {
				n.nthunks++
			}
		}
		return n
	case *ast.Lambda:
		return c.compileLambda(e, sc, "")
	case *ast.Call:
		n := c.ev.slabs.calls.new()
		*n = callNode{fn: c.compile(e.Fn, sc), args: c.ev.slabs.nodes.slice(len(e.Args)), pos: e.Pos()}
		for i, a := range e.Args {
			n.args[i] = c.compile(a, sc)
		}
		return n
	case *ast.Let:
		return c.compileLet(e, sc)
	case *ast.With:
		attrs := c.compile(e.Attrs, sc)
		inner := &scope{up: sc, with: true}
		return &withNode{attrs: attrs, body: c.compile(e.Body, inner), pos: e.WithPos}
	case *ast.If:
		return &ifNode{cond: c.compile(e.Cond, sc), then: c.compile(e.Then, sc), els: c.compile(e.Else, sc), pos: e.Cond.Pos()}
	case *ast.Assert:
		return &assertNode{cond: c.compile(e.Cond, sc), body: c.compile(e.Body, sc), pos: e.AssertPos, src: e.Cond}
	case *ast.Not:
		return &notNode{x: c.compile(e.X, sc), pos: e.X.Pos()}
	case *ast.Neg:
		return &binaryNode{op: ast.OpSub, x: &constNode{v: int64(0)}, y: c.compile(e.X, sc), pos: e.OpPos}
	case *ast.Binary:
		if y, ok := e.Y.(*ast.Attrs); ok && e.Op == ast.OpUpdate && !y.Rec && len(y.Dynamic) == 0 {
			lit := c.compileBindings(y, sc, nil, 0)
			return &updateLitNode{x: c.compile(e.X, sc), lit: lit, nthunks: countThunks(lit), pos: e.OpPos}
		}
		return &binaryNode{op: e.Op, x: c.compile(e.X, sc), y: c.compile(e.Y, sc), pos: e.OpPos}
	case *ast.Interp:
		n := &interpNode{parts: make([]node, len(e.Parts)), isPath: e.IsPath, pos: e.StartPos}
		for i, p := range e.Parts {
			n.parts[i] = c.compile(p, sc)
		}
		return n
	case *ast.CurPos:
		return &curPosNode{pos: e.At}
	}
	compileErrorf(e.Pos(), "cannot compile %T", e)
	return nil
}

func (c *compiler) compileVar(name string, pos token.Pos, sc *scope) node {
	level, idx, withs, ok := sc.lookup(name)
	if ok {
		n := c.ev.slabs.vars.new()
		*n = varNode{level: int32(level), idx: int32(idx), name: name, pos: pos}
		return n
	}
	if len(withs) > 0 {
		return &withVarNode{name: name, withs: withs, pos: pos}
	}
	compileErrorf(pos, "undefined variable '%s'", name)
	return nil
}

func (c *compiler) compileAttrPath(path []ast.AttrName, sc *scope) []attrName {
	out := c.ev.slabs.names.slice(len(path))
	for i, p := range path {
		out[i] = attrName{name: p.Name, pos: p.NamePos}
		if p.Expr != nil {
			out[i].expr = c.compile(p.Expr, sc)
		}
	}
	return out
}

// compileBindings compiles the attributes of a set or let. rec tells
// whether values see the bindings (rec sets and lets); inner is then the
// scope of the new env.
func (c *compiler) compileBindings(e *ast.Attrs, outer, inner *scope, base int) *attrsNode {
	n := c.ev.slabs.attrs.new()
	*n = attrsNode{rec: inner != nil, pos: e.Lbrace, overridesIdx: -1, base: base}
	valScope := outer
	if inner != nil {
		valScope = inner
	}
	defs := e.Attrs
	byName := func(a, b *ast.AttrDef) int { return strings.Compare(a.Name, b.Name) }
	if !slices.IsSortedFunc(defs, byName) {
		defs = slices.Clone(defs)
		slices.SortStableFunc(defs, byName)
	}
	n.static = c.ev.slabs.statics.slice(len(defs))[:0]
	if inner != nil {
		for i, d := range defs {
			inner.names[d.Name] = base + i
		}
		for i := range e.InheritFrom {
			// Hidden slots after the named ones; the names cannot clash
			// with Nix identifiers.
			inner.names[fmt.Sprintf(" inherit-from %d", i)] = base + len(defs) + i
		}
		n.nslots = len(defs) + len(e.InheritFrom)
	}
	for _, x := range e.InheritFrom {
		n.inheritFrom = append(n.inheritFrom, c.compile(x, valScope))
	}
	for _, d := range defs {
		sa := staticAttr{name: d.Name, pos: d.NamePos}
		switch d.Kind {
		case ast.Plain:
			if l, ok := d.Value.(*ast.Lambda); ok {
				sa.val = c.compileLambda(l, valScope, d.Name)
			} else {
				sa.val = c.compile(d.Value, valScope)
			}
		case ast.Inherited:
			// `inherit x;` takes x from the enclosing scope, never from
			// the set itself.
			sa.val = c.compileVar(d.Name, d.NamePos, outer)
			sa.outer = true
		case ast.InheritedFrom:
			sa.fromIdx = int32(d.From)
			sa.inheritFrom = true
		}
		if sa.name == "__overrides" && inner != nil && e.Rec {
			n.overridesIdx = len(n.static)
		}
		n.static = append(n.static, sa)
	}
	for _, d := range e.Dynamic {
		n.dynamic = append(n.dynamic, dynamicAttr{name: c.compile(d.Name, valScope), val: c.compile(d.Value, valScope), pos: d.NamePos})
	}
	n.nthunks = countThunks(n)
	return n
}

// countThunks counts the thunks that binding the static attributes of n
// makes (as bind decides with thunkOf and thunkOfRec), so that they can
// be allocated together.
func countThunks(n *attrsNode) int {
	k := 0
	for i := range n.static {
		sa := &n.static[i]
		if sa.inheritFrom {
			continue // an inheritSelectNode thunk, made apart
		}
		filled := -1
		if n.rec && !sa.outer {
			filled = n.base + i
			if n.overridesIdx >= 0 {
				filled = 0
			}
		}
		if needsThunk(sa.val, filled) {
			k++
		}
	}
	return k
}

// needsThunk tells whether thunkOf (filled < 0) or thunkOfRec (filled
// slots) makes a thunk for x.
func needsThunk(x node, filled int) bool {
	switch v := x.(type) {
	case *constNode:
		return false
	case *varNode:
		return filled >= 0 && v.level == 0 && int(v.idx) >= filled
	}
	return true
}

func (c *compiler) compileAttrs(e *ast.Attrs, sc *scope) node {
	if e.Rec {
		inner := &scope{up: sc, names: map[string]int{}}
		return c.compileBindings(e, sc, inner, 0)
	}
	return c.compileBindings(e, sc, nil, 0)
}

func (c *compiler) compileLet(e *ast.Let, sc *scope) node {
	fr := &frame{}
	inner := &scope{up: sc, names: map[string]int{}, frame: fr}
	b := c.compileBindings(e.Bindings, sc, inner, 0)
	fr.n = b.nslots
	n := &letNode{b: b, body: c.compileBody(e.Body, inner)}
	b.nslots = fr.n
	return n
}

// compileBody compiles the body of a lambda or let whose scope is sc: a
// let there puts its bindings in sc's env (it is evaluated at most once
// per env), unless it uses `__overrides`.
func (c *compiler) compileBody(e ast.Expr, sc *scope) node {
	l, ok := e.(*ast.Let)
	if !ok || sc.frame == nil || len(l.Bindings.Dynamic) > 0 {
		return c.compile(e, sc)
	}
	for _, d := range l.Bindings.Attrs {
		if d.Name == "__overrides" {
			return c.compile(e, sc)
		}
	}
	inner := &scope{up: sc, names: map[string]int{}, shared: true, frame: sc.frame}
	base := sc.frame.n
	b := c.compileBindings(l.Bindings, sc, inner, base)
	b.inPlace = true
	sc.frame.n = base + b.nslots
	return &letNode{b: b, body: c.compileBody(l.Body, inner)}
}

func (c *compiler) compileLambda(e *ast.Lambda, sc *scope, name string) *lambdaNode {
	n := &lambdaNode{pos: e.FuncPos, name: name}
	fr := &frame{}
	inner := &scope{up: sc, names: map[string]int{}, frame: fr}
	if e.Arg != "" {
		n.hasArg = true
		inner.names[e.Arg] = 0
		n.argName = e.Arg
	}
	if e.Formals != nil {
		n.hasFormals = true
		n.ellipsis = e.Formals.Ellipsis
		base := 0
		if n.hasArg {
			base = 1
		}
		// Formals are matched in name order, as Nix does.
		fs := append([]*ast.Formal(nil), e.Formals.List...)
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
		for i, f := range fs {
			inner.names[f.Name] = base + i
		}
		for _, f := range fs {
			fn := formalNode{name: f.Name, pos: f.NamePos}
			if f.Default != nil {
				fn.def = c.compile(f.Default, inner)
			}
			n.formals = append(n.formals, fn)
		}
	}
	fr.n = len(inner.names)
	n.body = c.compileBody(e.Body, inner)
	n.nslots = fr.n
	return n
}
