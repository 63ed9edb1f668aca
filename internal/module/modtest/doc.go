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
// The evaluator under test is nix-instantiate by default. With
// CAIRN_EVAL=path/to/cairn the same cases run through `cairn eval --strict
// -E EXPR` instead, so one test checks both the lib and cairn's evaluator.
// Cases listed in known-failures.txt ("NAME: reason") are skipped with
// their reason.
package modtest
