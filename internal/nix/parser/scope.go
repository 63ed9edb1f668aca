package parser

import (
	"cairn.dev/cairn/internal/nix/ast"
)

// scope is one static environment while checking variables: the names a
// let, rec set or lambda binds, or a `with` (which may bind anything).
type scope struct {
	up    *scope
	with  bool
	names []string
	set   map[string]struct{}
}

const scopeMapThreshold = 12

func newScope(up *scope, n int) *scope {
	s := &scope{up: up}
	if n >= scopeMapThreshold {
		s.set = make(map[string]struct{}, n)
	} else {
		s.names = make([]string, 0, n)
	}
	return s
}

func (s *scope) add(name string) {
	if s.set != nil {
		s.set[name] = struct{}{}
	} else {
		s.names = append(s.names, name)
	}
}

func (s *scope) has(name string) bool {
	if s.set != nil {
		_, ok := s.set[name]
		return ok
	}
	for _, n := range s.names {
		if n == name {
			return true
		}
	}
	return false
}

// checkVars reports the first variable bound nowhere, visiting the tree in
// the order of Nix's bindVars so that the same variable is reported.
func checkVars(p *parser, e ast.Expr) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			err = p.errs
		}
	}()
	c := &checker{p: p, globals: p.cfg.Globals}
	c.expr(e, nil)
	return nil
}

type checker struct {
	p       *parser
	globals func(string) bool
}

func (c *checker) variable(v *ast.Var, sc *scope) {
	for s := sc; s != nil; s = s.up {
		if s.with || s.has(v.Name) {
			return
		}
	}
	if c.globals(v.Name) {
		return
	}
	c.p.errorAtPos(v.NamePos, "undefined variable '"+ast.Identifier(v.Name)+"'")
}

// attrs checks the bindings of an attribute set or let; inner is the scope
// of rec bindings (nil for a plain set), outer the enclosing one.
func (c *checker) attrs(a *ast.Attrs, inner, outer *scope) {
	own := outer
	if inner != nil {
		own = inner
	}
	for _, from := range a.InheritFrom {
		c.expr(from, own)
	}
	for _, d := range a.Attrs {
		switch d.Kind {
		case ast.Plain:
			c.expr(d.Value, own)
		case ast.Inherited:
			c.expr(d.Value, outer)
		}
	}
	for _, d := range a.Dynamic {
		c.expr(d.Name, own)
		c.expr(d.Value, own)
	}
}

func (c *checker) path(path []ast.AttrName, sc *scope) {
	for _, a := range path {
		if a.Expr != nil {
			c.expr(a.Expr, sc)
		}
	}
}

func (c *checker) expr(e ast.Expr, sc *scope) {
	switch e := e.(type) {
	case *ast.Var:
		c.variable(e, sc)
	case *ast.Select:
		c.expr(e.X, sc)
		if e.Default != nil {
			c.expr(e.Default, sc)
		}
		c.path(e.Path, sc)
	case *ast.HasAttr:
		c.expr(e.X, sc)
		c.path(e.Path, sc)
	case *ast.Attrs:
		if e.Rec {
			inner := newScope(sc, len(e.Attrs))
			for _, d := range e.Attrs {
				inner.add(d.Name)
			}
			c.attrs(e, inner, sc)
		} else {
			c.attrs(e, nil, sc)
		}
	case *ast.List:
		for _, x := range e.Elems {
			c.expr(x, sc)
		}
	case *ast.Lambda:
		n := 0
		if e.Formals != nil {
			n = len(e.Formals.List)
		}
		inner := newScope(sc, n+1)
		if e.Arg != "" {
			inner.add(e.Arg)
		}
		if e.Formals != nil {
			for _, f := range e.Formals.List {
				inner.add(f.Name)
			}
			for _, f := range e.Formals.List {
				if f.Default != nil {
					c.expr(f.Default, inner)
				}
			}
		}
		c.expr(e.Body, inner)
	case *ast.Call:
		c.expr(e.Fn, sc)
		for _, x := range e.Args {
			c.expr(x, sc)
		}
	case *ast.Let:
		inner := newScope(sc, len(e.Bindings.Attrs))
		for _, d := range e.Bindings.Attrs {
			inner.add(d.Name)
		}
		c.attrs(e.Bindings, inner, sc)
		c.expr(e.Body, inner)
	case *ast.With:
		c.expr(e.Attrs, sc)
		c.expr(e.Body, &scope{up: sc, with: true})
	case *ast.If:
		c.expr(e.Cond, sc)
		c.expr(e.Then, sc)
		c.expr(e.Else, sc)
	case *ast.Assert:
		c.expr(e.Cond, sc)
		c.expr(e.Body, sc)
	case *ast.Not:
		c.expr(e.X, sc)
	case *ast.Neg:
		c.expr(e.X, sc)
	case *ast.Binary:
		// `a <= b` and `a > b` are `__lessThan b a` to Nix.
		if e.Op == ast.OpLeq || e.Op == ast.OpGreater {
			c.expr(e.Y, sc)
			c.expr(e.X, sc)
		} else {
			c.expr(e.X, sc)
			c.expr(e.Y, sc)
		}
	case *ast.Interp:
		for _, x := range e.Parts {
			c.expr(x, sc)
		}
	}
}
