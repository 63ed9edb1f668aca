// Package ast declares the syntax tree of the Nix language.
//
// The tree is close to the one Nix's own parser builds, so that printing it
// (Print, in the format of `nix-instantiate --parse`) gives the same text:
//
//   - nested attribute paths (`a.b.c = 1; a.d = 2;`) are merged into nested
//     Attrs while parsing, and duplicate definitions are parse errors;
//   - `<name>` becomes `__findFile __nixPath "name"` and the legacy
//     `let { ...; body = e; }` becomes `(rec { ... }).body`;
//   - relative and home paths are resolved to absolute paths by the parser;
//   - arithmetic and comparison operators stay Binary nodes (Nix desugars
//     them into calls of `__sub`, `__lessThan`, ...; Print shows that form).
//
// Every node knows its position (token.Pos) so that errors and
// builtins.unsafeGetAttrPos can name file:line:col.
package ast

import "cairn.dev/cairn/internal/nix/token"

// Node is any node of the tree.
type Node interface {
	Pos() token.Pos // position of the first character of the node
}

// Expr is an expression node.
type Expr interface {
	Node
	exprNode()
}

// Int is an integer literal.
type Int struct {
	ValuePos token.Pos
	Value    int64
}

// Float is a floating-point literal.
type Float struct {
	ValuePos token.Pos
	Value    float64
}

// String is a string literal without interpolation (also a URI literal, and
// each literal part of an interpolated or indented string).
type String struct {
	ValuePos token.Pos
	Value    string
}

// Path is a path literal without interpolation, already made absolute.
type Path struct {
	ValuePos token.Pos
	Value    string
}

// Var is a variable reference.
type Var struct {
	NamePos token.Pos
	Name    string
}

// AttrName is one element of an attribute path: a static name, or a
// dynamic name (`${e}` or an interpolated string) when Expr is not nil.
type AttrName struct {
	NamePos token.Pos
	Name    string
	Expr    Expr
}

// Select is `X.a.b` or `X.a.b or Default`.
type Select struct {
	X       Expr
	Path    []AttrName
	Default Expr // nil without `or`
	EndPos  token.Pos
}

// HasAttr is `X ? a.b`.
type HasAttr struct {
	X    Expr
	Path []AttrName
}

// AttrKind tells how a static attribute is defined.
type AttrKind int

const (
	Plain         AttrKind = iota // name = value;
	Inherited                     // inherit name;  (Value is the *Var)
	InheritedFrom                 // inherit (e) name;  (From indexes Attrs.InheritFrom)
)

// AttrDef is one statically named attribute of an Attrs.
type AttrDef struct {
	NamePos token.Pos
	Name    string
	Kind    AttrKind
	Value   Expr // Plain and Inherited
	From    int  // InheritedFrom: index into the owning Attrs.InheritFrom
}

// DynamicAttr is an attribute whose name is computed: `${e} = v;` or
// `"a${e}" = v;`.
type DynamicAttr struct {
	NamePos token.Pos
	Name    Expr
	Value   Expr
}

// Attrs is an attribute set literal `{ ... }` or `rec { ... }`; it is also
// the binding list of a Let.
type Attrs struct {
	Lbrace      token.Pos
	Rec         bool
	Attrs       []*AttrDef // static names, unique, in order of first definition
	Dynamic     []*DynamicAttr
	InheritFrom []Expr // the expressions of `inherit (e) ...;`, in order
}

// List is `[ a b c ]`.
type List struct {
	Lbrack token.Pos
	Elems  []Expr
}

// Formal is one named argument of a pattern lambda.
type Formal struct {
	NamePos token.Pos
	Name    string
	Default Expr // nil without `?`
}

// Formals is the `{ a, b ? 1, ... }` pattern of a lambda.
type Formals struct {
	Lbrace   token.Pos
	List     []*Formal // in source order
	Ellipsis bool
}

// Lambda is `arg: body`, `{ formals }: body` or `arg @ { formals }: body`.
type Lambda struct {
	FuncPos token.Pos
	Arg     string   // "" when there is no plain argument name
	Formals *Formals // nil for `arg: body`
	Body    Expr
}

// Call is a function application `Fn Args...`; consecutive applications
// `f a b` are collapsed into one Call, as Nix does.
type Call struct {
	Fn   Expr
	Args []Expr
}

// Let is `let bindings in Body`. Bindings.Rec is false; the bindings
// scope over themselves and Body.
type Let struct {
	LetPos   token.Pos
	Bindings *Attrs
	Body     Expr
}

// With is `with Attrs; Body`.
type With struct {
	WithPos token.Pos
	Attrs   Expr
	Body    Expr
}

// If is `if Cond then Then else Else`.
type If struct {
	IfPos token.Pos
	Cond  Expr
	Then  Expr
	Else  Expr
}

// Assert is `assert Cond; Body`.
type Assert struct {
	AssertPos token.Pos
	Cond      Expr
	Body      Expr
}

// Not is `!X`.
type Not struct {
	OpPos token.Pos
	X     Expr
}

// Neg is unary minus `-X` (Nix: `__sub 0 X`).
type Neg struct {
	OpPos token.Pos
	X     Expr
}

// Op is a binary operator.
type Op int

const (
	OpEq       Op = iota // ==
	OpNEq                // !=
	OpAnd                // &&
	OpOr                 // ||
	OpImpl               // ->
	OpUpdate             // //
	OpConcat             // ++
	OpAdd                // +
	OpSub                // -   (__sub)
	OpMul                // *   (__mul)
	OpDiv                // /   (__div)
	OpLess               // <   (__lessThan a b)
	OpLeq                // <=  (! __lessThan b a)
	OpGreater            // >   (__lessThan b a)
	OpGeq                // >=  (! __lessThan a b)
	OpPipeFrom           // <|  (reserved; not in Nix 2.8)
	OpPipeInto           // |>  (reserved; not in Nix 2.8)
)

var opNames = [...]string{"==", "!=", "&&", "||", "->", "//", "++", "+", "-", "*", "/", "<", "<=", ">", ">=", "<|", "|>"}

// String returns the operator as written in source.
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "?"
}

// Binary is `X Op Y`.
type Binary struct {
	Op    Op
	OpPos token.Pos
	X, Y  Expr
}

// Interp is an interpolated string or path: the concatenation of Parts,
// where literal parts are *String (or a leading *Path for an interpolated
// path literal) and the others are the `${...}` expressions.
type Interp struct {
	StartPos token.Pos
	Parts    []Expr
	IsPath   bool // `./a/${b}`: the result is a path
}

// CurPos is `__curPos`.
type CurPos struct {
	At token.Pos
}

func (x *Int) Pos() token.Pos     { return x.ValuePos }
func (x *Float) Pos() token.Pos   { return x.ValuePos }
func (x *String) Pos() token.Pos  { return x.ValuePos }
func (x *Path) Pos() token.Pos    { return x.ValuePos }
func (x *Var) Pos() token.Pos     { return x.NamePos }
func (x *Select) Pos() token.Pos  { return x.X.Pos() }
func (x *HasAttr) Pos() token.Pos { return x.X.Pos() }
func (x *Attrs) Pos() token.Pos   { return x.Lbrace }
func (x *List) Pos() token.Pos    { return x.Lbrack }
func (x *Lambda) Pos() token.Pos  { return x.FuncPos }
func (x *Call) Pos() token.Pos    { return x.Fn.Pos() }
func (x *Let) Pos() token.Pos     { return x.LetPos }
func (x *With) Pos() token.Pos    { return x.WithPos }
func (x *If) Pos() token.Pos      { return x.IfPos }
func (x *Assert) Pos() token.Pos  { return x.AssertPos }
func (x *Not) Pos() token.Pos     { return x.OpPos }
func (x *Neg) Pos() token.Pos     { return x.OpPos }
func (x *Binary) Pos() token.Pos  { return x.OpPos }
func (x *Interp) Pos() token.Pos  { return x.StartPos }
func (x *CurPos) Pos() token.Pos  { return x.At }

func (*Int) exprNode()     {}
func (*Float) exprNode()   {}
func (*String) exprNode()  {}
func (*Path) exprNode()    {}
func (*Var) exprNode()     {}
func (*Select) exprNode()  {}
func (*HasAttr) exprNode() {}
func (*Attrs) exprNode()   {}
func (*List) exprNode()    {}
func (*Lambda) exprNode()  {}
func (*Call) exprNode()    {}
func (*Let) exprNode()     {}
func (*With) exprNode()    {}
func (*If) exprNode()      {}
func (*Assert) exprNode()  {}
func (*Not) exprNode()     {}
func (*Neg) exprNode()     {}
func (*Binary) exprNode()  {}
func (*Interp) exprNode()  {}
func (*CurPos) exprNode()  {}
