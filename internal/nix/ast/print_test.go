package ast

import (
	"math"
	"testing"
)

func TestIdentifier(t *testing.T) {
	tests := map[string]string{
		"a":       "a",
		"a-b'c_1": "a-b'c_1",
		"_x":      "_x",
		"or":      "or",
		"if":      `"if"`,
		"inherit": `"inherit"`,
		"":        `""`,
		"1a":      `"1a"`,
		"a.b":     `"a.b"`,
		"a b":     `"a b"`,
		"${x}":    `"\${x}"`,
		"é":       `"é"`,
	}
	for in, want := range tests {
		if got := Identifier(in); got != want {
			t.Errorf("Identifier(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := map[string]string{
		"":            `""`,
		"a\"b\\c":     `"a\"b\\c"`,
		"\n\r\t":      `"\n\r\t"`,
		"$a $ ${ $${": `"$a $ \${ $\${"`,
		"end$":        `"end$"`,
		"\x01é":       "\"\x01é\"",
	}
	for in, want := range tests {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFormatFloat(t *testing.T) {
	// C++'s default stream format: %g with six significant digits.
	tests := map[float64]string{
		0:               "0",
		1:               "1",
		1.5:             "1.5",
		0.1:             "0.1",
		0.0015:          "0.0015",
		0.0001:          "0.0001",
		0.00001:         "1e-05",
		123456:          "123456",
		1234567:         "1.23457e+06",
		100000000:       "1e+08",
		1e20:            "1e+20",
		3.14159265:      "3.14159",
		1e100:           "1e+100",
		-2.5:            "-2.5",
		math.MaxFloat64: "1.79769e+308",
	}
	for in, want := range tests {
		if got := FormatFloat(in); got != want {
			t.Errorf("FormatFloat(%v) = %s, want %s", in, got, want)
		}
	}
}

func v(name string) *Var { return &Var{Name: name} }

func TestPrint(t *testing.T) {
	body := &Attrs{
		Rec: true,
		Attrs: []*AttrDef{
			{Name: "z", Value: &Int{Value: 1}},
			{Name: "b", Kind: Inherited, Value: v("b")},
			{Name: "y", Kind: InheritedFrom, From: 1},
			{Name: "a", Kind: Inherited, Value: v("a")},
			{Name: "x", Kind: InheritedFrom, From: 0},
			{Name: "w", Kind: InheritedFrom, From: 1},
			{Name: "a b", Value: &String{Value: "s"}},
		},
		Dynamic:     []*DynamicAttr{{Name: v("d"), Value: &Float{Value: 2.5}}},
		InheritFrom: []Expr{v("e0"), v("e1")},
	}
	tests := []struct {
		e    Expr
		want string
	}{
		{body, `rec { inherit a b; inherit (e0) x; inherit (e1) w y; "a b" = "s"; z = 1; "${d}" = 2.5; }`},
		{&Binary{Op: OpSub, X: v("a"), Y: v("b")}, "(__sub a b)"},
		{&Binary{Op: OpMul, X: v("a"), Y: v("b")}, "(__mul a b)"},
		{&Binary{Op: OpDiv, X: v("a"), Y: v("b")}, "(__div a b)"},
		{&Binary{Op: OpLess, X: v("a"), Y: v("b")}, "(__lessThan a b)"},
		{&Binary{Op: OpGreater, X: v("a"), Y: v("b")}, "(__lessThan b a)"},
		{&Binary{Op: OpLeq, X: v("a"), Y: v("b")}, "(! (__lessThan b a))"},
		{&Binary{Op: OpGeq, X: v("a"), Y: v("b")}, "(! (__lessThan a b))"},
		{&Binary{Op: OpAdd, X: v("a"), Y: v("b")}, "(a + b)"},
		{&Binary{Op: OpUpdate, X: v("a"), Y: v("b")}, "(a // b)"},
		{&Binary{Op: OpPipeInto, X: v("x"), Y: v("f")}, "(f x)"},
		{&Binary{Op: OpPipeFrom, X: v("f"), Y: v("x")}, "(f x)"},
		{&Neg{X: v("a")}, "(__sub 0 a)"},
		{&Not{X: v("a")}, "(! a)"},
		// Applying a desugared operator is one call in Nix's tree.
		{&Call{Fn: &Binary{Op: OpSub, X: v("a"), Y: v("b")}, Args: []Expr{v("c")}}, "(__sub a b c)"},
		{&Call{Fn: &Neg{X: v("a")}, Args: []Expr{v("c")}}, "(__sub 0 a c)"},
		{&Call{Fn: &Binary{Op: OpLeq, X: v("a"), Y: v("b")}, Args: []Expr{v("c")}}, "((! (__lessThan b a)) c)"},
		{&Select{X: v("a"), Path: []AttrName{{Name: "b"}, {Expr: v("c")}, {Name: "if"}}, Default: v("d")}, `(a).b."${c}"."if" or (d)`},
		{&HasAttr{X: v("a"), Path: []AttrName{{Name: "b"}}}, "((a) ? b)"},
		{&List{Elems: []Expr{v("a"), &List{}}}, "[ (a) ([ ]) ]"},
		{&Lambda{Arg: "x", Body: v("x")}, "(x: x)"},
		{&Lambda{Arg: "x", Formals: &Formals{List: []*Formal{{Name: "b"}, {Name: "a", Default: &Int{Value: 1}}}, Ellipsis: true}, Body: v("x")}, "({ a ? 1, b, ... } @ x: x)"},
		{&Lambda{Formals: &Formals{}, Body: v("x")}, "({  }: x)"},
		{&Lambda{Formals: &Formals{Ellipsis: true}, Body: v("x")}, "({ ... }: x)"},
		{&Let{Bindings: &Attrs{Attrs: []*AttrDef{{Name: "a", Value: &Int{Value: 1}}}}, Body: v("a")}, "(let a = 1; in a)"},
		{&With{Attrs: v("a"), Body: v("b")}, "(with a; b)"},
		{&If{Cond: v("a"), Then: v("b"), Else: v("c")}, "(if a then b else c)"},
		{&Assert{Cond: v("a"), Body: v("b")}, "assert a; b"},
		{&Interp{Parts: []Expr{&String{Value: "a"}, v("b")}}, `("a" + b)`},
		{&Interp{IsPath: true, Parts: []Expr{&Path{Value: "/p/"}, v("b")}}, `(/p/ + b)`},
		{&CurPos{}, "__curPos"},
		{&Int{Value: -3}, "-3"},
		{&Path{Value: "/a b"}, "/a b"},
	}
	for _, tt := range tests {
		if got := Print(tt.e); got != tt.want {
			t.Errorf("Print = %s\n          want %s", got, tt.want)
		}
	}
}
