package eval

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/parser"
	"cairn.dev/cairn/internal/nix/token"
)

// Options configure an Evaluator.
type Options struct {
	// FileSet receives every parsed file; a new one is made when nil.
	FileSet *token.FileSet
	// Store computes (or creates) store paths; required.
	Store Store
	// Getenv reads the environment (builtins.getEnv, NIX_PATH, HOME).
	Getenv func(string) string
	// SearchPath holds the -I entries, searched before NIX_PATH's.
	SearchPath []string
	// Stderr receives trace and warning output.
	Stderr io.Writer
	// System is builtins.currentSystem ("x86_64-linux" by default).
	System string
	// Trace records a call trace in errors (--show-trace).
	Trace bool
	// ExtraSearchPath entries (prefix=path) are searched after the others
	// and are not part of builtins.nixPath (cairn's own files).
	ExtraSearchPath []string
	// Mounts are virtual read-only folders by absolute path (cairn's own
	// Nix files embedded in the binary).
	Mounts map[string]fs.FS
	// Dir is the working directory (relative search-path entries).
	Dir string
	// MaxCallDepth bounds nested function calls; 0 means 10000.
	MaxCallDepth int
	// Features are experimental features turned on (as Nix's
	// --extra-experimental-features): parse-toml-timestamps.
	Features []string
	// Lints sets the parser's lints (by name, parser.LintURLLiterals
	// ...) for every file parsed; their warnings go to Stderr.
	Lints map[string]parser.Level
}

// Evaluator evaluates Nix expressions. It is not safe for concurrent use.
type Evaluator struct {
	ctx       context.Context
	opts      Options
	fset      *token.FileSet
	store     Store
	baseEnv   *env
	baseScope *scope
	builtins  *Attrs
	imports   map[string]Value
	// srcToStore caches paths already copied to the store.
	srcToStore map[string]string
	depth      int
	busy       []busyThunk
	stderr     io.Writer
	steps      int
	// regexCache keeps compiled regular expressions (match, split).
	regexCache regexCache
	// slabs hold compiled nodes.
	slabs nodeSlabs
}

// defaultMaxCallDepth bounds nested calls so that runaway recursion ends
// in an error rather than a Go stack overflow; nested forcing of thunks
// may go ten times deeper.
const defaultMaxCallDepth = 10000

// New returns an Evaluator.
func New(ctx context.Context, opts Options) *Evaluator {
	if opts.FileSet == nil {
		opts.FileSet = token.NewFileSet()
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	mounts := map[string]fs.FS{}
	for k, v := range opts.Mounts {
		mounts[k] = v
	}
	core, _ := fs.Sub(corepkgs, "corepkgs")
	mounts[corepkgsDir] = core
	opts.Mounts = mounts
	if opts.MaxCallDepth <= 0 {
		opts.MaxCallDepth = defaultMaxCallDepth
	}
	if opts.System == "" {
		opts.System = "x86_64-linux"
	}
	ev := &Evaluator{
		ctx:        ctx,
		opts:       opts,
		fset:       opts.FileSet,
		store:      opts.Store,
		imports:    map[string]Value{},
		srcToStore: map[string]string{},
		stderr:     opts.Stderr,
	}
	ev.initBuiltins()
	return ev
}

// feature reports whether an experimental feature is on.
func (ev *Evaluator) feature(name string) bool {
	for _, f := range ev.opts.Features {
		if f == name {
			return true
		}
	}
	return false
}

// FileSet returns the evaluator's file set (for rendering errors).
func (ev *Evaluator) FileSet() *token.FileSet { return ev.fset }

// catch runs f, turning an evaluation panic into an error.
func (ev *Evaluator) catch(f func()) (err error) {
	depth, busy := ev.depth, len(ev.busy)
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				if se, isStack := r.(stackError); isStack {
					e = &Error{Msg: string(se)}
				} else {
					panic(r)
				}
			}
			ev.unwind(depth, busy, nil)
			err = e
		}
	}()
	f()
	return nil
}

type stackError string

// busyThunk is a thunk being evaluated and the node it evaluates.
type busyThunk struct {
	t *Thunk
	n node
}

// unwind restores the evaluator after an error was caught. Thunks that
// were being evaluated remember a catchable error (memo), so that forcing
// them again throws it again without evaluating twice, as Nix does since
// 2.34; otherwise they become pending again.
func (ev *Evaluator) unwind(depth, busy int, memo *Error) {
	ev.depth = depth
	for _, b := range ev.busy[busy:] {
		if _, busy := b.t.x.(blackhole); busy {
			if memo != nil {
				b.t.x, b.t.env = memo, nil
			} else {
				b.t.x = b.n
			}
		}
	}
	ev.busy = ev.busy[:busy]
}

// ParseFile parses a file (or an embedded file) and returns its syntax tree.
func (ev *Evaluator) parse(name string, src []byte, baseDir string) (ast.Expr, error) {
	home := ev.opts.Getenv("HOME")
	warn := func(w parser.Warning) { fmt.Fprint(ev.stderr, FormatWarning(ev.fset, w)) }
	return parser.ParseFile(ev.fset, name, src, parser.Config{BaseDir: baseDir, HomeDir: home, Lints: ev.opts.Lints, Warn: warn})
}

// EvalString parses and evaluates src as an expression whose relative
// paths are relative to baseDir. The result is in weak head normal form.
func (ev *Evaluator) EvalString(src, baseDir string) (Value, error) {
	e, err := ev.parse("«string»", []byte(src), baseDir)
	if err != nil {
		return nil, err
	}
	var v Value
	err = ev.catch(func() { v = ev.evalExpr(e) })
	return v, err
}

// EvalFile evaluates the file at path (a directory means its default.nix).
func (ev *Evaluator) EvalFile(path string) (Value, error) {
	var v Value
	err := ev.catch(func() { v = ev.importFile(Path(path), token.NoPos) })
	return v, err
}

func (ev *Evaluator) evalExpr(e ast.Expr) Value {
	n := ev.compileTop(e)
	return n.eval(ev, ev.baseEnv)
}

func (ev *Evaluator) compileTop(e ast.Expr) node {
	c := &compiler{ev: ev}
	return c.compile(e, ev.baseScope)
}

// Call applies f to args and returns the result in weak head normal form.
func (ev *Evaluator) Call(f Value, args ...Value) (Value, error) {
	var v Value
	err := ev.catch(func() { v = ev.callN(ev.force(f, token.NoPos), args, token.NoPos) })
	return v, err
}

// Force evaluates v to weak head normal form.
func (ev *Evaluator) Force(v Value) (Value, error) {
	var out Value
	err := ev.catch(func() { out = ev.force(v, token.NoPos) })
	return out, err
}

// ForceDeep evaluates v completely (nix-instantiate --strict).
func (ev *Evaluator) ForceDeep(v Value) error {
	return ev.catch(func() { ev.deepSeq(v, token.NoPos) })
}

// force evaluates v to weak head normal form.
func (ev *Evaluator) force(v Value, pos token.Pos) Value {
	if t, ok := v.(*Thunk); ok {
		return ev.forceThunk(t, pos)
	}
	return v
}

func (ev *Evaluator) forceThunk(t *Thunk, pos token.Pos) Value {
	n, pending := t.x.(node)
	if !pending {
		switch x := t.x.(type) {
		case blackhole:
			throwf(pos, "infinite recursion encountered")
		case *Error:
			e := *x
			e.Trace = append([]Frame(nil), e.Trace...)
			panic(&e)
		}
		return t.x
	}
	t.x = blackhole{}
	ev.busy = append(ev.busy, busyThunk{t, n})
	ev.depth++
	if ev.depth > ev.opts.MaxCallDepth*10 {
		ev.stackOverflow(pos)
	}
	v := n.eval(ev, t.env)
	ev.depth--
	ev.busy = ev.busy[:len(ev.busy)-1]
	t.x, t.env = v, nil
	return v
}

func (ev *Evaluator) stackOverflow(pos token.Pos) {
	throwf(pos, "stack overflow; max-call-depth exceeded (possible infinite recursion)")
}

// checkInterrupt aborts a long evaluation when the context is cancelled.
func (ev *Evaluator) checkInterrupt(pos token.Pos) {
	ev.steps++
	if ev.steps&0xfff == 0 && ev.ctx.Err() != nil {
		throwf(pos, "evaluation interrupted")
	}
}

func (ev *Evaluator) call(f Value, arg Value, pos token.Pos) Value {
	switch fn := f.(type) {
	case *Lambda:
		return ev.callLambda(fn, arg, pos)
	case *Primop:
		if fn.Arity == 1 {
			return ev.callPrimop(fn, []Value{arg}, pos)
		}
		return &PrimopApp{Op: fn, Args: []Value{arg}}
	case *PrimopApp:
		args := make([]Value, len(fn.Args)+1)
		copy(args, fn.Args)
		args[len(fn.Args)] = arg
		if len(args) == fn.Op.Arity {
			return ev.callPrimop(fn.Op, args, pos)
		}
		return &PrimopApp{Op: fn.Op, Args: args}
	case *Attrs:
		if a, ok := fn.Get("__functor"); ok {
			functor := ev.force(a.Value, pos)
			return ev.call(ev.call(functor, f, pos), arg, pos)
		}
	}
	throwf(pos, "attempt to call something which is not a function but %s", typeName(f))
	return nil
}

// call2 applies f to two arguments, calling a two-argument builtin
// directly.
func (ev *Evaluator) call2(f, a, b Value, pos token.Pos) Value {
	if p, ok := f.(*Primop); ok && p.Arity == 2 {
		if p.Name == "lessThan" {
			return ev.lessThan(ev.force(a, pos), ev.force(b, pos), pos)
		}
		return ev.callPrimop(p, []Value{a, b}, pos)
	}
	if _, ok := f.(*Lambda); ok {
		return ev.callN(f, []Value{a, b}, pos)
	}
	return ev.call(ev.call(f, a, pos), b, pos)
}

// callN applies f to args in turn. A curried lambda `a: b: ...` applied
// to several arguments binds them without making the intermediate
// closures.
func (ev *Evaluator) callN(f Value, args []Value, pos token.Pos) Value {
	for len(args) > 0 {
		// A builtin given all its arguments is called with them, without
		// the partial applications in between.
		switch p := f.(type) {
		case *Primop:
			if p.Arity > 1 && len(args) >= p.Arity {
				f = ev.callPrimop(p, args[:p.Arity:p.Arity], pos)
				args = args[p.Arity:]
				continue
			}
		case *PrimopApp:
			if need := p.Op.Arity - len(p.Args); len(args) >= need {
				all := make([]Value, 0, p.Op.Arity)
				all = append(append(all, p.Args...), args[:need]...)
				f = ev.callPrimop(p.Op, all, pos)
				args = args[need:]
				continue
			}
		}
		l, ok := f.(*Lambda)
		if !ok || len(args) == 1 {
			f = ev.call(f, args[0], pos)
			args = args[1:]
			continue
		}
		fn, en := l.fn, l.env
		for len(args) > 1 && !fn.hasFormals {
			inner, ok := fn.body.(*lambdaNode)
			if !ok {
				break
			}
			e := newEnv(en, fn.nslots)
			e.vals[0] = args[0]
			fn, en = inner, e
			args = args[1:]
		}
		f = ev.callLambdaIn(fn, en, args[0], pos)
		args = args[1:]
	}
	return f
}

func (ev *Evaluator) callPrimop(p *Primop, args []Value, pos token.Pos) Value {
	if !ev.opts.Trace {
		return p.Fn(ev, pos, args)
	}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				addTrace(e, pos, "while calling the '%s' builtin", p.Name)
			}
			panic(r)
		}
	}()
	return p.Fn(ev, pos, args)
}

func (ev *Evaluator) lambdaName(fn *lambdaNode) string {
	if fn.name != "" {
		return "function '" + fn.name + "'"
	}
	return "anonymous function"
}

func (ev *Evaluator) callLambda(l *Lambda, arg Value, pos token.Pos) Value {
	return ev.callLambdaIn(l.fn, l.env, arg, pos)
}

// callLambdaIn calls the lambda fn closed over env with arg.
func (ev *Evaluator) callLambdaIn(fn *lambdaNode, env *env, arg Value, pos token.Pos) Value {
	e := newEnv(env, fn.nslots)
	if !fn.hasFormals {
		e.vals[0] = arg
	} else {
		base := 0
		if fn.hasArg {
			e.vals[0] = arg
			base = 1
		}
		attrs, ok := ev.force(arg, pos).(*Attrs)
		if !ok {
			throwf(pos, "value is %s while a set was expected", typeName(ev.force(arg, pos)))
		}
		matched := 0
		for i := range fn.formals {
			f := &fn.formals[i]
			if a, ok := attrs.Get(f.name); ok {
				e.vals[base+i] = a.Value
				matched++
			} else if f.def != nil {
				e.vals[base+i] = thunkOfRec(f.def, e, 0)
			} else {
				err := &Error{Msg: fmt.Sprintf("%s called without required argument '%s'", ev.lambdaName(fn), f.name), Pos: pos}
				addTrace(err, fn.pos, "while calling %s", ev.lambdaName(fn))
				panic(err)
			}
		}
		if !fn.ellipsis && matched != attrs.Len() {
			for _, a := range attrs.List {
				found := false
				for i := range fn.formals {
					if fn.formals[i].name == a.Name {
						found = true
						break
					}
				}
				if !found {
					names := make([]string, len(fn.formals))
					for i := range fn.formals {
						names[i] = fn.formals[i].name
					}
					err := &Error{Msg: fmt.Sprintf("%s called with unexpected argument '%s'%s", ev.lambdaName(fn), a.Name, didYouMean(a.Name, names)), Pos: pos}
					addTrace(err, fn.pos, "while calling %s", ev.lambdaName(fn))
					panic(err)
				}
			}
		}
	}
	ev.depth++
	if ev.depth > ev.opts.MaxCallDepth {
		ev.stackOverflow(pos)
	}
	ev.checkInterrupt(pos)
	var v Value
	if ev.opts.Trace {
		v = ev.evalTraced(fn, e, pos)
	} else {
		v = fn.body.eval(ev, e)
	}
	ev.depth--
	return v
}

func (ev *Evaluator) evalTraced(fn *lambdaNode, e *env, pos token.Pos) Value {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(*Error); ok {
				addTrace(err, fn.pos, "while calling %s", ev.lambdaName(fn))
				addTrace(err, pos, "from call site")
			}
			panic(r)
		}
	}()
	return fn.body.eval(ev, e)
}

func (ev *Evaluator) forceAttrs(v Value, pos token.Pos) *Attrs {
	v = ev.force(v, pos)
	a, ok := v.(*Attrs)
	if !ok {
		throwf(pos, "value is %s while a set was expected", typeName(v))
	}
	return a
}

func (ev *Evaluator) forceList(v Value, pos token.Pos) *List {
	v = ev.force(v, pos)
	l, ok := v.(*List)
	if !ok {
		throwf(pos, "value is %s while a list was expected", typeName(v))
	}
	return l
}

func (ev *Evaluator) forceInt(v Value, pos token.Pos) int64 {
	v = ev.force(v, pos)
	i, ok := v.(int64)
	if !ok {
		throwf(pos, "value is %s while an integer was expected", typeName(v))
	}
	return i
}

func (ev *Evaluator) forceBool(v Value, pos token.Pos) bool {
	v = ev.force(v, pos)
	b, ok := v.(bool)
	if !ok {
		throwf(pos, "value is %s while a Boolean was expected", typeName(v))
	}
	return b
}

func (ev *Evaluator) forceFloat(v Value, pos token.Pos) float64 {
	v = ev.force(v, pos)
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	throwf(pos, "value is %s while a float was expected", typeName(v))
	return 0
}

func (ev *Evaluator) forceFunction(v Value, pos token.Pos) Value {
	v = ev.force(v, pos)
	switch x := v.(type) {
	case *Lambda, *Primop, *PrimopApp:
		return v
	case *Attrs:
		if _, ok := x.Get("__functor"); ok {
			return v
		}
	}
	throwf(pos, "value is %s while a function was expected", typeName(v))
	return nil
}

// forceString forces v to a string value (no coercion).
func (ev *Evaluator) forceString(v Value, pos token.Pos) *String {
	v = ev.force(v, pos)
	s, ok := v.(*String)
	if !ok {
		throwf(pos, "value is %s while a string was expected", typeName(v))
	}
	return s
}

// forceStringNoCtx forces v to a string that must not refer to the store.
func (ev *Evaluator) forceStringNoCtx(v Value, pos token.Pos) string {
	s := ev.forceString(v, pos)
	if len(s.Ctx) > 0 {
		throwf(pos, "the string '%s' is not allowed to refer to a store path (such as '%s')", s.S, s.Ctx[0])
	}
	return s.S
}

// deepSeq forces v and everything inside it.
func (ev *Evaluator) deepSeq(v Value, pos token.Pos) {
	seen := map[any]bool{}
	var walk func(v Value)
	walk = func(v Value) {
		v = ev.force(v, pos)
		switch x := v.(type) {
		case *Attrs:
			if seen[x] {
				return
			}
			seen[x] = true
			for i := range x.List {
				a := &x.List[i]
				func() {
					if ev.opts.Trace {
						defer func() {
							if r := recover(); r != nil {
								if err, ok := r.(*Error); ok {
									addTrace(err, a.Pos, "while evaluating the attribute '%s'", a.Name)
								}
								panic(r)
							}
						}()
					}
					walk(a.Value)
				}()
			}
		case *List:
			if seen[x] {
				return
			}
			seen[x] = true
			for _, e := range x.Elems {
				walk(e)
			}
		}
	}
	walk(v)
}

// binaryNode is every binary operator.
type binaryNode struct {
	op   ast.Op
	x, y node
	pos  token.Pos
}

func (n *binaryNode) eval(ev *Evaluator, e *env) Value {
	switch n.op {
	case ast.OpAnd:
		if !ev.forceBoolOp(n.x.eval(ev, e), n.pos, "&&") {
			return false
		}
		return ev.forceBoolOp(n.y.eval(ev, e), n.pos, "&&")
	case ast.OpOr:
		if ev.forceBoolOp(n.x.eval(ev, e), n.pos, "||") {
			return true
		}
		return ev.forceBoolOp(n.y.eval(ev, e), n.pos, "||")
	case ast.OpImpl:
		if !ev.forceBoolOp(n.x.eval(ev, e), n.pos, "->") {
			return true
		}
		return ev.forceBoolOp(n.y.eval(ev, e), n.pos, "->")
	}
	x := n.x.eval(ev, e)
	y := n.y.eval(ev, e)
	switch n.op {
	case ast.OpEq:
		return ev.equal(x, y, n.pos, false)
	case ast.OpNEq:
		return !ev.equal(x, y, n.pos, false)
	case ast.OpUpdate:
		a := ev.forceAttrsOp(x, n.pos, "//")
		b := ev.forceAttrsOp(y, n.pos, "//")
		return update(a, b)
	case ast.OpConcat:
		a := ev.forceListOp(x, n.pos, "++")
		b := ev.forceListOp(y, n.pos, "++")
		if len(a.Elems) == 0 {
			return b
		}
		if len(b.Elems) == 0 {
			return a
		}
		l := make([]Value, 0, len(a.Elems)+len(b.Elems))
		l = append(l, a.Elems...)
		l = append(l, b.Elems...)
		return &List{Elems: l}
	case ast.OpAdd:
		return ev.add(x, y, n.pos)
	case ast.OpSub, ast.OpMul, ast.OpDiv:
		return ev.arith(n.op, x, y, n.pos)
	case ast.OpLess:
		return ev.lessThan(x, y, n.pos)
	case ast.OpGreater:
		return ev.lessThan(y, x, n.pos)
	case ast.OpLeq:
		return !ev.lessThan(y, x, n.pos)
	case ast.OpGeq:
		return !ev.lessThan(x, y, n.pos)
	}
	throwf(n.pos, "operator %s is not supported", n.op)
	return nil
}

func (ev *Evaluator) forceBoolOp(v Value, pos token.Pos, op string) bool {
	b, ok := v.(bool)
	if !ok {
		throwf(pos, "value is %s while a Boolean was expected (in the operands of %s)", typeName(v), op)
	}
	return b
}

func (ev *Evaluator) forceAttrsOp(v Value, pos token.Pos, op string) *Attrs {
	a, ok := v.(*Attrs)
	if !ok {
		throwf(pos, "value is %s while a set was expected (in the operands of %s)", typeName(v), op)
	}
	return a
}

func (ev *Evaluator) forceListOp(v Value, pos token.Pos, op string) *List {
	a, ok := v.(*List)
	if !ok {
		throwf(pos, "value is %s while a list was expected (in the operands of %s)", typeName(v), op)
	}
	return a
}

// add implements +: numbers add, paths and strings concatenate.
func (ev *Evaluator) add(x, y Value, pos token.Pos) Value {
	switch a := x.(type) {
	case int64:
		switch b := y.(type) {
		case int64:
			s := a + b
			if (s > a) != (b > 0) {
				throwf(pos, "integer overflow in adding %d + %d", a, b)
			}
			return s
		case float64:
			return float64(a) + b
		}
		throwf(pos, "cannot add %s to an integer", typeName(y))
	case float64:
		switch b := y.(type) {
		case int64:
			return a + float64(b)
		case float64:
			return a + b
		}
		throwf(pos, "cannot add %s to a float", typeName(y))
	case Path:
		s, ctx := ev.coerceToString(y, pos, coerceOpts{})
		if len(ctx) > 0 {
			throwf(pos, "a string that refers to a store path cannot be appended to a path")
		}
		return Path(canonPath(string(a) + s))
	case *String:
		s, ctx := ev.coerceToString(y, pos, coerceOpts{copyToStore: true})
		return &String{S: a.S + s, Ctx: a.Ctx.Merge(ctx)}
	}
	s1, c1 := ev.coerceToString(x, pos, coerceOpts{copyToStore: true})
	s2, c2 := ev.coerceToString(y, pos, coerceOpts{copyToStore: true})
	return &String{S: s1 + s2, Ctx: c1.Merge(c2)}
}

func (ev *Evaluator) arith(op ast.Op, x, y Value, pos token.Pos) Value {
	ai, aInt := x.(int64)
	bi, bInt := y.(int64)
	if aInt && bInt {
		switch op {
		case ast.OpSub:
			d := ai - bi
			if (d < ai) != (bi > 0) {
				throwf(pos, "integer overflow in subtracting %d - %d", ai, bi)
			}
			return d
		case ast.OpMul:
			if ai != 0 && bi != 0 {
				p := ai * bi
				if p/bi != ai || (ai == -1 && bi == math.MinInt64) || (bi == -1 && ai == math.MinInt64) {
					throwf(pos, "integer overflow in multiplying %d * %d", ai, bi)
				}
				return p
			}
			return int64(0)
		case ast.OpDiv:
			if bi == 0 {
				throwf(pos, "division by zero")
			}
			if ai == math.MinInt64 && bi == -1 {
				throwf(pos, "integer overflow in dividing %d / %d", ai, bi)
			}
			return ai / bi
		}
	}
	af := ev.numberOp(x, pos)
	bf := ev.numberOp(y, pos)
	switch op {
	case ast.OpSub:
		return af - bf
	case ast.OpMul:
		return af * bf
	default:
		if bf == 0 {
			throwf(pos, "division by zero")
		}
		return af / bf
	}
}

func (ev *Evaluator) numberOp(v Value, pos token.Pos) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	throwf(pos, "value is %s while a number was expected", typeName(v))
	return 0
}

// equal implements ==. Inside lists and sets, two references to the same
// value are equal without looking (so that lists holding the same function
// compare equal, as in Nix).
func (ev *Evaluator) equal(x, y Value, pos token.Pos, nested bool) bool {
	if nested {
		if sameRef(x, y) {
			return true
		}
	}
	x = ev.force(x, pos)
	y = ev.force(y, pos)
	switch a := x.(type) {
	case int64:
		switch b := y.(type) {
		case int64:
			return a == b
		case float64:
			return float64(a) == b
		}
		return false
	case float64:
		switch b := y.(type) {
		case int64:
			return a == float64(b)
		case float64:
			return a == b
		}
		return false
	case bool:
		b, ok := y.(bool)
		return ok && a == b
	case nil:
		return y == nil
	case *String:
		b, ok := y.(*String)
		return ok && a.S == b.S
	case Path:
		b, ok := y.(Path)
		return ok && a == b
	case *List:
		b, ok := y.(*List)
		if !ok || len(a.Elems) != len(b.Elems) {
			return false
		}
		if a == b {
			return true
		}
		for i := range a.Elems {
			if !ev.equal(a.Elems[i], b.Elems[i], pos, true) {
				return false
			}
		}
		return true
	case *Attrs:
		b, ok := y.(*Attrs)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		if ev.isDerivation(a) && ev.isDerivation(b) {
			oa, ok1 := a.Get("outPath")
			ob, ok2 := b.Get("outPath")
			if ok1 && ok2 {
				return ev.equal(oa.Value, ob.Value, pos, true)
			}
		}
		if len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if a.List[i].Name != b.List[i].Name {
				return false
			}
		}
		for i := range a.List {
			if !ev.equal(a.List[i].Value, b.List[i].Value, pos, true) {
				return false
			}
		}
		return true
	}
	return false
}

func sameRef(x, y Value) bool {
	switch a := x.(type) {
	case *Thunk:
		b, ok := y.(*Thunk)
		return ok && a == b
	case *Lambda:
		b, ok := y.(*Lambda)
		return ok && a == b
	case *Primop:
		b, ok := y.(*Primop)
		return ok && a == b
	case *PrimopApp:
		b, ok := y.(*PrimopApp)
		return ok && a == b
	}
	return false
}

func (ev *Evaluator) isDerivation(a *Attrs) bool {
	t, ok := a.Get("type")
	if !ok {
		return false
	}
	s, ok := ev.force(t.Value, token.NoPos).(*String)
	return ok && s.S == "derivation"
}

// lessThan implements <: numbers, strings, paths and lists.
func (ev *Evaluator) lessThan(x, y Value, pos token.Pos) bool {
	switch a := x.(type) {
	case int64:
		switch b := y.(type) {
		case int64:
			return a < b
		case float64:
			return float64(a) < b
		}
	case float64:
		switch b := y.(type) {
		case int64:
			return a < float64(b)
		case float64:
			return a < b
		}
	case *String:
		if b, ok := y.(*String); ok {
			return a.S < b.S
		}
	case Path:
		if b, ok := y.(Path); ok {
			return a < b
		}
	case *List:
		if b, ok := y.(*List); ok {
			for i := 0; ; i++ {
				if i == len(b.Elems) {
					return false
				}
				if i == len(a.Elems) {
					return true
				}
				if !ev.equal(a.Elems[i], b.Elems[i], pos, true) {
					return ev.lessThan(ev.force(a.Elems[i], pos), ev.force(b.Elems[i], pos), pos)
				}
			}
		}
	}
	if typeName(x) == typeName(y) {
		throwf(pos, "cannot compare %s with %s; values of that type are incomparable", typeName(x), typeName(y))
	}
	throwf(pos, "cannot compare %s with %s", typeName(x), typeName(y))
	return false
}

// interpNode is an interpolated string or path.
type interpNode struct {
	parts  []node
	isPath bool
	pos    token.Pos
}

func (n *interpNode) eval(ev *Evaluator, e *env) Value {
	if n.isPath {
		var b strings.Builder
		first := n.parts[0].eval(ev, e)
		switch p := first.(type) {
		case Path:
			b.WriteString(string(p))
		case *String:
			b.WriteString(p.S)
		default:
			s, _ := ev.coerceToString(first, n.pos, coerceOpts{})
			b.WriteString(s)
		}
		for _, p := range n.parts[1:] {
			s, ctx := ev.coerceToString(p.eval(ev, e), n.pos, coerceOpts{})
			if len(ctx) > 0 {
				throwf(n.pos, "a string that refers to a store path cannot be appended to a path")
			}
			b.WriteString(s)
		}
		return Path(canonPath(b.String()))
	}
	// Evaluate the parts first, then build the string in one allocation.
	var small [4]string
	strs := small[:0]
	var ctx Context
	size := 0
	for _, p := range n.parts {
		v := p.eval(ev, e)
		var str string
		if s, ok := v.(*String); ok {
			str = s.S
			ctx = ctx.Merge(s.Ctx)
		} else {
			var c Context
			str, c = ev.coerceToString(v, n.pos, coerceOpts{copyToStore: true})
			ctx = ctx.Merge(c)
		}
		strs = append(strs, str)
		size += len(str)
	}
	var b strings.Builder
	b.Grow(size)
	for _, str := range strs {
		b.WriteString(str)
	}
	return &String{S: b.String(), Ctx: ctx}
}

// canonPath cleans an absolute path as Nix does (no "." or ".." or
// repeated slashes; ".." of the root is the root).
func canonPath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return filepath.Clean(p)
}

// posAttrs returns { file, line, column } for pos, or null.
func (ev *Evaluator) posAttrs(pos token.Pos) Value {
	p := ev.fset.Position(pos)
	if !p.IsValid() {
		return nil
	}
	return &Attrs{List: []Attr{
		{Name: "column", Value: int64(p.Column)},
		{Name: "file", Value: mkString(p.Filename)},
		{Name: "line", Value: int64(p.Line)},
	}}
}

// maxDepth bounds the nesting that recursive printers (JSON, XML) follow.
const maxDepth = defaultMaxCallDepth
