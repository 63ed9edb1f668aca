package eval

import (
	"fmt"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// NewAttrs returns a set of the given attributes (sorted; the first of
// two equal names wins).
func NewAttrs(l []Attr) *Attrs {
	a := newAttrs(append([]Attr(nil), l...))
	out := a.List[:0]
	for i, x := range a.List {
		if i > 0 && x.Name == a.List[i-1].Name {
			continue
		}
		out = append(out, x)
	}
	a.List = out
	return a
}

// ParseError turns a parser error into an *Error with its position.
func ParseError(err error) *Error { return parseErrorToEval(err) }

// LazyString parses src now and returns its value delayed (for --arg).
func (ev *Evaluator) LazyString(src, baseDir string) (Value, error) {
	e, err := ev.parse("«string»", []byte(src), baseDir)
	if err != nil {
		return nil, parseErrorToEval(err)
	}
	var n node
	if err := ev.catch(func() { n = ev.compileTop(e) }); err != nil {
		return nil, err
	}
	return newThunk(n, ev.baseEnv), nil
}

// AutoCall calls a function whose formals can be satisfied from args (as
// nix-instantiate does with --arg); other values are returned as they are.
func (ev *Evaluator) AutoCall(v Value, args *Attrs) (Value, error) {
	var out Value
	err := ev.catch(func() { out = ev.autoCall(v, args) })
	return out, err
}

func (ev *Evaluator) autoCall(v Value, args *Attrs) Value {
	if args == nil {
		args = &Attrs{}
	}
	v = ev.force(v, token.NoPos)
	if a, ok := v.(*Attrs); ok {
		if f, ok := a.Get("__functor"); ok {
			return ev.autoCall(ev.call(ev.force(f.Value, token.NoPos), a, token.NoPos), args)
		}
	}
	l, ok := v.(*Lambda)
	if !ok || !l.fn.hasFormals {
		return v
	}
	var list []Attr
	if l.fn.ellipsis {
		list = append(list, args.List...)
	} else {
		for _, f := range l.fn.formals {
			if a, ok := args.Get(f.name); ok {
				list = append(list, *a)
			} else if f.def == nil {
				throwf(f.pos, "cannot evaluate a function that has an argument without a value ('%s')\nNix attempted to evaluate a function as a top level expression; in\nthis case it must have its arguments supplied either by default\nvalues, or passed explicitly with '--arg' or '--argstr'. See\nhttps://nixos.org/manual/nix/stable/#ss-functions.", f.name)
			}
		}
	}
	return ev.call(l, NewAttrs(list), token.NoPos)
}

// SelectAttrPath follows an attribute path such as "a.b.0.c" (numbers
// index lists) from v, calling functions on the way with args, as
// nix-instantiate -A does. The empty path selects v itself.
func (ev *Evaluator) SelectAttrPath(v Value, path string, args *Attrs) (Value, error) {
	var out Value
	err := ev.catch(func() {
		out = ev.force(v, token.NoPos)
		if path == "" {
			return
		}
		for _, name := range splitAttrPath(path) {
			out = ev.force(ev.autoCall(out, args), token.NoPos)
			if idx, err := strconv.ParseUint(name, 10, 32); err == nil {
				l, ok := out.(*List)
				if !ok {
					panic(&Error{Msg: fmt.Sprintf("the expression selected by the selection path '%s' should be a list but is %s", path, typeName(out))})
				}
				if idx >= uint64(len(l.Elems)) {
					panic(&Error{Msg: fmt.Sprintf("list index %d in selection path '%s' is out of range", idx, path)})
				}
				out = ev.force(l.Elems[idx], token.NoPos)
				continue
			}
			a, ok := out.(*Attrs)
			if !ok {
				panic(&Error{Msg: fmt.Sprintf("the expression selected by the selection path '%s' should be a set but is %s", path, typeName(out))})
			}
			if name == "" {
				panic(&Error{Msg: fmt.Sprintf("empty attribute name in selection path '%s'", path)})
			}
			at, ok := a.Get(name)
			if !ok {
				panic(&Error{Msg: fmt.Sprintf("attribute '%s' in selection path '%s' not found%s", name, path, didYouMean(name, a.Names()))})
			}
			out = ev.force(at.Value, at.Pos)
		}
	})
	return out, err
}

// splitAttrPath splits "a.\"b.c\".d" into its names.
func splitAttrPath(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
		case c == '.' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}
