package eval

import (
	"sort"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// Value is a Nix value. The dynamic types are:
//
//	int64     integers            float64  floats
//	bool      booleans            nil      null
//	*String   strings (with their context)
//	Path      paths (absolute, cleaned)
//	*Attrs    attribute sets      *List    lists
//	*Lambda   closures            *Primop, *PrimopApp  builtins
//	*Thunk    a value not yet computed (never returned by force)
type Value = any

// Path is a path value: an absolute, canonical file-system path.
type Path string

// String is a string value with its context: the store paths it refers to.
// Context elements are encoded as Nix does: "/nix/store/x" (a plain path),
// "=/nix/store/x.drv" (a derivation and all its outputs) and
// "!out!/nix/store/x.drv" (one output of a derivation).
type String struct {
	S   string
	Ctx Context
}

// Context is a sorted set of context elements; nil is the empty context.
type Context []string

// mkString returns a string value without context.
func mkString(s string) *String { return &String{S: s} }

// Merge returns the union of c and d.
func (c Context) Merge(d Context) Context {
	if len(d) == 0 {
		return c
	}
	if len(c) == 0 {
		return d
	}
	out := make([]string, 0, len(c)+len(d))
	i, j := 0, 0
	for i < len(c) && j < len(d) {
		switch {
		case c[i] < d[j]:
			out = append(out, c[i])
			i++
		case c[i] > d[j]:
			out = append(out, d[j])
			j++
		default:
			out = append(out, c[i])
			i++
			j++
		}
	}
	out = append(out, c[i:]...)
	out = append(out, d[j:]...)
	return out
}

// contextOf builds a context from unsorted elements.
func contextOf(elems ...string) Context {
	if len(elems) == 0 {
		return nil
	}
	c := append(Context(nil), elems...)
	sort.Strings(c)
	out := c[:1]
	for _, e := range c[1:] {
		if e != out[len(out)-1] {
			out = append(out, e)
		}
	}
	return out
}

// List is a list value. Elements may be thunks.
type List struct {
	Elems []Value
}

// Attr is one attribute of a set.
type Attr struct {
	Name  string
	Value Value
	Pos   token.Pos
}

// Attrs is an attribute set: attributes sorted by name.
type Attrs struct {
	List []Attr
}

// Get returns the attribute called name.
func (a *Attrs) Get(name string) (*Attr, bool) {
	if i, ok := a.index(name); ok {
		return &a.List[i], true
	}
	return nil, false
}

// index returns the index of the attribute called name.
func (a *Attrs) index(name string) (int, bool) {
	l := a.List
	// Binary search; small sets are scanned.
	if len(l) <= 8 {
		for i := range l {
			if l[i].Name == name {
				return i, true
			}
		}
		return 0, false
	}
	lo, hi := 0, len(l)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l[m].Name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(l) && l[lo].Name == name {
		return lo, true
	}
	return 0, false
}

// newAttrsOfSize returns a set of n zero attributes to fill in order,
// allocated with its attributes for small n.
func newAttrsOfSize(n int) *Attrs {
	switch {
	case n == 1:
		x := &struct {
			a Attrs
			l [1]Attr
		}{}
		x.a.List = x.l[:]
		return &x.a
	case n == 2:
		x := &struct {
			a Attrs
			l [2]Attr
		}{}
		x.a.List = x.l[:]
		return &x.a
	case n == 3:
		x := &struct {
			a Attrs
			l [3]Attr
		}{}
		x.a.List = x.l[:]
		return &x.a
	case n == 4:
		x := &struct {
			a Attrs
			l [4]Attr
		}{}
		x.a.List = x.l[:]
		return &x.a
	case n <= 6:
		x := &struct {
			a Attrs
			l [6]Attr
		}{}
		x.a.List = x.l[:n:n]
		return &x.a
	case n <= 8:
		x := &struct {
			a Attrs
			l [8]Attr
		}{}
		x.a.List = x.l[:n:n]
		return &x.a
	}
	return &Attrs{List: make([]Attr, n)}
}

// Len returns the number of attributes.
func (a *Attrs) Len() int { return len(a.List) }

// Names returns the attribute names in order.
func (a *Attrs) Names() []string {
	out := make([]string, len(a.List))
	for i, x := range a.List {
		out[i] = x.Name
	}
	return out
}

// newAttrs sorts attrs by name; later duplicates are an error for the
// caller to detect with dupName.
func newAttrs(l []Attr) *Attrs {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	return &Attrs{List: l}
}

// dupName returns a name defined twice in a sorted list.
func dupName(l []Attr) (int, bool) {
	for i := 1; i < len(l); i++ {
		if l[i].Name == l[i-1].Name {
			return i, true
		}
	}
	return 0, false
}

// update returns a // b.
func update(a, b *Attrs) *Attrs {
	if len(b.List) == 0 {
		return a
	}
	if len(a.List) == 0 {
		return b
	}
	out := make([]Attr, 0, len(a.List)+len(b.List))
	i, j := 0, 0
	for i < len(a.List) && j < len(b.List) {
		switch c := strings.Compare(a.List[i].Name, b.List[j].Name); {
		case c < 0:
			out = append(out, a.List[i])
			i++
		case c > 0:
			out = append(out, b.List[j])
			j++
		default:
			out = append(out, b.List[j])
			i++
			j++
		}
	}
	out = append(out, a.List[i:]...)
	out = append(out, b.List[j:]...)
	return &Attrs{List: out}
}

// Lambda is a closure: a compiled lambda and its environment.
type Lambda struct {
	fn  *lambdaNode
	env *env
}

// Name returns the name the lambda was bound to, if known.
func (l *Lambda) Name() string { return l.fn.name }

// Primop is a builtin function of Arity arguments.
type Primop struct {
	Name  string
	Arity int
	Fn    func(ev *Evaluator, pos token.Pos, args []Value) Value
}

// PrimopApp is a builtin applied to fewer arguments than its arity.
type PrimopApp struct {
	Op   *Primop
	Args []Value
}

// Thunk is a delayed computation. Once forced it holds its value. One
// field tells the state and holds what it needs, to keep thunks at 24
// bytes: x is the node to evaluate (in env) while pending, blackhole{}
// while being evaluated, the value once done (values are never nodes),
// and the *Error of an evaluation that threw a catchable error.
type Thunk struct {
	x   any
	env *env
}

// blackhole marks a thunk being evaluated.
type blackhole struct{}

// done tells whether t holds its value.
func (t *Thunk) done() bool {
	switch t.x.(type) {
	case node, blackhole, *Error:
		return false
	}
	return true
}

// newThunk delays the evaluation of n in env.
func newThunk(n node, e *env) *Thunk { return &Thunk{x: n, env: e} }

// typeName returns the type name Nix uses in error messages ("an integer").
func typeName(v Value) string {
	switch v := v.(type) {
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a Boolean"
	case nil:
		return "null"
	case *String:
		return "a string"
	case Path:
		return "a path"
	case *Attrs:
		_ = v
		return "a set"
	case *List:
		return "a list"
	case *Lambda, *Primop, *PrimopApp:
		return "a function"
	case *Thunk:
		return "a thunk"
	}
	return "an unknown value"
}

// typeOf returns the name builtins.typeOf gives.
func typeOf(v Value) string {
	switch v.(type) {
	case int64:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case nil:
		return "null"
	case *String:
		return "string"
	case Path:
		return "path"
	case *Attrs:
		return "set"
	case *List:
		return "list"
	case *Lambda, *Primop, *PrimopApp:
		return "lambda"
	}
	return "unknown"
}
