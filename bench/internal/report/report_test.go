package report

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteSection(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b.md")
	os.WriteFile(p, []byte("# Benchmarks\n\nintro\n"), 0o644)
	if err := WriteSection(p, "x", "X", "one\n"); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(p, "x", "X", "two\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	want := "# Benchmarks\n\nintro\n\n## X\n\n<!-- bench/x:begin -->\ntwo\n<!-- bench/x:end -->\n"
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFormat(t *testing.T) {
	if got := Median([]time.Duration{3, 1, 2}); got != 2 {
		t.Errorf("Median = %v", got)
	}
	if got := MS(1500 * time.Microsecond); got != "2 ms" {
		t.Errorf("MS = %q", got)
	}
	if got := MiB(2048); got != "2 MiB" {
		t.Errorf("MiB = %q", got)
	}
	if got := Cell("a|b"); got != `a\|b` {
		t.Errorf("Cell = %q", got)
	}
}
