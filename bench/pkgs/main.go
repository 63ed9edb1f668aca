// Command pkgs benchmarks unpacking Debian packages into store paths:
// the .deb files of a package and its Depends closure (nginx by default,
// as apt on this host resolves it, downloaded once into the cache folder
// of package debtest) are unpacked by package deb, each into its own
// folder as builtin:cairn-unpack-deb does, one after the other and then
// on every CPU at once (as the build engine realises independent
// derivations); as the floor, `dpkg -x` unpacks the same files into one
// folder, one after the other. It prints a Markdown table of median wall
// times over N runs; with -write FILE it replaces the section of FILE
// (docs/benchmarks.md) between <!-- bench/pkgs:begin --> and
// <!-- bench/pkgs:end -->.
//
// Usage:
//
//	go run ./bench/pkgs [-pkg nginx] [-n 5] [-write docs/benchmarks.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"cairn.dev/cairn/bench/internal/report"
	"cairn.dev/cairn/internal/pkgs/deb"
	"cairn.dev/cairn/internal/pkgs/deb/debtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench/pkgs: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("bench/pkgs", flag.ContinueOnError)
	pkg := fl.String("pkg", "nginx", "the package whose closure is unpacked")
	n := fl.Int("n", 5, "runs of each (after one warm-up run)")
	write := fl.String("write", "", "Markdown file whose bench/pkgs section is rewritten")
	if err := fl.Parse(args); err != nil {
		return err
	}
	names, err := debtest.Closure(*pkg)
	if err != nil {
		return err
	}
	debs, err := debtest.Download(names...)
	if err != nil {
		return err
	}
	var debSize int64
	for _, d := range debs {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		debSize += fi.Size()
	}
	work, err := os.MkdirTemp("", "bench-pkgs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	load := report.LoadAverage()

	dpkg := func(dir string) error {
		for _, d := range debs {
			if out, err := exec.CommandContext(ctx, "dpkg", "-x", d, dir).CombinedOutput(); err != nil {
				return fmt.Errorf("dpkg -x %s: %v: %s", d, err, out)
			}
		}
		return nil
	}
	cairn := func(workers int) func(string) error {
		return func(dir string) error {
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			return unpackAll(ctx, debs, dir, workers)
		}
	}
	cpus := runtime.NumCPU()
	kinds := []struct {
		name string
		f    func(string) error
	}{
		{"`dpkg -x`, one after the other (floor)", dpkg},
		{"cairn, one after the other", cairn(1)},
		{fmt.Sprintf("cairn, %d at once", cpus), cairn(cpus)},
	}
	times := make([][]time.Duration, len(kinds))
	cpu := make([][]time.Duration, len(kinds))
	for r := 0; r <= *n; r++ {
		for k, kind := range kinds {
			dir := filepath.Join(work, fmt.Sprintf("%d-%d", k, r))
			start, cpu0 := time.Now(), cpuTime()
			if err := kind.f(dir); err != nil {
				return err
			}
			if r > 0 { // the first run warms the page cache
				times[k] = append(times[k], time.Since(start))
				cpu[k] = append(cpu[k], cpuTime()-cpu0)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if r < *n {
			for k := range kinds {
				os.RemoveAll(filepath.Join(work, fmt.Sprintf("%d-%d", k, r)))
			}
		}
	}
	unpacked, files, err := treeSize(filepath.Join(work, fmt.Sprintf("1-%d", *n)))
	if err != nil {
		return err
	}
	floor := report.Median(times[0])
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d CPUs); load average (1 min) %s before, %s after.\n",
		time.Now().UTC().Format("2006-01-02"), report.CPUModel(), cpus, load, report.LoadAverage())
	fmt.Fprintf(&b, "The closure of `%s` as apt resolves it (Depends and Pre-Depends): %d .deb files, %.1f MiB;\n",
		*pkg, len(debs), float64(debSize)/(1<<20))
	fmt.Fprintf(&b, "unpacked %.1f MiB in %d files (%.1fx the .deb files). Median wall time of %d runs after a warm-up run;\n",
		float64(unpacked)/(1<<20), files, float64(unpacked)/float64(debSize), *n)
	b.WriteString("cairn unpacks each package into its own folder (a store path; registering it in the store,\n")
	b.WriteString("which hashes its NAR, is not included), `dpkg -x` all into one. Both decompress on a second\n")
	b.WriteString("thread (dpkg-deb pipes into tar); most of the gap is the pure-Go xz decoder against liblzma.\n")
	b.WriteString("CPU time is user+system of this process and its children (dpkg), the steadier figure on a loaded machine.\n\n")
	b.WriteString("| unpacking | time | ratio to `dpkg -x` | CPU | CPU ratio |\n|---|---:|---:|---:|---:|\n")
	floorCPU := report.Median(cpu[0])
	for k, kind := range kinds {
		m, c := report.Median(times[k]), report.Median(cpu[k])
		fmt.Fprintf(&b, "| %s | %s | %.2f | %s | %.2f |\n", kind.name, report.MS(m), float64(m)/float64(floor),
			report.MS(c), float64(c)/float64(floorCPU))
	}
	fmt.Fprint(stdout, b.String())
	if *write != "" {
		return report.WriteSection(*write, "pkgs", "Packages (bench/pkgs)", b.String())
	}
	return nil
}

// cpuTime is the user and system time of this process and its waited-for
// children so far.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	d := func(tv syscall.Timeval) time.Duration { return time.Duration(tv.Nano()) }
	return d(self.Utime) + d(self.Stime) + d(children.Utime) + d(children.Stime)
}

// unpackAll unpacks every .deb into its own folder below dir, with up
// to workers at once.
func unpackAll(ctx context.Context, debs []string, dir string, workers int) error {
	jobs := make(chan string)
	errc := make(chan error, len(debs))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				errc <- deb.Unpack(ctx, d, filepath.Join(dir, strings.TrimSuffix(filepath.Base(d), ".deb")))
			}
		}()
	}
	for _, d := range debs {
		jobs <- d
	}
	close(jobs)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return nil
}

// treeSize sums the sizes of the regular files below dir.
func treeSize(dir string) (size int64, files int, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		size += fi.Size()
		files++
		return nil
	})
	return size, files, err
}
