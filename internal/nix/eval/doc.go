// Package eval is cairn's evaluator for the Nix language: lazy, with
// string contexts, agreeing with Nix 2.8's output.
//
// # Pipeline
//
// A file is parsed (package parser) into a syntax tree (package ast), then
// compiled into a tree of nodes (compile.go). Compilation resolves every
// variable: a variable bound by a let, a rec set, a lambda or the base
// environment becomes a (level, index) pair, walked at run time through a
// chain of environments (env: a parent pointer and a slice of slots, small
// ones inline). A variable that no static scope binds but a `with` might
// becomes a withVarNode holding the levels of the enclosing withs, tried
// innermost first, after every static binding (Nix's rule). A variable
// that neither can provide is an "undefined variable" error before any
// evaluation, as in Nix.
//
// # Values and laziness
//
// Values are Go values behind an interface (value.go): int64, float64,
// bool, nil, *String (text plus context), Path, *Attrs (a slice sorted by
// name, so lookups are binary searches and `//` is a merge), *List,
// *Lambda, *Primop and *PrimopApp. A *Thunk delays a node in an env; node
// eval methods always return values in weak head normal form. thunkOf
// avoids thunks where Nix does: constants and variables are passed as they
// are, which also preserves the identity of a value cell, observable in
// Nix through `[ f ] == [ f ]` and the printer's «repeated».
//
// A thunk being evaluated is black-holed: forcing it again is "infinite
// recursion encountered". A thunk whose evaluation threw an error that
// builtins.tryEval caught keeps the error (as Nix does since 2.34), so
// forcing it again throws it again without evaluating twice; other errors
// reset it. A thunk is 24 bytes: one field holds its node while pending
// and its value once done.
//
// # Speed
//
// What keeps evaluation cheap: variables resolved at compile time;
// environments allocated together with their slots (env1 ... env8);
// constants and variables passed without thunks; a curried lambda applied
// to several arguments bound without its intermediate closures; delayed
// applications (map, genList) in one allocation; sort of scalars without
// calling the comparator; strings built in one allocation; a `let` that
// is a lambda's body sharing the lambda's env; the thunks of a set, let or
// list in one block; `x // { ... }` built without the literal set;
// selections remembering where they last found a name; compiled nodes
// from slabs. The module system's hot paths are primitives of their own
// (builtins_module.go, see docs/design/modules.md). `cairn eval`
// also turns the collector's proportional pacing off in favour of a
// memory limit (internal/cli/gc.go), since an evaluation's heap is mostly
// live until it exits. bench/eval and bench/modules measure it against
// Nix; CAIRN_CPUPROFILE=FILE profiles any cairn command.
//
// # Errors
//
// Evaluation errors travel as panics of *Error inside the evaluator (the
// hot paths stay free of error returns) and become ordinary errors at the
// package API (catch). An Error carries the position it happened at and,
// with Options.Trace, the frames it passed through (calls, attributes of a
// derivation, builtins). Depth counters bound function calls and nested
// forcing, so runaway recursion ends in an error instead of a Go stack
// overflow.
//
// # Store
//
// The evaluator never touches a store itself: path coercion, toFile,
// builtins.path, filterSource and derivationStrict go through the Store
// interface (store.go), implemented in internal/store. `cairn eval` uses a
// store that computes paths without writing anything.
//
// # Builtins
//
// Builtins are Primops registered by topic (builtins_*.go) and installed
// both as builtins.NAME and __NAME in the base environment; a few are in
// scope unprefixed as in Nix. builtins.derivation is written in the Nix
// language (corepkgs/derivation.nix, embedded), around derivationStrict.
package eval
