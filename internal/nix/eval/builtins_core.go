package eval

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/token"
)

// coreBuiltins are types, control, arithmetic and tracing.
func coreBuiltins() []*Primop {
	isType := func(name string, f func(Value) bool) *Primop {
		return prim(name, 1, func(ev *Evaluator, pos token.Pos, a []Value) Value { return f(ev.force(a[0], pos)) })
	}
	return []*Primop{
		isType("isInt", func(v Value) bool { _, ok := v.(int64); return ok }),
		isType("isFloat", func(v Value) bool { _, ok := v.(float64); return ok }),
		isType("isBool", func(v Value) bool { _, ok := v.(bool); return ok }),
		isType("isNull", func(v Value) bool { return v == nil }),
		isType("isString", func(v Value) bool { _, ok := v.(*String); return ok }),
		isType("isPath", func(v Value) bool { _, ok := v.(Path); return ok }),
		isType("isAttrs", func(v Value) bool { _, ok := v.(*Attrs); return ok }),
		isType("isList", func(v Value) bool { _, ok := v.(*List); return ok }),
		isType("isFunction", func(v Value) bool {
			switch v.(type) {
			case *Lambda, *Primop, *PrimopApp:
				return true
			}
			return false
		}),
		prim("typeOf", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value { return mkString(typeOf(ev.force(a[0], pos))) }),
		prim("throw", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			s, _ := ev.coerceToString(a[0], pos, coerceOpts{coerceMore: true})
			panic(&Error{Msg: s, Pos: pos, kind: errThrow})
		}),
		prim("abort", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			s, _ := ev.coerceToString(a[0], pos, coerceOpts{coerceMore: true})
			panic(&Error{Msg: "evaluation aborted with the following error message: '" + s + "'", Pos: pos, kind: errAbort})
		}),
		prim("addErrorContext", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			if !ev.opts.Trace {
				return ev.force(a[1], pos)
			}
			defer func() {
				if r := recover(); r != nil {
					if e, ok := r.(*Error); ok {
						s, _ := ev.coerceToString(a[0], pos, coerceOpts{coerceMore: true})
						addTrace(e, token.NoPos, "%s", s)
					}
					panic(r)
				}
			}()
			return ev.force(a[1], pos)
		}),
		prim("tryEval", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			var v Value
			depth, busy := ev.depth, len(ev.busy)
			ok := func() (ok bool) {
				defer func() {
					if r := recover(); r != nil {
						if e, isErr := r.(*Error); isErr && e.Catchable() {
							ev.unwind(depth, busy, e)
							ok = false
							return
						}
						panic(r)
					}
				}()
				v = ev.force(a[0], pos)
				return true
			}()
			if !ok {
				return &Attrs{List: []Attr{{Name: "success", Value: false}, {Name: "value", Value: false}}}
			}
			return &Attrs{List: []Attr{{Name: "success", Value: true}, {Name: "value", Value: v}}}
		}),
		prim("seq", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			ev.force(a[0], pos)
			return ev.force(a[1], pos)
		}),
		prim("deepSeq", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			ev.deepSeq(a[0], pos)
			return ev.force(a[1], pos)
		}),
		prim("trace", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			v := ev.force(a[0], pos)
			if s, ok := v.(*String); ok {
				fmt.Fprintf(ev.stderr, "trace: %s\n", s.S)
			} else {
				fmt.Fprintf(ev.stderr, "trace: %s\n", ev.printTrace(v))
			}
			return ev.force(a[1], pos)
		}),
		prim("warn", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			msg := ev.forceString(a[0], pos).S
			const prefix = "evaluation warning:"
			if strings.HasPrefix(msg, "\n") {
				fmt.Fprintf(ev.stderr, "%s%s\n", prefix, msg)
			} else {
				fmt.Fprintf(ev.stderr, "%s %s\n", prefix, strings.ReplaceAll(msg, "\n", "\n"+strings.Repeat(" ", len(prefix)+1)))
			}
			return ev.force(a[1], pos)
		}),
		// break would enter a debugger; without one it is the identity.
		prim("break", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value { return ev.force(a[0], pos) }),
		prim("add", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			x, y := ev.force(a[0], pos), ev.force(a[1], pos)
			ev.numberOp(x, pos)
			ev.numberOp(y, pos)
			return ev.add(x, y, pos)
		}),
		prim("sub", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.arith(ast.OpSub, ev.force(a[0], pos), ev.force(a[1], pos), pos)
		}),
		prim("mul", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.arith(ast.OpMul, ev.force(a[0], pos), ev.force(a[1], pos), pos)
		}),
		prim("div", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.arith(ast.OpDiv, ev.force(a[0], pos), ev.force(a[1], pos), pos)
		}),
		prim("lessThan", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.lessThan(ev.force(a[0], pos), ev.force(a[1], pos), pos)
		}),
		prim("bitAnd", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.forceInt(a[0], pos) & ev.forceInt(a[1], pos)
		}),
		prim("bitOr", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.forceInt(a[0], pos) | ev.forceInt(a[1], pos)
		}),
		prim("bitXor", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return ev.forceInt(a[0], pos) ^ ev.forceInt(a[1], pos)
		}),
		prim("ceil", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return floatToInt(ev, math.Ceil(ev.forceFloat(a[0], pos)), pos)
		}),
		prim("floor", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return floatToInt(ev, math.Floor(ev.forceFloat(a[0], pos)), pos)
		}),
		prim("functionArgs", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.force(a[0], pos)
			switch l := f.(type) {
			case *Lambda:
				if !l.fn.hasFormals {
					return &Attrs{}
				}
				list := make([]Attr, len(l.fn.formals))
				for i, fm := range l.fn.formals {
					list[i] = Attr{Name: fm.name, Value: fm.def != nil, Pos: fm.pos}
				}
				return &Attrs{List: list}
			case *Primop, *PrimopApp:
				return &Attrs{}
			}
			throwf(pos, "'functionArgs' requires a function")
			return nil
		}),
		prim("unsafeGetAttrPos", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			name := ev.forceStringNoCtx(a[0], pos)
			attrs := ev.forceAttrs(a[1], pos)
			at, ok := attrs.Get(name)
			if !ok {
				return nil
			}
			return ev.posAttrs(at.Pos)
		}),
		prim("getEnv", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return mkString(ev.opts.Getenv(ev.forceStringNoCtx(a[0], pos)))
		}),
		prim("genericClosure", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			args := ev.forceAttrs(a[0], pos)
			start, ok := args.Get("startSet")
			if !ok {
				throwf(pos, "attribute 'startSet' required")
			}
			op, ok := args.Get("operator")
			if !ok {
				throwf(pos, "attribute 'operator' required")
			}
			work := append([]Value(nil), ev.forceList(start.Value, pos).Elems...)
			seen := closureKeys{strs: map[string]bool{}, ints: map[int64]bool{}}
			var res []Value
			for len(work) > 0 {
				e := ev.forceAttrs(work[0], pos)
				work = work[1:]
				k, ok := e.Get("key")
				if !ok {
					throwf(pos, "attribute 'key' required")
				}
				if !seen.add(ev, ev.force(k.Value, pos), pos) {
					continue
				}
				res = append(res, e)
				next := ev.forceList(ev.call(ev.force(op.Value, pos), e, pos), pos)
				work = append(work, next.Elems...)
			}
			return &List{Elems: res}
		}),
	}
}

// closureKeys is the set of keys genericClosure has seen. Keys are
// ordered with Nix's < (so keys that cannot be compared are an error, as
// in Nix); strings and integers take a fast path.
type closureKeys struct {
	strs  map[string]bool
	ints  map[int64]bool
	other []Value
}

// add records k and reports whether it was new.
func (s *closureKeys) add(ev *Evaluator, k Value, pos token.Pos) bool {
	switch x := k.(type) {
	case *String:
		if len(s.other) == 0 {
			if s.strs[x.S] {
				return false
			}
			s.strs[x.S] = true
			if len(s.ints) == 0 {
				return true
			}
		}
	case int64:
		if len(s.other) == 0 {
			if s.ints[x] {
				return false
			}
			s.ints[x] = true
			if len(s.strs) == 0 {
				return true
			}
		}
	}
	for _, o := range s.other {
		if !ev.lessThan(o, k, pos) && !ev.lessThan(k, o, pos) {
			return false
		}
	}
	if len(s.other) == 0 {
		for str := range s.strs {
			ev.lessThan(mkString(str), k, pos)
			break
		}
		for i := range s.ints {
			ev.lessThan(i, k, pos)
			break
		}
	}
	s.other = append(s.other, k)
	return true
}

func floatToInt(ev *Evaluator, f float64, pos token.Pos) Value {
	if f >= 9223372036854775807.0 || f < -9223372036854775808.0 || math.IsNaN(f) {
		throwf(pos, "float %g does not fit in an integer", f)
	}
	return int64(f)
}

// listBuiltins operate on lists.
func listBuiltins() []*Primop {
	return []*Primop{
		prim("length", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			return int64(len(ev.forceList(a[0], pos).Elems))
		}),
		prim("head", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[0], pos)
			if len(l.Elems) == 0 {
				throwf(pos, "list index 0 is out of bounds")
			}
			return ev.force(l.Elems[0], pos)
		}),
		prim("tail", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[0], pos)
			if len(l.Elems) == 0 {
				throwf(pos, "'tail' called on an empty list")
			}
			return &List{Elems: l.Elems[1:]}
		}),
		prim("elemAt", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[0], pos)
			i := ev.forceInt(a[1], pos)
			if i < 0 || i >= int64(len(l.Elems)) {
				throwf(pos, "list index %d is out of bounds", i)
			}
			return ev.force(l.Elems[i], pos)
		}),
		prim("map", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[1], pos)
			f := a[0]
			out := make([]Value, len(l.Elems))
			for i, x := range l.Elems {
				out[i] = delayApp(f, x, pos)
			}
			return &List{Elems: out}
		}),
		prim("filter", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			l := ev.forceList(a[1], pos)
			var out []Value
			for _, x := range l.Elems {
				if ev.forceBool(ev.call(f, x, pos), pos) {
					out = append(out, x)
				}
			}
			if len(out) == len(l.Elems) {
				return l
			}
			return &List{Elems: out}
		}),
		prim("elem", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			for _, x := range ev.forceList(a[1], pos).Elems {
				if ev.equal(a[0], x, pos, false) {
					return true
				}
			}
			return false
		}),
		prim("concatLists", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			var out []Value
			for _, x := range ev.forceList(a[0], pos).Elems {
				out = append(out, ev.forceList(x, pos).Elems...)
			}
			return &List{Elems: out}
		}),
		prim("concatMap", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			var out []Value
			for _, x := range ev.forceList(a[1], pos).Elems {
				out = append(out, ev.forceList(ev.call(f, x, pos), pos).Elems...)
			}
			return &List{Elems: out}
		}),
		prim("foldl'", 3, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[2], pos)
			acc := a[1]
			if len(l.Elems) == 0 {
				return ev.force(acc, pos)
			}
			f := ev.forceFunction(a[0], pos)
			for _, x := range l.Elems {
				acc = ev.call2(f, acc, x, pos)
			}
			return ev.force(acc, pos)
		}),
		prim("genList", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			n := ev.forceInt(a[1], pos)
			if n < 0 {
				throwf(pos, "cannot create list of size %d", n)
			}
			f := a[0]
			out := make([]Value, n)
			for i := range out {
				out[i] = delayApp(f, int64(i), pos)
			}
			return &List{Elems: out}
		}),
		prim("all", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			for _, x := range ev.forceList(a[1], pos).Elems {
				if !ev.forceBool(ev.call(f, x, pos), pos) {
					return false
				}
			}
			return true
		}),
		prim("any", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			for _, x := range ev.forceList(a[1], pos).Elems {
				if ev.forceBool(ev.call(f, x, pos), pos) {
					return true
				}
			}
			return false
		}),
		prim("sort", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			l := ev.forceList(a[1], pos)
			out := append([]Value(nil), l.Elems...)
			for _, x := range out {
				ev.force(x, pos)
			}
			if p, ok := f.(*Primop); ok && p.Name == "lessThan" && sortScalars(out) {
				return &List{Elems: out}
			}
			less := func(a, b Value) bool { return ev.forceBool(ev.call2(f, a, b, pos), pos) }
			mergeSort(out, make([]Value, len(out)), less)
			return &List{Elems: out}
		}),
		prim("partition", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			var right, wrong []Value
			for _, x := range ev.forceList(a[1], pos).Elems {
				if ev.forceBool(ev.call(f, x, pos), pos) {
					right = append(right, x)
				} else {
					wrong = append(wrong, x)
				}
			}
			return &Attrs{List: []Attr{{Name: "right", Value: &List{Elems: right}}, {Name: "wrong", Value: &List{Elems: wrong}}}}
		}),
		prim("groupBy", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := ev.forceFunction(a[0], pos)
			groups := map[string][]Value{}
			for _, x := range ev.forceList(a[1], pos).Elems {
				k := ev.forceStringNoCtx(ev.call(f, x, pos), pos)
				groups[k] = append(groups[k], x)
			}
			list := make([]Attr, 0, len(groups))
			for _, k := range sortedKeys(groups) {
				list = append(list, Attr{Name: k, Value: &List{Elems: groups[k]}})
			}
			return &Attrs{List: list}
		}),
	}
}

// sortScalars sorts l with builtins.lessThan when every element is an
// evaluated integer, or every one a string, and reports whether it did.
func sortScalars(l []Value) bool {
	ints, strs := true, true
	for i, v := range l {
		if t, ok := v.(*Thunk); ok {
			v = t.x
			l[i] = v
		}
		switch v.(type) {
		case int64:
			strs = false
		case *String:
			ints = false
		default:
			return false
		}
	}
	if !ints && !strs {
		return false
	}
	// Equal integers cannot be told apart, so an unstable sort gives the
	// same list as a stable one; equal strings may differ in context.
	switch {
	case ints:
		xs := make([]int64, len(l))
		for i, v := range l {
			xs[i] = v.(int64)
		}
		slices.Sort(xs)
		for i, x := range xs {
			l[i] = x
		}
	case strs:
		mergeSort(l, make([]Value, len(l)), func(a, b Value) bool { return a.(*String).S < b.(*String).S })
	}
	return true
}

// mergeSort sorts l stably (as std::stable_sort does) using tmp, of the
// same length, as scratch space.
func mergeSort(l, tmp []Value, less func(a, b Value) bool) {
	if len(l) <= 12 {
		for i := 1; i < len(l); i++ {
			for j := i; j > 0 && less(l[j], l[j-1]); j-- {
				l[j], l[j-1] = l[j-1], l[j]
			}
		}
		return
	}
	m := len(l) / 2
	mergeSort(l[:m], tmp[:m], less)
	mergeSort(l[m:], tmp[m:], less)
	if !less(l[m], l[m-1]) {
		return // already in order
	}
	copy(tmp, l)
	i, j, k := 0, m, 0
	for i < m && j < len(l) {
		if less(tmp[j], tmp[i]) {
			l[k] = tmp[j]
			j++
		} else {
			l[k] = tmp[i]
			i++
		}
		k++
	}
	copy(l[k:], tmp[i:m])
	copy(l[k+(m-i):], tmp[j:])
}

// appThunk is a thunk and its application node in one allocation.
type appThunk struct {
	t   Thunk
	app appNode
}

// delayApp returns a thunk for f x.
func delayApp(f, x Value, pos token.Pos) *Thunk {
	a := &appThunk{app: appNode{f: f, x: x, pos: pos}}
	a.t.x = node(&a.app)
	return &a.t
}

// appNode is a delayed application f x (for map, genList, mapAttrs...).
type appNode struct {
	f, x Value
	pos  token.Pos
}

func (n *appNode) eval(ev *Evaluator, e *env) Value {
	return ev.call(ev.force(n.f, n.pos), n.x, n.pos)
}

// attrBuiltins operate on attribute sets.
func attrBuiltins() []*Primop {
	return []*Primop{
		prim("attrNames", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			attrs := ev.forceAttrs(a[0], pos)
			out := make([]Value, len(attrs.List))
			for i, x := range attrs.List {
				out[i] = mkString(x.Name)
			}
			return &List{Elems: out}
		}),
		prim("attrValues", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			attrs := ev.forceAttrs(a[0], pos)
			out := make([]Value, len(attrs.List))
			for i, x := range attrs.List {
				out[i] = x.Value
			}
			return &List{Elems: out}
		}),
		prim("getAttr", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			name := ev.forceStringNoCtx(a[0], pos)
			attrs := ev.forceAttrs(a[1], pos)
			x, ok := attrs.Get(name)
			if !ok {
				throwf(pos, "attribute '%s' missing%s", name, didYouMean(name, attrs.Names()))
			}
			return ev.force(x.Value, pos)
		}),
		prim("hasAttr", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			name := ev.forceStringNoCtx(a[0], pos)
			_, ok := ev.forceAttrs(a[1], pos).Get(name)
			return ok
		}),
		prim("removeAttrs", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			attrs := ev.forceAttrs(a[0], pos)
			drop := map[string]bool{}
			for _, x := range ev.forceList(a[1], pos).Elems {
				drop[ev.forceStringNoCtx(x, pos)] = true
			}
			out := make([]Attr, 0, len(attrs.List))
			for _, x := range attrs.List {
				if !drop[x.Name] {
					out = append(out, x)
				}
			}
			return &Attrs{List: out}
		}),
		prim("listToAttrs", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[0], pos)
			out := make([]Attr, 0, len(l.Elems))
			for _, x := range l.Elems {
				e := ev.forceAttrs(x, pos)
				n, ok := e.Get("name")
				if !ok {
					throwf(pos, "attribute 'name' missing")
				}
				name := ev.forceStringNoCtx(n.Value, pos)
				v, ok := e.Get("value")
				if !ok {
					throwf(pos, "attribute 'value' missing")
				}
				out = append(out, Attr{Name: name, Value: v.Value, Pos: v.Pos})
			}
			// The first definition of a name wins.
			sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			dedup := out[:0]
			for i, x := range out {
				if i > 0 && x.Name == out[i-1].Name {
					continue
				}
				dedup = append(dedup, x)
			}
			return &Attrs{List: dedup}
		}),
		prim("intersectAttrs", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			x := ev.forceAttrs(a[0], pos)
			y := ev.forceAttrs(a[1], pos)
			var out []Attr
			for _, at := range y.List {
				if _, ok := x.Get(at.Name); ok {
					out = append(out, at)
				}
			}
			return &Attrs{List: out}
		}),
		prim("catAttrs", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			name := ev.forceStringNoCtx(a[0], pos)
			var out []Value
			for _, x := range ev.forceList(a[1], pos).Elems {
				if at, ok := ev.forceAttrs(x, pos).Get(name); ok {
					out = append(out, at.Value)
				}
			}
			return &List{Elems: out}
		}),
		prim("mapAttrs", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			attrs := ev.forceAttrs(a[1], pos)
			f := a[0]
			out := make([]Attr, len(attrs.List))
			for i, x := range attrs.List {
				out[i] = Attr{Name: x.Name, Value: &Thunk{x: node(&app2Node{f: f, x: mkString(x.Name), y: x.Value, pos: pos})}}
			}
			return &Attrs{List: out}
		}),
		prim("zipAttrsWith", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			f := a[0]
			groups := map[string][]Value{}
			for _, x := range ev.forceList(a[1], pos).Elems {
				for _, at := range ev.forceAttrs(x, pos).List {
					groups[at.Name] = append(groups[at.Name], at.Value)
				}
			}
			out := make([]Attr, 0, len(groups))
			for _, k := range sortedKeys(groups) {
				out = append(out, Attr{Name: k, Value: &Thunk{x: node(&app2Node{f: f, x: mkString(k), y: &List{Elems: groups[k]}, pos: pos})}})
			}
			return &Attrs{List: out}
		}),
	}
}

// app2Node is a delayed application f x y.
type app2Node struct {
	f, x, y Value
	pos     token.Pos
}

func (n *app2Node) eval(ev *Evaluator, e *env) Value {
	return ev.call2(ev.force(n.f, n.pos), n.x, n.y, n.pos)
}
