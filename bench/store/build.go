package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// runBuild is `go run ./bench/store build`: the overhead of building a
// trivial derivation (echo hi > $out) with `cairn build` against
// `nix-build` of the same derivation, each into a store of its own under
// a temporary root (Nix in a chroot store, sandboxed, with the same
// sandbox paths and no substituters). Every run builds a new derivation
// (a nonce in its environment), so each one evaluates, writes the .drv,
// sets up and tears down a sandbox, and hashes, scans and registers the
// output. Runs alternate between the tools; the median and the best are
// reported, and -write replaces the bench/store-build section.
func runBuild(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench/store build", flag.ContinueOnError)
	cairn := fs.String("cairn", "bin/cairn", "cairn binary")
	n := fs.Int("n", 15, "builds per tool")
	write := fs.String("write", "", "replace the bench/store-build section of this Markdown file")
	quiet := fs.Float64("quiet", 0.5, "wait (up to 15 minutes) until the 1-minute load average is below this; 0 disables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(*cairn)
	if err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("builds need root")
	}
	tmp, err := os.MkdirTemp("", "cairn-bench-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sandboxPaths, err := shClosure(bin)
	if err != nil {
		return err
	}
	expr := func(tool string, i int) string {
		return fmt.Sprintf(`derivation { name = "trivial"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo hi > $out" ]; nonce = "%s-%d-%d"; }`, tool, time.Now().UnixNano(), i)
	}
	tools := []struct {
		name string
		cmd  func(i int) *exec.Cmd
	}{
		{"cairn build", func(i int) *exec.Cmd {
			return exec.CommandContext(ctx, bin, "build", "--root", filepath.Join(tmp, "cairn"), "--no-link", "-E", expr("cairn", i))
		}},
		{"nix-build", func(i int) *exec.Cmd {
			return exec.CommandContext(ctx, "nix-build", "--store", filepath.Join(tmp, "nix"), "--no-out-link",
				"--option", "sandbox", "true", "--option", "sandbox-paths", sandboxPaths,
				"--option", "substituters", "", "-E", expr("nix", i))
		}},
	}
	// One build each first, so that both stores exist.
	for _, t := range tools {
		if out, err := t.cmd(-1).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", t.name, err, out)
		}
	}
	waitQuiet(ctx, *quiet, 15*time.Minute)
	times := make([][]time.Duration, len(tools))
	for i := 0; i < *n; i++ {
		for k, t := range tools {
			cmd := t.cmd(i)
			start := time.Now()
			out, err := cmd.CombinedOutput()
			d := time.Since(start)
			if err != nil {
				return fmt.Errorf("%s: %v\n%s", t.name, err, out)
			}
			times[k] = append(times[k], d)
		}
	}
	med := func(ds []time.Duration) time.Duration {
		s := append([]time.Duration(nil), ds...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return s[len(s)/2]
	}
	best := func(ds []time.Duration) time.Duration {
		m := ds[0]
		for _, d := range ds {
			m = min(m, d)
		}
		return m
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	var b strings.Builder
	fmt.Fprintf(&b, "%d builds per tool, alternating; wall time of the whole command (evaluation, .drv, sandbox, registration).\n\n", *n)
	fmt.Fprintf(&b, "| tool | median | best | median / nix-build |\n|---|---|---|---|\n")
	nixMed := med(times[1])
	for k, t := range tools {
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f |\n", t.name, ms(med(times[k])), ms(best(times[k])), float64(med(times[k]))/float64(nixMed))
	}
	fmt.Fprint(stdout, b.String())
	if *write != "" {
		return replaceSection(*write, "bench/store-build", b.String())
	}
	return nil
}

// shClosure returns the sandbox paths cairn uses by default (/bin/sh and
// its libraries) in nix.conf's "target=source ..." form, as cairn's
// sandbox package resolves them (readlink -f of each target).
func shClosure(cairn string) (string, error) {
	out, err := exec.Command("ldd", "/bin/sh").Output()
	if err != nil {
		return "", fmt.Errorf("ldd /bin/sh: %v", err)
	}
	paths := []string{"/bin/sh"}
	for _, line := range strings.Split(string(out), "\n") {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "/") {
				paths = append(paths, f)
			}
		}
	}
	var sp []string
	for _, p := range paths {
		src, err := filepath.EvalSymlinks(p)
		if err != nil {
			return "", err
		}
		sp = append(sp, p+"="+src)
	}
	sort.Strings(sp)
	return strings.Join(sp, " "), nil
}
