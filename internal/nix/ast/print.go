package ast

import (
	"sort"
	"strconv"
	"strings"
)

// Print returns e in the format of `nix-instantiate --parse` (of the Nix
// whose language test suite the project follows): every compound
// expression parenthesised, arithmetic and comparisons as the calls Nix
// desugars them into (`(__sub a b)`, `(! (__lessThan b a))`), attributes
// sorted by name with inherits first, formals sorted by name.
func Print(e Expr) string {
	var p printer
	p.expr(e)
	return p.b.String()
}

type printer struct {
	b strings.Builder
}

func (p *printer) str(s string) { p.b.WriteString(s) }

// Identifier returns name as Nix prints an attribute or variable name:
// bare when it is an identifier (and no keyword), quoted otherwise.
func Identifier(name string) string {
	if isPlainIdentifier(name) {
		return name
	}
	if isKeyword(name) {
		return `"` + name + `"`
	}
	return Quote(name)
}

func isKeyword(s string) bool {
	switch s {
	case "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit":
		return true
	}
	return false
}

func isPlainIdentifier(s string) bool {
	if s == "" || isKeyword(s) {
		return false
	}
	c := s[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '\'' || c == '-') {
			return false
		}
	}
	return true
}

// Quote returns s as a Nix string literal, escaping `"`, `\`, newline,
// carriage return, tab and `${`.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	quoteTo(&b, s)
	return b.String()
}

func quoteTo(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '$':
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// FormatFloat formats f as Nix prints floats (C++ stream default: %g
// with six significant digits).
func FormatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func (p *printer) attrPath(path []AttrName) {
	for i, a := range path {
		if i > 0 {
			p.b.WriteByte('.')
		}
		if a.Expr != nil {
			p.str("\"${")
			p.expr(a.Expr)
			p.str("}\"")
		} else {
			p.str(Identifier(a.Name))
		}
	}
}

// bindings prints the attributes of a set or let: inherits first (plain,
// then each `inherit (e)` in source order), then the others, each group
// sorted by name, then dynamic attributes in source order.
func (p *printer) bindings(a *Attrs) {
	sorted := make([]*AttrDef, len(a.Attrs))
	copy(sorted, a.Attrs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	inherits := false
	var from map[int][]string
	for _, d := range sorted {
		switch d.Kind {
		case Inherited:
			if !inherits {
				p.str("inherit")
				inherits = true
			}
			p.str(" ")
			p.str(Identifier(d.Name))
		case InheritedFrom:
			if from == nil {
				from = make(map[int][]string)
			}
			from[d.From] = append(from[d.From], d.Name)
		}
	}
	if inherits {
		p.str("; ")
	}
	if from != nil {
		keys := make([]int, 0, len(from))
		for k := range from {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		for _, k := range keys {
			p.str("inherit (")
			if k >= 0 && k < len(a.InheritFrom) {
				p.expr(a.InheritFrom[k])
			}
			p.str(")")
			for _, n := range from[k] {
				p.str(" ")
				p.str(Identifier(n))
			}
			p.str("; ")
		}
	}
	for _, d := range sorted {
		if d.Kind == Plain {
			p.str(Identifier(d.Name))
			p.str(" = ")
			p.expr(d.Value)
			p.str("; ")
		}
	}
	for _, d := range a.Dynamic {
		p.str("\"${")
		p.expr(d.Name)
		p.str("}\" = ")
		p.expr(d.Value)
		p.str("; ")
	}
}

// callHead returns the function and leading arguments that Nix's own tree
// has for e when e is one of the calls Nix desugars an operator into, so
// that applying it (`(a - b) c`) prints as one call, as in Nix.
func callHead(e Expr) (fn string, args []Expr, ok bool) {
	switch e := e.(type) {
	case *Neg:
		return "__sub", []Expr{&Int{Value: 0}, e.X}, true
	case *Binary:
		switch e.Op {
		case OpSub:
			return "__sub", []Expr{e.X, e.Y}, true
		case OpMul:
			return "__mul", []Expr{e.X, e.Y}, true
		case OpDiv:
			return "__div", []Expr{e.X, e.Y}, true
		case OpLess:
			return "__lessThan", []Expr{e.X, e.Y}, true
		case OpGreater:
			return "__lessThan", []Expr{e.Y, e.X}, true
		}
	}
	return "", nil, false
}

func (p *printer) call(fn string, args []Expr) {
	p.str("(")
	p.str(fn)
	for _, a := range args {
		p.str(" ")
		p.expr(a)
	}
	p.str(")")
}

func (p *printer) expr(e Expr) {
	switch e := e.(type) {
	case *Int:
		p.str(strconv.FormatInt(e.Value, 10))
	case *Float:
		p.str(FormatFloat(e.Value))
	case *String:
		quoteTo(&p.b, e.Value)
	case *Path:
		p.str(e.Value)
	case *Var:
		p.str(Identifier(e.Name))
	case *Select:
		p.str("(")
		p.expr(e.X)
		p.str(").")
		p.attrPath(e.Path)
		if e.Default != nil {
			p.str(" or (")
			p.expr(e.Default)
			p.str(")")
		}
	case *HasAttr:
		p.str("((")
		p.expr(e.X)
		p.str(") ? ")
		p.attrPath(e.Path)
		p.str(")")
	case *Attrs:
		if e.Rec {
			p.str("rec ")
		}
		p.str("{ ")
		p.bindings(e)
		p.str("}")
	case *List:
		p.str("[ ")
		for _, x := range e.Elems {
			p.str("(")
			p.expr(x)
			p.str(") ")
		}
		p.str("]")
	case *Lambda:
		p.str("(")
		if e.Formals != nil {
			p.str("{ ")
			list := make([]*Formal, len(e.Formals.List))
			copy(list, e.Formals.List)
			sort.SliceStable(list, func(i, j int) bool { return list[i].Name < list[j].Name })
			for i, f := range list {
				if i > 0 {
					p.str(", ")
				}
				p.str(Identifier(f.Name))
				if f.Default != nil {
					p.str(" ? ")
					p.expr(f.Default)
				}
			}
			if e.Formals.Ellipsis {
				if len(list) > 0 {
					p.str(", ")
				}
				p.str("...")
			}
			p.str(" }")
			if e.Arg != "" {
				p.str(" @ ")
			}
		}
		if e.Arg != "" {
			p.str(Identifier(e.Arg))
		}
		p.str(": ")
		p.expr(e.Body)
		p.str(")")
	case *Call:
		if fn, args, ok := callHead(e.Fn); ok {
			p.call(fn, append(args, e.Args...))
			return
		}
		p.str("(")
		p.expr(e.Fn)
		for _, a := range e.Args {
			p.str(" ")
			p.expr(a)
		}
		p.str(")")
	case *Let:
		p.str("(let ")
		p.bindings(e.Bindings)
		p.str("in ")
		p.expr(e.Body)
		p.str(")")
	case *With:
		p.str("(with ")
		p.expr(e.Attrs)
		p.str("; ")
		p.expr(e.Body)
		p.str(")")
	case *If:
		p.str("(if ")
		p.expr(e.Cond)
		p.str(" then ")
		p.expr(e.Then)
		p.str(" else ")
		p.expr(e.Else)
		p.str(")")
	case *Assert:
		p.str("assert ")
		p.expr(e.Cond)
		p.str("; ")
		p.expr(e.Body)
	case *Not:
		p.str("(! ")
		p.expr(e.X)
		p.str(")")
	case *Neg:
		p.call("__sub", []Expr{&Int{Value: 0}, e.X})
	case *Binary:
		if fn, args, ok := callHead(e); ok {
			p.call(fn, args)
			return
		}
		switch e.Op {
		case OpLeq:
			p.str("(! ")
			p.call("__lessThan", []Expr{e.Y, e.X})
			p.str(")")
		case OpGeq:
			p.str("(! ")
			p.call("__lessThan", []Expr{e.X, e.Y})
			p.str(")")
		case OpPipeFrom: // `f <| x` is `f x`
			p.str("(")
			p.expr(e.X)
			p.str(" ")
			p.expr(e.Y)
			p.str(")")
		case OpPipeInto: // `x |> f` is `f x`
			p.str("(")
			p.expr(e.Y)
			p.str(" ")
			p.expr(e.X)
			p.str(")")
		default:
			p.str("(")
			p.expr(e.X)
			p.str(" ")
			p.str(e.Op.String())
			p.str(" ")
			p.expr(e.Y)
			p.str(")")
		}
	case *Interp:
		p.str("(")
		for i, x := range e.Parts {
			if i > 0 {
				p.str(" + ")
			}
			p.expr(x)
		}
		p.str(")")
	case *CurPos:
		p.str("__curPos")
	case nil:
		p.str("«nil»")
	}
}
