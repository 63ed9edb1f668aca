package nar

import (
	"context"
	"testing"
)

func BenchmarkTmpHashTree(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, _, err := HashPath(context.Background(), "/tmp/cairn-bench-store/tree", nil); err != nil {
			b.Fatal(err)
		}
	}
}
