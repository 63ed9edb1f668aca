// Command pkgs benchmarks realising a Debian package's closure in the
// store: with the channel SUITE pinned in a temporary folder's cairn.lock,
// `cairn run --root FRESH PKG -- CMD` evaluates pkgs.PKG, realises its
// closure into a fresh store root (the fixed-output .deb downloads copied
// from the warm download cache, each .deb unpacked by the sandboxed
// builtin:cairn-unpack-deb, canonicalised, hashed and registered, the
// union built) and runs CMD in it. As the floor, `dpkg -x` unpacks the
// same .deb files into one folder, one after the other. Two more rows
// split the figure: `cairn run` again on the built store (evaluation,
// validity checks and running CMD: the part that is not realisation),
// and package deb's Unpack of the same files in this process, without
// the store (one after the other, and on every CPU at once).
//
// A first, unmeasured `cairn run` fills the download cache (from the
// mirror when it is cold) and the page cache; the .deb files it fetched
// into its store are the ones every row uses. It prints a Markdown table
// of the median and best wall times and the median CPU time (this
// process and its children) over N runs; with -write FILE it replaces
// the section of FILE (docs/benchmarks.md) between
// <!-- bench/pkgs:begin --> and <!-- bench/pkgs:end -->.
//
// Usage (as root, after make build; the channel's InRelease and the
// first run's downloads need the mirror):
//
//	go run ./bench/pkgs [-cairn bin/cairn] [-pkg postgresql-15] [-n 5] [-write docs/benchmarks.md]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"cairn.dev/cairn/bench/internal/report"
	"cairn.dev/cairn/internal/pkgs/deb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench/pkgs: %v\n", err)
		os.Exit(1)
	}
}

// kind is one row of the table: f makes a fresh result in dir.
type kind struct {
	name string
	f    func(dir string) error
	keep bool // dir is used by the next row
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("bench/pkgs", flag.ContinueOnError)
	cairnFlag := fl.String("cairn", "bin/cairn", "the cairn binary")
	pkg := fl.String("pkg", "postgresql-15", "the package whose closure is realised")
	cmdFlag := fl.String("cmd", "/usr/lib/postgresql/15/bin/postgres --version", "the command `cairn run` runs in the package")
	suite := fl.String("suite", "bookworm", "the Debian suite of the channel")
	n := fl.Int("n", 5, "runs of each (after one warm-up run)")
	write := fl.String("write", "", "Markdown file whose bench/pkgs section is rewritten")
	cpuprofile := fl.String("cpuprofile", "", "write a CPU profile of the in-process unpacking to FILE")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("cairn run builds in the sandbox and needs root")
	}
	cairn, err := filepath.Abs(*cairnFlag)
	if err != nil {
		return err
	}
	if _, err := os.Stat(cairn); err != nil {
		return fmt.Errorf("%w (make build)", err)
	}
	work, err := os.MkdirTemp("", "bench-pkgs-")
	if err != nil {
		return err
	}
	defer removeAll(work)
	cfg := filepath.Join(work, "config")
	if err := os.Mkdir(cfg, 0o755); err != nil {
		return err
	}
	if err := command(ctx, cfg, cairn, "channel", "add", "debian", "--suite", *suite); err != nil {
		return err
	}
	runArgs := append([]string{"run", "--root", "", *pkg, "--"}, strings.Fields(*cmdFlag)...)
	cairnRun := func(root string) error {
		a := slices.Clone(runArgs)
		a[2] = root
		return command(ctx, cfg, cairn, a...)
	}
	warm := filepath.Join(work, "warm")
	if err := cairnRun(warm); err != nil {
		return err
	}
	debs, err := filepath.Glob(filepath.Join(warm, "nix", "store", "*.deb"))
	if err != nil || len(debs) == 0 {
		return fmt.Errorf("no .deb files in the store of the warm-up run %s", warm)
	}
	var debSize int64
	for _, d := range debs {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		debSize += fi.Size()
	}
	load := report.LoadAverage()

	cpus := runtime.NumCPU()
	kinds := []kind{
		{name: "`dpkg -x`, one after the other (floor)", f: func(dir string) error {
			for _, d := range debs {
				if err := command(ctx, "", "dpkg", "-x", d, dir); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "`cairn run`, fresh store, warm download cache", f: cairnRun, keep: true},
		{name: "`cairn run` again, store already built", f: cairnRun},
		{name: "package deb's Unpack only, one after the other", f: func(dir string) error {
			return unpackAll(ctx, debs, dir, 1)
		}},
		{name: fmt.Sprintf("package deb's Unpack only, %d at once", cpus), f: func(dir string) error {
			return unpackAll(ctx, debs, dir, cpus)
		}},
	}
	times := make([][]time.Duration, len(kinds))
	cpu := make([][]time.Duration, len(kinds))
	var prof *os.File
	if *cpuprofile != "" {
		if prof, err = os.Create(*cpuprofile); err != nil {
			return err
		}
		defer prof.Close()
	}
	var last string // the fresh store of the last run
	for r := 0; r <= *n; r++ {
		dir := ""
		for k, kd := range kinds {
			if dir == "" {
				dir = filepath.Join(work, fmt.Sprintf("%d-%d", k, r))
			}
			if prof != nil && r == *n && k == len(kinds)-1 {
				pprof.StartCPUProfile(prof)
			}
			start, cpu0 := time.Now(), cpuTime()
			if err := kd.f(dir); err != nil {
				return fmt.Errorf("%s: %w", kd.name, err)
			}
			el, c := time.Since(start), cpuTime()-cpu0
			if prof != nil && r == *n && k == len(kinds)-1 {
				pprof.StopCPUProfile()
			}
			if r > 0 { // the first run warms the page cache
				times[k] = append(times[k], el)
				cpu[k] = append(cpu[k], c)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if kd.keep {
				continue
			}
			if k == 2 {
				last = dir
			}
			// Trees are removed only at the end: on a filesystem without
			// a journal, ext4 skips the inodes deleted in the last seconds
			// when it allocates one, a scan that would slow the next run.
			dir = ""
		}
	}
	st, err := storeSize(filepath.Join(last, "nix", "store"))
	if err != nil {
		return err
	}
	floor, floorCPU := report.Median(times[0]), report.Median(cpu[0])
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s (%d CPUs); load average (1 min) %s before, %s after.\n",
		time.Now().UTC().Format("2006-01-02"), report.CPUModel(), cpus, load, report.LoadAverage())
	fmt.Fprintf(&b, "The closure of `%s` in Debian %s as cairn resolves it (Depends and Pre-Depends): %d .deb files, %.1f MiB.\n",
		*pkg, *suite, len(debs), float64(debSize)/(1<<20))
	fmt.Fprintf(&b, "The store after `cairn run`: %d unpacked packages, %.1f MiB in %d files (NAR size %.1f MiB,\n",
		st.unpacked, float64(st.bytes)/(1<<20), st.files, float64(st.nar)/(1<<20))
	fmt.Fprintf(&b, "%.2fx the .deb files), plus the .deb files themselves (fixed-output downloads) and %d .drv files;\n",
		float64(st.nar)/float64(debSize), st.drvs)
	fmt.Fprintf(&b, "%.1f MiB on disk in all. `cairn run` runs `%s` in the closure; the fresh store is a new\n",
		float64(st.disk)/(1<<20), *cmdFlag)
	b.WriteString("`--root` each run, and its .deb files are copied from the download cache (`/var/cache/cairn/debian/by-hash`).\n")
	fmt.Fprintf(&b, "Wall times: median and best of %d runs after a warm-up run; CPU: user+system of this process and its\n", *n)
	b.WriteString("children (cairn, its build sandboxes, dpkg), the steadier figure on a loaded machine.\n\n")
	b.WriteString("| realising | median | ratio to `dpkg -x` | best | ratio (best) | CPU | CPU ratio |\n|---|---:|---:|---:|---:|---:|---:|\n")
	floorBest := slices.Min(times[0])
	for k, kd := range kinds {
		m, c, best := report.Median(times[k]), report.Median(cpu[k]), slices.Min(times[k])
		fmt.Fprintf(&b, "| %s | %s | %.2f | %s | %.2f | %s | %.2f |\n", kd.name, report.MS(m), float64(m)/float64(floor),
			report.MS(best), float64(best)/float64(floorBest), report.MS(c), float64(c)/float64(floorCPU))
	}
	fmt.Fprint(stdout, b.String())
	if *write != "" {
		return report.WriteSection(*write, "pkgs", "Packages (bench/pkgs)", b.String())
	}
	return nil
}

// command runs name with args in dir, failing with its output.
func command(ctx context.Context, dir, name string, args ...string) error {
	c := exec.CommandContext(ctx, name, args...)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
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
// to workers at once, as builtin:cairn-unpack-deb does.
func unpackAll(ctx context.Context, debs []string, dir string, workers int) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
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

// sizes describes a store directory.
type sizes struct {
	unpacked, files, drvs int
	bytes, nar, disk      int64
}

// storeSize sums the unpacked packages of a store directory (folders
// other than the union, which holds links only): their regular files'
// sizes and the NAR size of each (the store database has it too; the
// walk needs no cairn command), and the disk use of everything.
func storeSize(store string) (sizes, error) {
	var s sizes
	ents, err := os.ReadDir(store)
	if err != nil {
		return s, err
	}
	for _, e := range ents {
		p := filepath.Join(store, e.Name())
		switch {
		case strings.HasSuffix(e.Name(), ".drv"):
			s.drvs++
		case e.IsDir():
			n, files, bytes, err := narSize(p)
			if err != nil {
				return s, err
			}
			if files > 0 {
				s.unpacked++
				s.files += files
				s.bytes += bytes
				s.nar += n
			}
		}
	}
	err = filepath.WalkDir(store, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		s.disk += fi.Sys().(*syscall.Stat_t).Blocks * 512
		return nil
	})
	return s, err
}

// narSize is the size of the NAR serialisation of the tree at p (the
// framing as nar.Dump writes it), and its regular files and their bytes.
func narSize(p string) (n int64, files int, bytes int64, err error) {
	str := func(s string) int64 { return 8 + int64(len(s)+7)/8*8 }
	n = str("nix-archive-1")
	var walk func(p string) error
	walk = func(p string) error {
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		n += str("(") + str("type") + str(")")
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			n += str("symlink") + str("target") + str(t)
		case fi.IsDir():
			n += str("directory")
			ents, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			for _, e := range ents {
				n += str("entry") + str("(") + str("name") + str(e.Name()) + str("node") + str(")")
				if err := walk(filepath.Join(p, e.Name())); err != nil {
					return err
				}
			}
		default:
			n += str("regular") + str("contents") + 8 + (fi.Size()+7)/8*8
			if fi.Mode()&0o100 != 0 {
				n += str("executable") + str("")
			}
			files++
			bytes += fi.Size()
		}
		return nil
	}
	err = walk(p)
	return n, files, bytes, err
}

// removeAll removes a tree whose folders may be read-only (a store).
func removeAll(p string) error {
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}
