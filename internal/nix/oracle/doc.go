// Package oracle runs the real Nix (nix-instantiate 2.8) for differential
// tests: whatever cairn claims to evaluate like Nix is evaluated by both,
// and the outputs are compared byte for byte.
//
// An Invocation describes one `eval` call (arguments after the subcommand,
// working directory, environment, stdin); a Runner executes it and returns a
// Result. Two runners exist: Exec runs an external command (nix-instantiate
// itself, or any binary that mimics `cairn eval`), InProcess runs a Go
// function shaped like cli.Run in a goroutine with a deadline, so a hang is
// reported as a failure instead of stalling the test. Nix adds batching:
// EvalFiles evaluates many files with one nix-instantiate process.
//
// The package depends on the standard library only; tests adapt cli.Run to
// InProcess themselves, so the language packages never import the CLI.
package oracle
