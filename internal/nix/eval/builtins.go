package eval

import (
	"sort"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/spelling"
)

// initBuiltins builds the `builtins` set and the base environment: every
// builtin as `builtins.NAME` and `__NAME`, plus the few Nix puts in scope
// directly (map, toString, import, ...).
func (ev *Evaluator) initBuiltins() {
	var ops []*Primop
	ops = append(ops, coreBuiltins()...)
	ops = append(ops, listBuiltins()...)
	ops = append(ops, attrBuiltins()...)
	ops = append(ops, stringBuiltins()...)
	ops = append(ops, fileBuiltins()...)
	ops = append(ops, storeBuiltins()...)
	ops = append(ops, formatBuiltins()...)
	ops = append(ops, hashBuiltins()...)
	ops = append(ops, flakeRefBuiltins()...)
	ops = append(ops, moduleBuiltins()...)

	attrs := make([]Attr, 0, len(ops)+16)
	for _, op := range ops {
		attrs = append(attrs, Attr{Name: op.Name, Value: op})
	}
	consts := ev.constants()
	for name, v := range consts {
		attrs = append(attrs, Attr{Name: name, Value: v})
	}
	b := newAttrs(attrs)
	if i, dup := dupName(b.List); dup {
		panic("builtin defined twice: " + b.List[i].Name)
	}
	ev.builtins = b
	// builtins.builtins is the set itself.
	withSelf := append([]Attr(nil), b.List...)
	withSelf = append(withSelf, Attr{Name: "builtins", Value: nil})
	b2 := newAttrs(withSelf)
	for i := range b2.List {
		if b2.List[i].Name == "builtins" {
			b2.List[i].Value = b2
		}
	}
	ev.builtins = b2

	// The base scope: builtins, __NAME for each, and the unprefixed few.
	names := map[string]int{}
	var vals []Value
	add := func(name string, v Value) {
		if _, ok := names[name]; ok {
			return
		}
		names[name] = len(vals)
		vals = append(vals, v)
	}
	add("builtins", b2)
	add("true", true)
	add("false", false)
	add("null", nil)
	for _, a := range b2.List {
		if a.Name == "builtins" || a.Name == "true" || a.Name == "false" || a.Name == "null" {
			continue
		}
		add("__"+a.Name, a.Value)
	}
	for _, name := range []string{"abort", "baseNameOf", "derivation", "derivationStrict", "dirOf", "fetchGit", "fetchMercurial", "fetchTarball", "fetchTree", "fetchurl", "fromTOML", "import", "isNull", "map", "placeholder", "removeAttrs", "scopedImport", "throw", "toString"} {
		if a, ok := b2.Get(name); ok {
			add(name, a.Value)
		}
	}
	ev.baseScope = &scope{names: names}
	ev.baseEnv = &env{vals: vals}
	ev.finishBuiltins()
}

// constants are the non-function builtins.
func (ev *Evaluator) constants() map[string]Value {
	return map[string]Value{
		"true":          true,
		"false":         false,
		"null":          nil,
		"currentSystem": mkString(ev.opts.System),
		"currentTime":   int64(0),
		"langVersion":   int64(6),
		"nixVersion":    mkString("2.8.0"),
		"storeDir":      mkString(ev.storeDir()),
		"nixPath":       ev.nixPathValue(),
	}
}

func (ev *Evaluator) storeDir() string {
	if ev.store != nil {
		return ev.store.StoreDir()
	}
	return "/nix/store"
}

// setBuiltin replaces the value of a builtin after initialisation (for
// builtins written in the Nix language, such as derivation).
func (ev *Evaluator) setBuiltin(name string, v Value) {
	if a, ok := ev.builtins.Get(name); ok {
		a.Value = v
	}
	for n, i := range ev.baseScope.names {
		if n == name || n == "__"+name {
			ev.baseEnv.vals[i] = v
		}
	}
}

func prim(name string, arity int, fn func(ev *Evaluator, pos token.Pos, args []Value) Value) *Primop {
	return &Primop{Name: name, Arity: arity, Fn: fn}
}

// didYouMean suggests the closest of names to name, or "".
func didYouMean(name string, names []string) string {
	best, bestD := "", 3
	if len(name) <= 3 {
		bestD = 2
	}
	for _, n := range names {
		if d := spelling.Distance(name, n, 3); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean '" + best + "'?"
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ = strings.Compare
