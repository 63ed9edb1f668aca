// Command eval benchmarks `cairn eval --strict` against
// `nix-instantiate --eval --strict` on the same expressions: it checks
// that both print the same value, measures the median wall time over N
// runs and the peak resident set size (from wait4's rusage) of each, and
// prints a Markdown table with the cairn/Nix ratios. With -write FILE it
// also replaces the eval section of FILE (docs/benchmarks.md), between
// the markers <!-- bench/eval:begin --> and <!-- bench/eval:end -->.
//
// Usage:
//
//	go run ./bench/eval [-cairn bin/cairn] [-nix nix-instantiate] [-n 5] [-write docs/benchmarks.md]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"cairn.dev/cairn/bench/internal/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "bench/eval: %v\n", err)
		os.Exit(1)
	}
}

// workload is one benchmark: files to write into a fresh folder and the
// file to evaluate.
type workload struct {
	name  string
	what  string
	files map[string]string
	main  string
}

func workloads() []workload {
	chain := map[string]string{"f499.nix": "0\n"}
	for i := 0; i < 499; i++ {
		chain[fmt.Sprintf("f%d.nix", i)] = fmt.Sprintf("import ./f%d.nix + 1\n", i+1)
	}
	one := func(src string) map[string]string { return map[string]string{"main.nix": src} }
	return []workload{
		{
			name:  "fib 25",
			what:  "naive recursive Fibonacci, 242,785 calls",
			files: one("let fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2); in fib 25\n"),
			main:  "main.nix",
		},
		{
			name: "attrset 100k",
			what: "listToAttrs of 100,000 names, mapAttrs over it, sum of the values",
			files: one(`let
  s = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) 100000);
  m = builtins.mapAttrs (n: v: v * 2) s;
in [ (builtins.length (builtins.attrNames m)) (builtins.foldl' (a: b: a + b) 0 (builtins.attrValues m)) m.a99999 ]
`),
			main: "main.nix",
		},
		{
			name: "concat 100k",
			what: "concatStringsSep over 100,000 interpolated strings",
			files: one(`let
  s = builtins.concatStringsSep "," (builtins.genList (i: "item-${toString i}") 100000);
in [ (builtins.stringLength s) (builtins.substring 0 30 s) (builtins.hashString "sha256" s) ]
`),
			main: "main.nix",
		},
		{
			name: "sort 100k",
			what: "sort 100,000 integers made by an LCG step of each index",
			files: one(`let
  mod = a: b: a - (a / b) * b;
  xs = builtins.genList (i: mod (i * 1103515245 + 12345) 2147483648) 100000;
  sorted = builtins.sort builtins.lessThan xs;
in [ (builtins.head sorted) (builtins.elemAt sorted 50000) (builtins.elemAt sorted 99999) (builtins.length sorted) ]
`),
			main: "main.nix",
		},
		{
			name: "fix-point 2k",
			what: "fix-point over 2,000 attributes, each refers to two others through self",
			files: one(`let
  fix = f: let x = f x; in x;
  mod = a: b: a - (a / b) * b;
  set = fix (self: builtins.listToAttrs (builtins.genList (i: {
    name = "a${toString i}";
    value = if i == 0 then 1 else mod (self."a${toString (i - 1)}" + self."a${toString (i / 2)}") 1000000007;
  }) 2000));
in [ set.a1999 (builtins.length (builtins.attrNames set)) (builtins.foldl' (a: n: mod (a + set.${n}) 1000000007) 0 (builtins.attrNames set)) ]
`),
			main: "main.nix",
		},
		{
			name:  "import chain 500",
			what:  "500 files, each importing the next",
			files: chain,
			main:  "f0.nix",
		},
	}
}

func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("bench/eval", flag.ContinueOnError)
	cairn := fs.String("cairn", "bin/cairn", "the cairn binary")
	nix := fs.String("nix", "nix-instantiate", "the nix-instantiate binary")
	n := fs.Int("n", 5, "runs per tool and workload")
	write := fs.String("write", "", "replace the eval section of this Markdown file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return errors.New("-n must be at least 1")
	}
	cairnPath, err := exec.LookPath(*cairn)
	if err != nil {
		return fmt.Errorf("cairn binary: %w (run make build)", err)
	}
	nixPath, err := exec.LookPath(*nix)
	if err != nil {
		return fmt.Errorf("nix-instantiate: %w (run make deps)", err)
	}
	// The tools run in other folders: make relative paths absolute.
	if cairnPath, err = filepath.Abs(cairnPath); err != nil {
		return err
	}
	if nixPath, err = filepath.Abs(nixPath); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "cairn-bench-eval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	env := []string{"PATH=" + getenv("PATH"), "HOME=" + tmp, "NIX_PATH=", "NIX_STORE_DIR=/nix/store"}

	nixVersion, _ := exec.CommandContext(ctx, nixPath, "--version").Output()
	cairnVersion, _ := exec.CommandContext(ctx, cairnPath, "version").Output()

	loadBefore := report.LoadAverage()
	var rows []string
	for i, w := range workloads() {
		dir := filepath.Join(tmp, fmt.Sprintf("w%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for name, src := range w.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "bench/eval: %s ...\n", w.name)
		c, x := report.Pair(ctx, *n, dir, env,
			[]string{cairnPath, "eval", "--strict", w.main}, []string{nixPath, "--eval", "--strict", "--readonly-mode", w.main})
		rows = append(rows, row(w, c, x))
	}
	table := fmt.Sprintf(`Measured %s on %s (%d CPUs), %s; cairn %s.
Load average (1 min) %s before, %s after; above the number of CPUs, times are noisy.
Median wall time and median CPU time (user+system, the steadier figure
on a loaded machine) of %d runs (after one warm-up run, the two tools
alternating) and peak RSS of %s and %s
on the same file in a fresh folder; both printed the same value.

| workload | what | cairn time | Nix time | time ratio | cairn CPU | Nix CPU | CPU ratio | cairn RSS | Nix RSS | RSS ratio |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
%s
`, time.Now().UTC().Format("2006-01-02"), report.CPUModel(), runtime.NumCPU(), strings.TrimSpace(string(nixVersion)),
		strings.TrimPrefix(strings.TrimSpace(string(cairnVersion)), "cairn "), loadBefore, report.LoadAverage(), *n,
		"`cairn eval --strict FILE`", "`nix-instantiate --eval --strict --readonly-mode FILE`", strings.Join(rows, "\n"))
	fmt.Fprint(stdout, table)
	if *write != "" {
		return report.WriteSection(*write, "eval", "Evaluation", table)
	}
	return nil
}

// row formats one table row; a failure or a different output takes the
// place of the figures.
func row(w workload, c, x report.Measurement) string {
	head := fmt.Sprintf("| %s | %s |", w.name, w.what)
	switch {
	case x.Err != nil:
		return fmt.Sprintf("%s Nix failed: %s | | | | | | | | |", head, report.Cell(x.Err.Error()))
	case c.Err != nil:
		return fmt.Sprintf("%s failed: %s | %s | | | %s | | | %s | |", head, report.Cell(c.Err.Error()), report.MS(x.Median), report.MS(x.CPU), report.MiB(x.MaxRSS))
	case c.Out != x.Out:
		return fmt.Sprintf("%s output differs: %s | %s | | | %s | | | %s | |", head, report.Cell(report.FirstLine(c.Out)), report.MS(x.Median), report.MS(x.CPU), report.MiB(x.MaxRSS))
	}
	return fmt.Sprintf("%s %s | %s | %.2f | %s | %s | %.2f | %s | %s | %.2f |", head, report.MS(c.Median), report.MS(x.Median),
		float64(c.Median)/float64(x.Median), report.MS(c.CPU), report.MS(x.CPU), float64(c.CPU)/float64(x.CPU),
		report.MiB(c.MaxRSS), report.MiB(x.MaxRSS), float64(c.MaxRSS)/float64(x.MaxRSS))
}
