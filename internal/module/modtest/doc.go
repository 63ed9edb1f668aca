// Package modtest runs the shared module-system cases.
//
// Every case NAME.nix in ../shared/module-tests (relative to the repository)
// is a function of lib. The test evaluates
//
//	import ./NAME.nix (import LIBDIR)
//
// in that folder, where LIBDIR is internal/module/lib (cairn's own lib,
// written in the Nix language), and compares the output byte for byte with
// NAME.exp (plain) and NAME.json (--json), which real Nix 2.8 produced with
// nixpkgs' lib. Cases named err-* must fail, with the first "error: " line
// containing the phrase in NAME.errexp.
//
// The evaluator under test is nix-instantiate by default (the test skips
// without it). With CAIRN_EVAL set to cairn's binary (a name in PATH, or a
// path: relative paths count from this package's folder, where go test runs
// it) the same cases run through `cairn eval --strict [--json] -E EXPR`
// instead, so one test checks both the lib and cairn's evaluator. Shared
// cases listed in known-failures.txt ("NAME: reason") are skipped with
// their reason.
//
// testdata/cases holds cairn's own differential cases in the same format;
// testdata/regenerate.sh rewrites their expectations with real Nix and
// nixpkgs' lib (never committed; only the outputs are).
package modtest
