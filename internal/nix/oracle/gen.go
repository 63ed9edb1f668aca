package oracle

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Generate returns n random, well-typed Nix expressions, the same ones for
// the same seed. They mix arithmetic (integers and floats), strings with
// escapes and interpolation, lists, attribute sets, let, if, lambdas with
// plain and set patterns, calls and builtins, so that every one evaluates
// without error and prints a value; differential tests evaluate them with
// cairn and with Nix and compare the output.
func Generate(seed uint64, n int) []string {
	g := &generator{rnd: rand.New(rand.NewPCG(seed, 0x6361_6972_6e00))}
	out := make([]string, n)
	for i := range out {
		g.vars = g.vars[:0]
		g.next = 0
		out[i] = g.expr(g.pickType(), 4)
	}
	return out
}

// typ is the type of a generated expression.
type typ int

const (
	tInt typ = iota
	tFloat
	tBool
	tString
	tList  // list of integers
	tAttrs // { a = int; b = string; l = list; }
	numTypes
)

type variable struct {
	name string
	t    typ
}

type generator struct {
	rnd  *rand.Rand
	vars []variable // in scope, innermost last
	next int        // counter for fresh names
}

func (g *generator) pickType() typ { return typ(g.rnd.IntN(int(numTypes))) }

func (g *generator) pick(options ...func() string) string {
	return options[g.rnd.IntN(len(options))]()
}

// fresh returns a new variable name.
func (g *generator) fresh(prefix string) string {
	g.next++
	return fmt.Sprintf("%s%d", prefix, g.next)
}

// scoped generates body with v in scope.
func (g *generator) scoped(v variable, body func() string) string {
	g.vars = append(g.vars, v)
	defer func() { g.vars = g.vars[:len(g.vars)-1] }()
	return body()
}

// varOf returns a variable of type t in scope, or "".
func (g *generator) varOf(t typ) string {
	var names []string
	for _, v := range g.vars {
		if v.t == t {
			names = append(names, v.name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return names[g.rnd.IntN(len(names))]
}

// expr generates an expression of type t with at most depth levels of
// nesting.
func (g *generator) expr(t typ, depth int) string {
	if depth <= 0 || g.rnd.IntN(5) == 0 {
		if v := g.varOf(t); v != "" && g.rnd.IntN(2) == 0 {
			return v
		}
		return g.leaf(t)
	}
	d := depth - 1
	// Forms common to every type.
	switch g.rnd.IntN(15) {
	case 0:
		return fmt.Sprintf("(if %s then %s else %s)", g.expr(tBool, d), g.expr(t, d), g.expr(t, d))
	case 1:
		vt := g.pickType()
		name := g.fresh("v")
		val := g.expr(vt, d)
		return fmt.Sprintf("(let %s = %s; in %s)", name, val, g.scoped(variable{name, vt}, func() string { return g.expr(t, d) }))
	case 2:
		at := g.pickType()
		name := g.fresh("x")
		body := g.scoped(variable{name, at}, func() string { return g.expr(t, d) })
		return fmt.Sprintf("((%s: %s) %s)", name, body, g.expr(at, d))
	case 3:
		// A set pattern with a default and an ellipsis.
		p, q := g.fresh("p"), g.fresh("q")
		pv := variable{p, tInt}
		qv := variable{q, tString}
		body := g.scoped(pv, func() string { return g.scoped(qv, func() string { return g.expr(t, d) }) })
		arg := fmt.Sprintf("{ %s = %s; extra = null; }", p, g.expr(tInt, d))
		if g.rnd.IntN(2) == 0 {
			arg = fmt.Sprintf("{ %s = %s; %s = %s; }", p, g.expr(tInt, d), q, g.expr(tString, d))
		}
		return fmt.Sprintf("(({ %s, %s ? %s, ... }: %s) %s)", p, q, g.leaf(tString), body, arg)
	case 4:
		return fmt.Sprintf("(with { w%d = %s; }; %s)", g.rnd.IntN(3), g.expr(tInt, d), g.expr(t, d))
	case 5:
		// An @-pattern reaching the argument through the whole set.
		p, args := g.fresh("p"), g.fresh("args")
		body := g.scoped(variable{p, tInt}, func() string { return g.expr(t, d) })
		return fmt.Sprintf("((%s@{ %s, ... }: builtins.seq %s.%s %s) { %s = %s; })", args, p, args, p, body, p, g.expr(tInt, d))
	case 6:
		fn := []string{"seq", "deepSeq"}[g.rnd.IntN(2)]
		return fmt.Sprintf("(builtins.%s %s %s)", fn, g.expr(g.pickType(), d), g.expr(t, d))
	case 7:
		return fmt.Sprintf("(builtins.tryEval %s).value", g.expr(t, d))
	}
	switch t {
	case tInt:
		return g.pick(
			func() string {
				op := []string{"+", "-", "*"}[g.rnd.IntN(3)]
				return fmt.Sprintf("(%s %s %s)", g.expr(tInt, d), op, g.expr(tInt, d))
			},
			func() string { return fmt.Sprintf("(%s / %d)", g.expr(tInt, d), g.nonZero()) },
			func() string { return fmt.Sprintf("(builtins.length %s)", g.expr(tList, d)) },
			func() string { return fmt.Sprintf("(builtins.stringLength %s)", g.expr(tString, d)) },
			func() string {
				return fmt.Sprintf("(builtins.foldl' (acc: e: acc + e) %s %s)", g.expr(tInt, d), g.expr(tList, d))
			},
			func() string { return fmt.Sprintf("(builtins.head ([ %s ] ++ %s))", g.expr(tInt, d), g.expr(tList, d)) },
			func() string { return fmt.Sprintf("%s.a", g.expr(tAttrs, d)) },
			func() string {
				op := []string{"bitAnd", "bitOr", "bitXor"}[g.rnd.IntN(3)]
				return fmt.Sprintf("(builtins.%s %s %s)", op, g.expr(tInt, d), g.expr(tInt, d))
			},
			func() string {
				return fmt.Sprintf("(builtins.length (builtins.attrNames %s))", g.expr(tAttrs, d))
			},
			func() string {
				return fmt.Sprintf("(builtins.compareVersions %s %s)", g.version(), g.version())
			},
			func() string { return fmt.Sprintf("(-%s)", g.expr(tInt, d)) },
			func() string { return fmt.Sprintf("(builtins.length (builtins.split \"b\" %s))", g.expr(tString, d)) },
		)
	case tFloat:
		return g.pick(
			func() string {
				op := []string{"+", "-", "*"}[g.rnd.IntN(3)]
				return fmt.Sprintf("(%s %s %s)", g.expr(tFloat, d), op, g.expr(tFloat, d))
			},
			func() string { return fmt.Sprintf("(%s / %d.5)", g.expr(tFloat, d), g.rnd.IntN(9)) },
			func() string { return fmt.Sprintf("(%s * 0.5)", g.expr(tInt, d)) },
			func() string { return fmt.Sprintf("(%s + 0.25)", g.expr(tInt, d)) },
		)
	case tBool:
		return g.pick(
			func() string {
				op := []string{"<", "<=", ">", ">=", "==", "!="}[g.rnd.IntN(6)]
				return fmt.Sprintf("(%s %s %s)", g.expr(tInt, d), op, g.expr(tInt, d))
			},
			func() string {
				op := []string{"==", "!=", "<"}[g.rnd.IntN(3)]
				return fmt.Sprintf("(%s %s %s)", g.expr(tString, d), op, g.expr(tString, d))
			},
			func() string {
				op := []string{"&&", "||", "->"}[g.rnd.IntN(3)]
				return fmt.Sprintf("(%s %s %s)", g.expr(tBool, d), op, g.expr(tBool, d))
			},
			func() string { return fmt.Sprintf("(!%s)", g.expr(tBool, d)) },
			func() string { return fmt.Sprintf("(builtins.elem %s %s)", g.expr(tInt, d), g.expr(tList, d)) },
			func() string {
				return fmt.Sprintf("(%s ? %s)", g.expr(tAttrs, d), []string{"a", "b", "l", "z"}[g.rnd.IntN(4)])
			},
			func() string {
				fn := []string{"all", "any"}[g.rnd.IntN(2)]
				return fmt.Sprintf("(builtins.%s (e: e > %s) %s)", fn, g.expr(tInt, d), g.expr(tList, d))
			},
			func() string { return fmt.Sprintf("(%s == %s)", g.expr(tList, d), g.expr(tList, d)) },
			func() string {
				return fmt.Sprintf("(builtins.isString %s)", g.expr(g.pickType(), d))
			},
			func() string { return fmt.Sprintf("(builtins.match \"a.*\" %s == null)", g.expr(tString, d)) },
		)
	case tString:
		return g.pick(
			func() string { return fmt.Sprintf("(%s + %s)", g.expr(tString, d), g.expr(tString, d)) },
			func() string { return fmt.Sprintf("\"<${%s}>\"", g.expr(tString, d)) },
			func() string { return fmt.Sprintf("(toString %s)", g.expr(tInt, d)) },
			func() string { return fmt.Sprintf("(toString %s)", g.expr(tFloat, d)) },
			func() string {
				return fmt.Sprintf("(builtins.substring %d %d %s)", g.rnd.IntN(4), g.rnd.IntN(6), g.expr(tString, d))
			},
			func() string {
				return fmt.Sprintf("(builtins.concatStringsSep \",\" (map toString %s))", g.expr(tList, d))
			},
			func() string {
				return fmt.Sprintf("(builtins.replaceStrings [ \"a\" \"b\" ] [ \"B\" \"\" ] %s)", g.expr(tString, d))
			},
			func() string { return fmt.Sprintf("(builtins.typeOf %s)", g.expr(g.pickType(), d)) },
			func() string { return fmt.Sprintf("(builtins.toJSON %s)", g.expr(g.pickType(), d)) },
			func() string { return fmt.Sprintf("%s.b", g.expr(tAttrs, d)) },
			func() string {
				return fmt.Sprintf("(builtins.hashString \"sha256\" %s)", g.expr(tString, d))
			},
			func() string { return fmt.Sprintf("''\n  x ${%s}\n    y''", g.expr(tString, d)) },
			func() string {
				return fmt.Sprintf("(builtins.concatStringsSep \"|\" (builtins.filter builtins.isString (builtins.split \"(a)|b\" %s)))", g.expr(tString, d))
			},
		)
	case tList:
		return g.pick(
			func() string {
				var items []string
				for i := g.rnd.IntN(4); i > 0; i-- {
					items = append(items, g.expr(tInt, d))
				}
				return "[ " + strings.Join(append(items, ""), " ") + "]"
			},
			func() string {
				x := g.fresh("e")
				body := g.scoped(variable{x, tInt}, func() string { return g.expr(tInt, d) })
				return fmt.Sprintf("(map (%s: %s) %s)", x, body, g.expr(tList, d))
			},
			func() string {
				x := g.fresh("e")
				body := g.scoped(variable{x, tInt}, func() string { return g.expr(tBool, d) })
				return fmt.Sprintf("(builtins.filter (%s: %s) %s)", x, body, g.expr(tList, d))
			},
			func() string { return fmt.Sprintf("(%s ++ %s)", g.expr(tList, d), g.expr(tList, d)) },
			func() string {
				x := g.fresh("i")
				body := g.scoped(variable{x, tInt}, func() string { return g.expr(tInt, d) })
				return fmt.Sprintf("(builtins.genList (%s: %s) %d)", x, body, g.rnd.IntN(5))
			},
			func() string { return fmt.Sprintf("(builtins.sort builtins.lessThan %s)", g.expr(tList, d)) },
			func() string { return fmt.Sprintf("(builtins.sort (p: q: p > q) %s)", g.expr(tList, d)) },
			func() string { return fmt.Sprintf("(builtins.concatMap (e: [ e e ]) %s)", g.expr(tList, d)) },
			func() string { return fmt.Sprintf("%s.l", g.expr(tAttrs, d)) },
			func() string {
				return fmt.Sprintf("(builtins.tail ([ %s ] ++ %s))", g.expr(tInt, d), g.expr(tList, d))
			},
			func() string {
				return fmt.Sprintf("(builtins.attrValues (builtins.removeAttrs %s [ \"b\" \"l\" ]))", g.expr(tAttrs, d))
			},
			func() string {
				return fmt.Sprintf("(builtins.partition (e: e > %s) %s).right", g.expr(tInt, d), g.expr(tList, d))
			},
		)
	case tAttrs:
		return g.pick(
			func() string {
				return fmt.Sprintf("{ a = %s; b = %s; l = %s; }", g.expr(tInt, d), g.expr(tString, d), g.expr(tList, d))
			},
			func() string {
				return fmt.Sprintf("rec { a = %s; b = toString a; l = [ a ]; }", g.expr(tInt, d))
			},
			func() string { return fmt.Sprintf("(%s // { a = %s; })", g.expr(tAttrs, d), g.expr(tInt, d)) },
			func() string {
				s := g.fresh("s")
				return fmt.Sprintf("(let %s = %s; in { inherit (%s) a b; l = %s.l ++ [ 1 ]; })", s, g.expr(tAttrs, d), s, s)
			},
			func() string { return fmt.Sprintf("(builtins.mapAttrs (n: v: v) %s)", g.expr(tAttrs, d)) },
			func() string {
				return fmt.Sprintf("(builtins.listToAttrs [ { name = \"a\"; value = %s; } { name = \"b\"; value = %s; } { name = \"l\"; value = %s; } ])",
					g.expr(tInt, d), g.expr(tString, d), g.expr(tList, d))
			},
			func() string {
				return fmt.Sprintf("(builtins.intersectAttrs { a = null; b = null; l = null; } (%s // { z = 0; }))", g.expr(tAttrs, d))
			},
			func() string { return fmt.Sprintf("(builtins.fromJSON (builtins.toJSON %s))", g.expr(tAttrs, d)) },
		)
	}
	panic(fmt.Sprintf("oracle: generator has no form for type %d", t))
}

// leaf generates a constant of type t.
func (g *generator) leaf(t typ) string {
	switch t {
	case tInt:
		if g.rnd.IntN(4) == 0 {
			return fmt.Sprintf("(-%d)", g.rnd.IntN(1000))
		}
		return fmt.Sprint(g.rnd.IntN(100))
	case tFloat:
		return []string{"0.5", "1.25", "3.0", "0.1", "100.125", "2.0e3", "1.0e-3", "123456.789"}[g.rnd.IntN(8)]
	case tBool:
		return []string{"true", "false"}[g.rnd.IntN(2)]
	case tString:
		return []string{`""`, `"a"`, `"abc"`, `"a b\n"`, `"tab\tq\"uote"`, `"\${lit}"`, `"back\\slash"`, `"héllo"`, `''ind''`, `"ab"`}[g.rnd.IntN(10)]
	case tList:
		return []string{"[ ]", "[ 1 ]", "[ 3 1 2 ]", "[ 5 5 (-1) ]"}[g.rnd.IntN(4)]
	case tAttrs:
		return fmt.Sprintf("{ a = %d; b = %s; l = %s; }", g.rnd.IntN(10), g.leaf(tString), g.leaf(tList))
	}
	panic(fmt.Sprintf("oracle: generator has no leaf for type %d", t))
}

func (g *generator) nonZero() int {
	n := g.rnd.IntN(9) + 1
	if g.rnd.IntN(4) == 0 {
		return -n
	}
	return n
}

func (g *generator) version() string {
	parts := []string{"1", "2", "10", "pre", "0", "a", "rc1"}
	var b []string
	for i := g.rnd.IntN(3) + 1; i > 0; i-- {
		b = append(b, parts[g.rnd.IntN(len(parts))])
	}
	return `"` + strings.Join(b, ".") + `"`
}
