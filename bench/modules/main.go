// Command modules benchmarks cairn's module system against real Nix on a
// generated configuration (internal/module/benchconfig: 500 options
// across 50 modules, 5,000 definitions with mkIf, mkMerge, priorities,
// orders and attrsOf submodules). cairn evaluates it with its embedded
// lib (`cairn eval --strict`, `<cairn/lib>`); Nix 2.8 evaluates it with
// nixpkgs' lib (`nix-instantiate --eval --strict`), from the folder that
// NIXPKGS_LIB names. Without NIXPKGS_LIB nothing is fetched: Nix then
// evaluates cairn's own lib from internal/module/lib, and the report says
// so. The program checks that both print the same value, measures the
// median wall time over N runs and the peak RSS (from wait4's rusage),
// and prints a Markdown table with the cairn/Nix ratios. With -write FILE
// it also replaces the section of FILE (docs/benchmarks.md) between
// <!-- bench/modules:begin --> and <!-- bench/modules:end -->.
//
// Usage:
//
//	NIXPKGS_LIB=/path/to/nixpkgs/lib go run ./bench/modules [-cairn bin/cairn] [-nix nix-instantiate] [-n 5] [-write docs/benchmarks.md] [-keep DIR]
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/module/benchconfig"

	"cairn.dev/cairn/bench/internal/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "bench/modules: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("bench/modules", flag.ContinueOnError)
	cairn := fs.String("cairn", "bin/cairn", "the cairn binary")
	nix := fs.String("nix", "nix-instantiate", "the nix-instantiate binary")
	n := fs.Int("n", 5, "runs per tool")
	write := fs.String("write", "", "replace the modules section of this Markdown file")
	keep := fs.String("keep", "", "write the generated configuration into this folder and keep it")
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
	if cairnPath, err = filepath.Abs(cairnPath); err != nil {
		return err
	}
	if nixPath, err = filepath.Abs(nixPath); err != nil {
		return err
	}
	// The anchor's lib: nixpkgs' when given, else cairn's own from the
	// source tree (this program runs from the repository root).
	anchorLib, anchorName := getenv("NIXPKGS_LIB"), "nixpkgs' lib"
	if anchorLib == "" {
		if anchorLib, err = filepath.Abs("internal/module/lib"); err != nil {
			return err
		}
		anchorName = "cairn's own lib (internal/module/lib; NIXPKGS_LIB was not set)"
	} else if anchorLib, err = filepath.Abs(anchorLib); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(anchorLib, "default.nix")); err != nil {
		return fmt.Errorf("anchor lib: %w", err)
	}

	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "cairn-bench-modules-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg := benchconfig.Generate(benchconfig.Default())
	for name, src := range cfg.Files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			return err
		}
	}
	entries := map[string]string{
		"cairn.nix": "import ./" + cfg.Main + " (import <cairn/lib>)\n",
		"nix.nix":   "import ./" + cfg.Main + " (import " + strconv.Quote(anchorLib) + ")\n",
	}
	for name, src := range entries {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			return err
		}
	}
	home := filepath.Join(dir, ".home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	env := []string{"PATH=" + getenv("PATH"), "HOME=" + home, "NIX_PATH=", "NIX_STORE_DIR=/nix/store"}

	nixVersion, _ := exec.CommandContext(ctx, nixPath, "--version").Output()
	cairnVersion, _ := exec.CommandContext(ctx, cairnPath, "version").Output()

	size := fmt.Sprintf("%s modules, %s options, %s definitions", thousands(benchconfig.Default().Modules),
		thousands(cfg.Options), thousands(cfg.Definitions))
	loadBefore := report.LoadAverage()
	fmt.Fprintf(os.Stderr, "bench/modules: %s in %s ...\n", size, dir)
	c, x := report.Pair(ctx, *n, dir, env,
		[]string{cairnPath, "eval", "--strict", "cairn.nix"},
		[]string{nixPath, "--eval", "--strict", "--readonly-mode", "nix.nix"})
	// A whole system configuration (the "under 100 ms"): the
	// toplevel's .drv path of examples/web.nix, cairn only (there is no
	// NixOS here to compare with).
	example, err := filepath.Abs(filepath.Join("examples", "web.nix"))
	if err != nil {
		return err
	}
	sysExpr := "(import <cairn/nixos> { configuration = " + example + "; }).toplevel.drvPath\n"
	if err := os.WriteFile(filepath.Join(dir, "system.nix"), []byte(sysExpr), 0o644); err != nil {
		return err
	}
	sys, _ := report.Pair(ctx, *n, dir, env, []string{cairnPath, "eval", "system.nix"}, []string{"true"})
	sysLine := fmt.Sprintf("A whole system configuration, `examples/web.nix` (users, /etc, two services and a timer, with cairn's modules): evaluating its toplevel's .drv path takes %s wall, %s CPU (median of %d; target under 100 ms).", report.MS(sys.Median), report.MS(sys.CPU), *n)
	if sys.Err != nil {
		sysLine = "A whole system configuration (`examples/web.nix`): " + sys.Err.Error()
	}
	table := fmt.Sprintf(`Measured %s on %s (%d CPUs), %s; cairn %s.
Load average (1 min) %s before, %s after; above the number of CPUs, times are noisy.
Anchor: Nix with %s.
Median wall time and median CPU time (user+system) of %d runs (after one
warm-up run, the two tools alternating) and peak RSS of %s and %s
on the generated configuration (%s).
%s

| configuration | cairn wall | Nix wall | wall ratio | cairn CPU | Nix CPU | CPU ratio | cairn RSS | Nix RSS | RSS ratio |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
%s

%s
`, time.Now().UTC().Format("2006-01-02"), report.CPUModel(), runtime.NumCPU(), strings.TrimSpace(string(nixVersion)),
		strings.TrimPrefix(strings.TrimSpace(string(cairnVersion)), "cairn "), loadBefore, report.LoadAverage(), anchorName, *n,
		"`cairn eval --strict` (`<cairn/lib>`)", "`nix-instantiate --eval --strict --readonly-mode`",
		size, agreement(c, x), row(size, c, x), sysLine)
	fmt.Fprint(stdout, table)
	if *write != "" {
		return report.WriteSection(*write, "modules", "Module system", table)
	}
	if c.Err != nil || x.Err != nil || c.Out != x.Out {
		return errors.New("the two tools did not both succeed with the same value")
	}
	return nil
}

func agreement(c, x report.Measurement) string {
	if c.Err == nil && x.Err == nil && c.Out == x.Out {
		return fmt.Sprintf("Both printed the same value (%d bytes).", len(c.Out))
	}
	return "The two tools did NOT print the same value: see the table."
}

// row formats the table row; a failure or a different output takes the
// place of the figures.
func row(size string, c, x report.Measurement) string {
	head := "| " + size + " |"
	switch {
	case x.Err != nil:
		return fmt.Sprintf("%s Nix failed: %s | | | | | | | | |", head, report.Cell(x.Err.Error()))
	case c.Err != nil:
		return fmt.Sprintf("%s failed: %s | %s | | | %s | | | %s | |", head, report.Cell(c.Err.Error()), report.MS(x.Median), report.MS(x.CPU), report.MiB(x.MaxRSS))
	case c.Out != x.Out:
		return fmt.Sprintf("%s output differs: %s | %s | | | %s | | | %s | |", head, report.Cell(firstDiff(c.Out, x.Out)), report.MS(x.Median), report.MS(x.CPU), report.MiB(x.MaxRSS))
	}
	return fmt.Sprintf("%s %s | %s | %.2f | %s | %s | %.2f | %s | %s | %.2f |", head, report.MS(c.Median), report.MS(x.Median),
		float64(c.Median)/float64(x.Median), report.MS(c.CPU), report.MS(x.CPU), float64(c.CPU)/float64(x.CPU),
		report.MiB(c.MaxRSS), report.MiB(x.MaxRSS), float64(c.MaxRSS)/float64(x.MaxRSS))
}

// firstDiff shows where two outputs first differ.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-20)
	return fmt.Sprintf("at byte %d: %q vs %q", i, a[lo:min(len(a), i+20)], b[lo:min(len(b), i+20)])
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
