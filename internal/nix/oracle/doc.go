// Package oracle runs the real Nix (nix-instantiate 2.8) for differential
// tests: whatever cairn claims to evaluate like Nix is evaluated by both,
// and the outputs are compared byte for byte.
//
// An Invocation describes one `eval` call (arguments after the subcommand,
// working directory, environment, stdin); a Runner executes it and returns a
// Result. Nix runs `nix-instantiate --eval --readonly-mode` (store paths are
// computed, nothing is written) with a controlled environment, and
// EvalFiles evaluates many files with one process. Exec runs any external
// command; InProcess runs a Go function shaped like cli.Run in a goroutine
// with a deadline, so a hang is reported as a failure instead of stalling
// the test; Select picks between them from CAIRN_EVAL_CMD.
//
// Generate makes random well-typed expressions from a seed; Known reads
// and rewrites the lists of cases expected to fail that the suites keep
// beside their data.
//
// The tests of this package are the differential suites: the corpus in
// testdata/corpus evaluated lazily, with --strict, --json and --xml, and
// the generated expressions. They skip when nix-instantiate is missing.
//
// The package depends on the standard library only; tests adapt cli.Run to
// InProcess themselves, so the language packages never import the CLI.
package oracle
