package eval_test

import (
	"context"
	"testing"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/dry"
)

func benchEval(b *testing.B, src string) {
	for i := 0; i < b.N; i++ {
		ev := eval.New(context.Background(), eval.Options{Store: dry.New("/nix/store"), Dir: "/"})
		v, err := ev.EvalString(src, "/")
		if err == nil {
			err = ev.ForceDeep(v)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFib20(b *testing.B) {
	benchEval(b, "let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 20")
}

func BenchmarkAttrs(b *testing.B) {
	benchEval(b, `with builtins; let s = listToAttrs (genList (i: { name = "a${toString i}"; value = i; }) 10000); in length (attrValues (mapAttrs (n: v: v * 2) s))`)
}

func BenchmarkSort(b *testing.B) {
	benchEval(b, `with builtins; let l = genList (i: bitAnd (i * 7919) 65535) 20000; in length (sort lessThan l)`)
}

func BenchmarkNew(b *testing.B) {
	benchEval(b, "1")
}

func BenchmarkSortLCG(b *testing.B) {
	benchEval(b, `let
  mod = a: b: a - (a / b) * b;
  xs = builtins.genList (i: mod (i * 1103515245 + 12345) 2147483648) 100000;
  sorted = builtins.sort builtins.lessThan xs;
in [ (builtins.head sorted) (builtins.elemAt sorted 50000) (builtins.elemAt sorted 99999) (builtins.length sorted) ]`)
}

func BenchmarkConcat(b *testing.B) {
	benchEval(b, `let
  s = builtins.concatStringsSep "," (builtins.genList (i: "item-${toString i}") 100000);
in [ (builtins.stringLength s) (builtins.substring 0 30 s) (builtins.hashString "sha256" s) ]`)
}

func BenchmarkFoldl(b *testing.B) {
	benchEval(b, `let
  mod = a: b: a - (a / b) * b;
  xs = builtins.genList (i: mod (i * 1103515245 + 12345) 2147483648) 100000;
in builtins.foldl' (a: b: a + b) 0 xs`)
}
