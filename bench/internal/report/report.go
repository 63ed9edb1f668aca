// Package report holds what cairn's benchmark programs share: the
// machine's description (processor, load), the formatting of times and
// sizes in Markdown tables, and the atomic rewrite of one program's
// section of docs/benchmarks.md between its markers.
package report

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
)

// Median returns the median of ds (sorting ds), or 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// MS formats a duration in whole milliseconds.
func MS(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

// MiB formats a size given in KiB (as rusage's maxrss) in MiB.
func MiB(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

// Cell makes text safe for a Markdown table cell, cut to 80 characters.
func Cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// FirstLine returns the first line of s, trimmed.
func FirstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// CPUModel names the processor, from /proc/cpuinfo.
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// LoadAverage is the one-minute load average, from /proc/loadavg.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// WriteSection replaces the text between `<!-- bench/NAME:begin -->` and
// `<!-- bench/NAME:end -->` in the Markdown file at path with body,
// appending a section headed title when the markers are missing. The file
// is rewritten atomically.
func WriteSection(path, name, title, body string) error {
	begin, end := "<!-- bench/"+name+":begin -->", "<!-- bench/"+name+":end -->"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(old)
	section := begin + "\n" + body + end
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i >= 0 && j > i {
		text = text[:i] + section + text[j+len(end):]
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n## " + title + "\n\n" + section + "\n"
	}
	_, err = atomicfile.WriteFile(path, []byte(text), 0o644)
	return err
}

// Measurement is what N runs of one command gave.
type Measurement struct {
	Median time.Duration // median wall time
	CPU    time.Duration // median user+system CPU time
	MaxRSS int64         // largest peak RSS, KiB
	Out    string        // standard output (the same in every run)
	Err    error         // why a run failed, or printed something else
}

// Pair runs the commands a and b n times each in dir with env, alternating
// so that a change of machine load affects both alike, after one warm-up
// run of each (not counted).
func Pair(ctx context.Context, n int, dir string, env []string, a, b []string) (ma, mb Measurement) {
	var ta, tb, ca, cb []time.Duration
	for i := -1; i < n; i++ {
		for _, side := range []struct {
			argv        []string
			m           *Measurement
			times, cpus *[]time.Duration
		}{{a, &ma, &ta, &ca}, {b, &mb, &tb, &cb}} {
			if side.m.Err != nil {
				continue
			}
			d, cpu := once(ctx, dir, env, side.argv, side.m, i == -1)
			if i >= 0 && side.m.Err == nil {
				*side.times = append(*side.times, d)
				*side.cpus = append(*side.cpus, cpu)
			}
		}
	}
	ma.Median, mb.Median = Median(ta), Median(tb)
	ma.CPU, mb.CPU = Median(ca), Median(cb)
	return ma, mb
}

// once runs argv, records its output (the first time) and peak RSS in m,
// and returns the wall time and the CPU time (user+system).
func once(ctx context.Context, dir string, env, argv []string, m *Measurement, first bool) (time.Duration, time.Duration) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	switch {
	case err != nil:
		m.Err = fmt.Errorf("%s: %v: %s", filepath.Base(argv[0]), err, FirstLine(errb.String()))
	case first:
		m.Out = out.String()
	case out.String() != m.Out:
		m.Err = fmt.Errorf("%s printed different values in two runs", filepath.Base(argv[0]))
	}
	if cmd.ProcessState == nil {
		return elapsed, 0 // did not start; m.Err says why
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > m.MaxRSS {
		m.MaxRSS = ru.Maxrss
	}
	return elapsed, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
