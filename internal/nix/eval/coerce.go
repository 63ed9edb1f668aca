package eval

import (
	"context"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// coerceOpts selects how values become strings.
type coerceOpts struct {
	// coerceMore also turns integers, floats, Booleans, null and lists into
	// strings (builtins.toString, interpolation into builder arguments).
	coerceMore bool
	// copyToStore copies path values into the store and returns their store
	// path (string interpolation); otherwise a path is its own text.
	copyToStore bool
}

// coerceToString turns v into a string and its context, as Nix's
// coerceToString does.
func (ev *Evaluator) coerceToString(v Value, pos token.Pos, o coerceOpts) (string, Context) {
	v = ev.force(v, pos)
	switch x := v.(type) {
	case *String:
		return x.S, x.Ctx
	case Path:
		if !o.copyToStore {
			return string(x), nil
		}
		p := ev.copyPathToStore(x, pos)
		return p, Context{p}
	case *Attrs:
		if f, ok := x.Get("__toString"); ok {
			r := ev.call(ev.force(f.Value, pos), x, pos)
			return ev.coerceToString(r, pos, o)
		}
		if out, ok := x.Get("outPath"); ok {
			return ev.coerceToString(out.Value, pos, o)
		}
	}
	if o.coerceMore {
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', 6, 64), nil
		case bool:
			if x {
				return "1", nil
			}
			return "", nil
		case nil:
			return "", nil
		case *List:
			var b strings.Builder
			var ctx Context
			for i, e := range x.Elems {
				s, c := ev.coerceToString(e, pos, o)
				b.WriteString(s)
				ctx = ctx.Merge(c)
				if i < len(x.Elems)-1 {
					if l, isList := ev.force(e, pos).(*List); !isList || len(l.Elems) > 0 {
						b.WriteByte(' ')
					}
				}
			}
			return b.String(), ctx
		}
	}
	throwf(pos, "cannot coerce %s to a string", typeName(v))
	return "", nil
}

// coerceToPath turns v into an absolute file-system path (strings must be
// absolute paths).
func (ev *Evaluator) coerceToPath(v Value, pos token.Pos) (string, Context) {
	s, ctx := ev.coerceToString(v, pos, coerceOpts{})
	if s == "" || s[0] != '/' {
		throwf(pos, "string '%s' doesn't represent an absolute path", s)
	}
	return s, ctx
}

// copyPathToStore adds a path to the store once per evaluation and returns
// its store path.
func (ev *Evaluator) copyPathToStore(p Path, pos token.Pos) string {
	if sp, ok := ev.srcToStore[string(p)]; ok {
		return sp
	}
	if ev.store == nil {
		throwf(pos, "cannot copy '%s' to the store: no store", p)
	}
	name := baseName(string(p))
	sp, err := ev.store.AddPath(ev.context(), AddPathRequest{Name: name, Src: string(p), Recursive: true})
	if err != nil {
		throwf(pos, "copying '%s' to the store: %v", p, err)
	}
	ev.srcToStore[string(p)] = sp
	return sp
}

func (ev *Evaluator) context() context.Context { return ev.ctx }

// baseName is Nix's baseNameOf on a string: the part after the last slash,
// ignoring one trailing slash.
func baseName(s string) string {
	s = strings.TrimSuffix(s, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}
