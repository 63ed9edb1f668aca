package eval

import (
	"fmt"
	"sort"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/token"
)

// The compiler turns the syntax tree into a tree of nodes whose variables
// are resolved ahead of evaluation: a static variable becomes a (level,
// index) pair into the chain of environments, a variable that only a
// `with` can provide becomes a list of the levels of the enclosing withs.
// An undefined variable is reported before anything is evaluated, as Nix
// does.

// scope is the compile-time image of an env.
type scope struct {
	up    *scope
	names map[string]int
	with  bool // a `with` scope: one slot holding the attribute set
}

func (s *scope) lookup(name string) (level, idx int, withs []int, ok bool) {
	lvl := 0
	for sc := s; sc != nil; sc = sc.up {
		if sc.with {
			withs = append(withs, lvl)
		} else if i, found := sc.names[name]; found {
			return lvl, i, withs, true
		}
		lvl++
	}
	return 0, 0, withs, false
}

type compiler struct {
	ev *Evaluator
}

// compileError is a compile-time error such as an undefined variable.
func compileErrorf(pos token.Pos, format string, args ...any) {
	panic(&Error{Msg: fmt.Sprintf(format, args...), Pos: pos})
}

func (c *compiler) compile(e ast.Expr, sc *scope) node {
	switch e := e.(type) {
	case *ast.Int:
		return &constNode{v: e.Value}
	case *ast.Float:
		return &constNode{v: e.Value}
	case *ast.String:
		return &constNode{v: mkString(e.Value)}
	case *ast.Path:
		return &constNode{v: Path(e.Value)}
	case *ast.Var:
		return c.compileVar(e.Name, e.NamePos, sc)
	case *ast.Select:
		n := &selectNode{x: c.compile(e.X, sc), path: c.compileAttrPath(e.Path, sc), pos: e.Pos()}
		if e.Default != nil {
			n.def = c.compile(e.Default, sc)
		}
		return n
	case *ast.HasAttr:
		return &hasAttrNode{x: c.compile(e.X, sc), path: c.compileAttrPath(e.Path, sc), pos: e.Pos()}
	case *ast.Attrs:
		return c.compileAttrs(e, sc)
	case *ast.List:
		n := &listNode{elems: make([]node, len(e.Elems))}
		for i, x := range e.Elems {
			n.elems[i] = c.compile(x, sc)
		}
		return n
	case *ast.Lambda:
		return c.compileLambda(e, sc, "")
	case *ast.Call:
		n := &callNode{fn: c.compile(e.Fn, sc), args: make([]node, len(e.Args)), pos: e.Pos()}
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
		return &varNode{level: level, idx: idx, name: name, pos: pos}
	}
	if len(withs) > 0 {
		return &withVarNode{name: name, withs: withs, pos: pos}
	}
	compileErrorf(pos, "undefined variable '%s'", name)
	return nil
}

func (c *compiler) compileAttrPath(path []ast.AttrName, sc *scope) []attrName {
	out := make([]attrName, len(path))
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
func (c *compiler) compileBindings(e *ast.Attrs, outer, inner *scope) *attrsNode {
	n := &attrsNode{rec: inner != nil, pos: e.Lbrace, overridesIdx: -1}
	valScope := outer
	if inner != nil {
		valScope = inner
	}
	defs := append([]*ast.AttrDef(nil), e.Attrs...)
	sort.SliceStable(defs, func(i, j int) bool { return defs[i].Name < defs[j].Name })
	if inner != nil {
		for i, d := range defs {
			inner.names[d.Name] = i
		}
		for i := range e.InheritFrom {
			// Hidden slots after the named ones; the names cannot clash
			// with Nix identifiers.
			inner.names[fmt.Sprintf(" inherit-from %d", i)] = len(defs) + i
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
			sa.fromIdx = d.From
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
	return n
}

func (c *compiler) compileAttrs(e *ast.Attrs, sc *scope) node {
	if e.Rec {
		inner := &scope{up: sc, names: map[string]int{}}
		return c.compileBindings(e, sc, inner)
	}
	return c.compileBindings(e, sc, nil)
}

func (c *compiler) compileLet(e *ast.Let, sc *scope) node {
	inner := &scope{up: sc, names: map[string]int{}}
	b := c.compileBindings(e.Bindings, sc, inner)
	return &letNode{b: b, body: c.compile(e.Body, inner)}
}

func (c *compiler) compileLambda(e *ast.Lambda, sc *scope, name string) *lambdaNode {
	n := &lambdaNode{pos: e.FuncPos, name: name}
	inner := &scope{up: sc, names: map[string]int{}}
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
	n.nslots = len(inner.names)
	n.body = c.compile(e.Body, inner)
	return n
}
