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
