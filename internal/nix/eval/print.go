package eval

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/nix/parser"
	"cairn.dev/cairn/internal/nix/token"
)

// Print renders v as `nix-instantiate --eval` does. Values not yet
// evaluated print as <CODE> (Nix 2.8's spelling); a list or set met again
// inside itself, or a value cell printed before, prints as «repeated».
func (ev *Evaluator) Print(v Value) string { return ev.printValue(v, true) }

func (ev *Evaluator) printValue(v Value, top bool) string {
	var b strings.Builder
	p := printer{b: &b, seen: map[any]bool{}}
	p.print(v)
	return b.String()
}

// printTrace renders v for builtins.trace: as Print, with values not yet
// evaluated shown as «thunk».
func (ev *Evaluator) printTrace(v Value) string {
	var b strings.Builder
	p := printer{b: &b, seen: map[any]bool{}, thunk: "«thunk»"}
	p.print(v)
	return b.String()
}

type printer struct {
	b     *strings.Builder
	seen  map[any]bool
	thunk string // how an unevaluated value prints; "<CODE>" by default
}

// identity is the cell that Nix's printer tracks for v.
func identity(v Value) any {
	switch x := v.(type) {
	case *Thunk:
		return x
	case *Attrs:
		return x
	case *List:
		return x
	}
	return nil
}

func (p *printer) print(v Value) {
	if t, ok := v.(*Thunk); ok {
		if !t.done() {
			if p.thunk != "" {
				p.b.WriteString(p.thunk)
			} else {
				p.b.WriteString("<CODE>")
			}
			return
		}
		v = t.x
	}
	switch x := v.(type) {
	case int64:
		p.b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		p.b.WriteString(formatFloat(x))
	case bool:
		if x {
			p.b.WriteString("true")
		} else {
			p.b.WriteString("false")
		}
	case nil:
		p.b.WriteString("null")
	case *String:
		p.b.WriteString(quoteString(x.S))
	case Path:
		p.b.WriteString(string(x))
	case *Attrs:
		p.seen[x] = true
		p.b.WriteString("{ ")
		for _, a := range x.List {
			p.b.WriteString(quoteAttrName(a.Name))
			p.b.WriteString(" = ")
			p.child(a.Value)
			p.b.WriteString("; ")
		}
		p.b.WriteString("}")
	case *List:
		p.b.WriteString("[ ")
		for _, e := range x.Elems {
			p.child(e)
			p.b.WriteString(" ")
		}
		p.b.WriteString("]")
	case *Lambda:
		p.b.WriteString("<LAMBDA>")
	case *Primop:
		p.b.WriteString("<PRIMOP>")
	case *PrimopApp:
		p.b.WriteString("<PRIMOP-APP>")
	default:
		p.b.WriteString("<UNKNOWN>")
	}
}

// child prints an element of a list or set, marking repeats as Nix 2.8
// does: a set is «repeated» when the same set (the same *Attrs, however it
// was reached) was printed before; a list when the same value cell (its
// thunk, or the list itself when it has none) was.
func (p *printer) child(v Value) {
	fv := v
	if t, ok := v.(*Thunk); ok && t.done() {
		fv = t.x
	}
	switch x := fv.(type) {
	case *Attrs:
		if p.seen[x] {
			p.b.WriteString("«repeated»")
			return
		}
	case *List:
		id := identity(v)
		if p.seen[id] {
			p.b.WriteString("«repeated»")
			return
		}
		p.seen[id] = true
	}
	p.print(v)
}

// formatFloat prints a float as C++'s ostream does by default (%g with
// six significant digits).
func formatFloat(f float64) string { return cFloat(f) }

// quoteString quotes s as a Nix string literal.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
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
				b.WriteString(`\$`)
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// quoteAttrName prints an attribute name bare when it is an identifier.
func quoteAttrName(s string) string {
	if isIdent(s) {
		return s
	}
	return quoteString(s)
}

func isIdent(s string) bool {
	if s == "" || s == "if" {
		// Nix 2.8 quotes "if" (and no other keyword).
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '\'' || c == '-') {
			return false
		}
	}
	return true
}

// parseErrorToEval turns a parser error into an evaluation error.
func parseErrorToEval(err error) *Error {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return &Error{Msg: list[0].Msg, Where: list[0].Pos}
	}
	return &Error{Msg: err.Error()}
}

var (
	_ = fs.ReadFile
	_ token.Pos
)
