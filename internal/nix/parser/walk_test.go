package parser

import "cairn.dev/cairn/internal/nix/ast"

// walk calls f for e and every expression below it, parents first.
func walk(e ast.Expr, f func(ast.Expr)) {
	if e == nil {
		return
	}
	f(e)
	path := func(p []ast.AttrName) {
		for _, a := range p {
			walk(a.Expr, f)
		}
	}
	attrs := func(a *ast.Attrs) {
		for _, x := range a.InheritFrom {
			walk(x, f)
		}
		for _, d := range a.Attrs {
			walk(d.Value, f)
		}
		for _, d := range a.Dynamic {
			walk(d.Name, f)
			walk(d.Value, f)
		}
	}
	switch e := e.(type) {
	case *ast.Select:
		walk(e.X, f)
		path(e.Path)
		walk(e.Default, f)
	case *ast.HasAttr:
		walk(e.X, f)
		path(e.Path)
	case *ast.Attrs:
		attrs(e)
	case *ast.List:
		for _, x := range e.Elems {
			walk(x, f)
		}
	case *ast.Lambda:
		if e.Formals != nil {
			for _, x := range e.Formals.List {
				walk(x.Default, f)
			}
		}
		walk(e.Body, f)
	case *ast.Call:
		walk(e.Fn, f)
		for _, x := range e.Args {
			walk(x, f)
		}
	case *ast.Let:
		attrs(e.Bindings)
		walk(e.Body, f)
	case *ast.With:
		walk(e.Attrs, f)
		walk(e.Body, f)
	case *ast.If:
		walk(e.Cond, f)
		walk(e.Then, f)
		walk(e.Else, f)
	case *ast.Assert:
		walk(e.Cond, f)
		walk(e.Body, f)
	case *ast.Not:
		walk(e.X, f)
	case *ast.Neg:
		walk(e.X, f)
	case *ast.Binary:
		walk(e.X, f)
		walk(e.Y, f)
	case *ast.Interp:
		for _, x := range e.Parts {
			walk(x, f)
		}
	}
}
