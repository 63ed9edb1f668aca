// Command store benchmarks hashing a store object: `cairn store hash-path`
// against `nix-hash --type sha256` and `nix-store --dump | sha256sum` on
// the same ~1 GiB tree of mixed files (large, medium and small files,
// executables, symlinks, nested and empty directories), and against the
// machine's floor: sha256 (SHA-NI, one core) over as many bytes as the
// tree's NAR holds, and `cat FILES | openssl dgst -sha256` when openssl is
// installed. All hashes are compared in base 16, so the three tools must
// agree. It reports the best wall and CPU time of N interleaved runs with
// the page cache warm (other load on the machine hits every tool alike),
// prints a Markdown table, and with -write FILE replaces the section of
// FILE between <!-- bench/store:begin --> and <!-- bench/store:end -->.
//
// The tree is generated once in -tree (default $TMPDIR/cairn-bench-store)
// and reused while its stamp file matches.
//
// Usage:
//
//	go run ./bench/store [-cairn bin/cairn] [-n 3] [-tree DIR] [-write docs/benchmarks.md]
//	go run ./bench/store build [-cairn bin/cairn] [-n 15] [-write docs/benchmarks.md]
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := run
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "build" {
		run, args = runBuild, args[1:] // build overhead (build.go)
	}
	if err := run(ctx, args, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench/store: %v\n", err)
		os.Exit(1)
	}
}

// layout is the tree: count files of size bytes in each group.
var layout = []struct {
	dir   string
	count int
	size  int
	exec  bool
}{
	{"large", 4, 128 << 20, false},
	{"medium", 64, 4 << 20, false},
	{"bin", 32, 1 << 20, true},
	{"share/doc", 2000, 64 << 10, false},
	{"lib/small", 20000, 4 << 10, false},
	{"etc/tiny", 5000, 100, false},
}

// stamp names the layout; a tree with another stamp is rebuilt.
const stamp = "cairn bench/store tree v1\n"

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench/store", flag.ContinueOnError)
	cairn := fs.String("cairn", "bin/cairn", "cairn binary")
	n := fs.Int("n", 3, "runs per tool (the best is reported)")
	tree := fs.String("tree", filepath.Join(os.TempDir(), "cairn-bench-store"), "where the test tree lives (reused)")
	write := fs.String("write", "", "replace the bench/store section of this Markdown file")
	quiet := fs.Float64("quiet", 0.5, "wait (up to 15 minutes) until the 1-minute load average is below this; 0 disables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(*cairn)
	if err != nil {
		return err
	}
	root := filepath.Join(*tree, "tree")
	files, total, err := ensureTree(*tree, root)
	if err != nil {
		return err
	}
	waitQuiet(ctx, *quiet, 15*time.Minute)
	loadBefore := "? ? ?"
	if l, err := os.ReadFile("/proc/loadavg"); err == nil {
		loadBefore = string(l)
	}
	// Warm the page cache and learn the NAR size.
	narSize, err := narBytes(ctx, root)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "tree: %d files, %.2f GiB of contents, NAR %.2f GiB\n", len(files), gib(total), gib(narSize))

	type result struct {
		name, cmd string
		t, cpu    time.Duration
		hash      string
	}
	tools := []struct {
		name, shown string
		argv        []string
	}{
		{"cairn", "cairn store hash-path DIR", []string{bin, "store", "hash-path", "--base16", root}},
		{"nix-hash", "nix-hash --type sha256 DIR", []string{"nix-hash", "--type", "sha256", root}},
		{"nix-store", "nix-store --dump DIR | sha256sum", []string{"sh", "-c", `nix-store --dump "$1" | sha256sum`, "sh", root}},
	}
	results := make([]result, len(tools))
	// Runs are interleaved so that load from elsewhere falls on all tools
	// alike; the best of N runs is reported.
	for i := 0; i < *n; i++ {
		for k, tool := range tools {
			before := childCPU()
			start := time.Now()
			o, err := exec.CommandContext(ctx, tool.argv[0], tool.argv[1:]...).Output()
			if err != nil {
				return fmt.Errorf("%s: %w", tool.shown, err)
			}
			t, cpu := time.Since(start), childCPU()-before
			r := &results[k]
			r.name, r.cmd, r.hash = tool.name, tool.shown, strings.Fields(string(o) + " ")[0]
			if i == 0 || t < r.t {
				r.t = t
			}
			if i == 0 || cpu < r.cpu {
				r.cpu = cpu
			}
		}
	}
	for _, r := range results[1:] {
		if r.hash != results[0].hash {
			return fmt.Errorf("hashes differ: cairn %s, %s %s", results[0].hash, r.name, r.hash)
		}
	}
	// Floors.
	floor, floorCPU := shaFloor(narSize, *n)
	var opensslT time.Duration
	if _, err := exec.LookPath("openssl"); err == nil {
		for i := 0; i < *n; i++ {
			t, err := catOpenssl(ctx, files)
			if err != nil {
				return err
			}
			if i == 0 || t < opensslT {
				opensslT = t
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Tree: %d files (%s), %.2f GiB of contents, NAR %.2f GiB; page cache warm; best of %d interleaved runs; %d cores.\n\n",
		len(files), describeLayout(), gib(total), gib(narSize), *n, runtime.NumCPU())
	fmt.Fprintf(&b, "| command | wall | CPU (user+sys) | GiB/s | wall vs sha256 floor | wall vs cairn |\n|---|---:|---:|---:|---:|---:|\n")
	row := func(cmd string, t, cpu time.Duration) {
		c := "–"
		if cpu > 0 {
			c = fmt.Sprintf("%.2f s", cpu.Seconds())
		}
		fmt.Fprintf(&b, "| `%s` | %.2f s | %s | %.2f | %.2fx | %.2fx |\n", cmd, t.Seconds(), c, gib(narSize)/t.Seconds(),
			t.Seconds()/floor.Seconds(), t.Seconds()/results[0].t.Seconds())
	}
	for _, r := range results {
		row(strings.ReplaceAll(r.cmd, "|", "\\|"), r.t, r.cpu)
	}
	row("sha256 over NAR-size bytes in memory (Go crypto/sha256, SHA-NI, 1 core)", floor, floorCPU)
	if opensslT > 0 {
		row("cat FILES \\| openssl dgst -sha256", opensslT, 0)
	}
	fmt.Fprintf(&b, "\nAll three tools printed the same hash. Wall time nix-hash/cairn: %.2f (above 1: cairn faster); cairn/floor: %.2f. CPU time nix-hash/cairn: %.2f; cairn/floor: %.2f. Load average before the run: %s.\n",
		results[1].t.Seconds()/results[0].t.Seconds(), results[0].t.Seconds()/floor.Seconds(),
		results[1].cpu.Seconds()/results[0].cpu.Seconds(), results[0].cpu.Seconds()/floorCPU.Seconds(),
		strings.Join(strings.Fields(loadBefore)[:3], " "))
	fmt.Fprint(stdout, b.String())
	if *write != "" {
		return replaceSection(*write, "bench/store", b.String())
	}
	return nil
}

// waitQuiet waits until the 1-minute load average drops below max, since
// other work on the machine skews wall times; it gives up after limit.
func waitQuiet(ctx context.Context, max float64, limit time.Duration) {
	if max <= 0 {
		return
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		b, err := os.ReadFile("/proc/loadavg")
		if err != nil {
			return
		}
		var l float64
		if _, err := fmt.Sscanf(string(b), "%f", &l); err != nil || l < max {
			return
		}
		fmt.Fprintf(os.Stderr, "load average %.2f, waiting for it to drop below %.2f ...\n", l, max)
		time.Sleep(10 * time.Second)
	}
}

// childCPU is the user and system time of all waited-for children so far
// (a pipeline's shell waits for its own children, so they count too).
func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// selfCPU is this process's user and system time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func gib(n int64) float64 { return float64(n) / (1 << 30) }

func describeLayout() string {
	var parts []string
	for _, l := range layout {
		parts = append(parts, fmt.Sprintf("%d × %s", l.count, humanSize(l.size)))
	}
	return strings.Join(parts, ", ") + ", symlinks and empty directories"
}

func humanSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// ensureTree builds the tree unless a complete one with the same stamp
// exists; it returns the regular files and their total size.
func ensureTree(dir, root string) ([]string, int64, error) {
	stampFile := filepath.Join(dir, "stamp")
	if b, err := os.ReadFile(stampFile); err != nil || string(b) != stamp {
		fmt.Fprintf(os.Stderr, "building the tree in %s ...\n", root)
		if err := os.RemoveAll(dir); err != nil {
			return nil, 0, err
		}
		if err := build(root); err != nil {
			return nil, 0, err
		}
		if err := os.WriteFile(stampFile, []byte(stamp), 0o644); err != nil {
			return nil, 0, err
		}
	}
	var files []string
	var total int64
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, p)
			total += fi.Size()
		}
		return nil
	})
	return files, total, err
}

func build(root string) error {
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 128<<20)
	for i := 0; i+8 <= len(buf); i += 8 {
		v := rng.Uint64()
		for k := 0; k < 8; k++ {
			buf[i+k] = byte(v >> (8 * k))
		}
	}
	off := 0
	for _, l := range layout {
		for i := 0; i < l.count; i++ {
			// Spread files over subdirectories of at most 500 entries.
			p := filepath.Join(root, l.dir, fmt.Sprintf("d%03d", i/500), fmt.Sprintf("file-%05d.dat", i))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if off+l.size > len(buf) {
				off = 0
			}
			mode := os.FileMode(0o644)
			if l.exec {
				mode = 0o755
			}
			if err := os.WriteFile(p, buf[off:off+l.size], mode); err != nil {
				return err
			}
			off += 4093 // different contents per file
		}
	}
	for i := 0; i < 200; i++ {
		if err := os.Symlink(fmt.Sprintf("../share/doc/d000/file-%05d.dat", i), filepath.Join(root, "bin", fmt.Sprintf("link-%03d", i))); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(root, "var", fmt.Sprintf("empty-%03d", i)), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// narBytes runs nix-store --dump once (warming the cache) and counts the
// bytes.
func narBytes(ctx context.Context, root string) (int64, error) {
	cmd := exec.CommandContext(ctx, "nix-store", "--dump", root)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, out)
	if werr := cmd.Wait(); err == nil {
		err = werr
	}
	return n, err
}

// shaFloor times sha256 over size bytes of memory, the compute a NAR hash
// cannot avoid.
func shaFloor(size int64, runs int) (wall, cpu time.Duration) {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for r := 0; r < runs; r++ {
		c0 := selfCPU()
		start := time.Now()
		h := sha256.New()
		for left := size; left > 0; left -= int64(len(buf)) {
			h.Write(buf[:min(int64(len(buf)), left)])
		}
		_ = hex.EncodeToString(h.Sum(nil))
		t, c := time.Since(start), selfCPU()-c0
		if r == 0 || t < wall {
			wall = t
		}
		if r == 0 || c < cpu {
			cpu = c
		}
	}
	return wall, cpu
}

// catOpenssl pipes the files' contents through openssl dgst -sha256.
func catOpenssl(ctx context.Context, files []string) (time.Duration, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "openssl", "dgst", "-sha256")
	in, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	buf := make([]byte, 1<<20)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return 0, err
		}
		_, err = io.CopyBuffer(in, fh, buf)
		fh.Close()
		if err != nil {
			return 0, err
		}
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// replaceSection replaces the text between <!-- NAME:begin --> and
// <!-- NAME:end --> in file, appending the section when it is missing.
func replaceSection(file, name, body string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	i := bytes.Index(data, []byte(begin))
	j := bytes.Index(data, []byte(end))
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s section markers", file, name)
	}
	out := append([]byte{}, data[:i+len(begin)]...)
	out = append(out, body...)
	out = append(out, data[j:]...)
	return os.WriteFile(file, out, 0o644)
}
