// Command switch benchmarks cairn's generation switch on a root folder
// whose units run under cairn's own supervisor (run in this process):
// a no-op switch, a switch that changes one /etc file, a switch that
// restarts three services, and a rollback that restarts them back. As a
// floor it times what Nix itself does for the profile part of a switch,
// `nix-env -p PROFILE --set PATH` followed by relinking /etc/static, for
// the no-op and the /etc change. It prints a Markdown table of median wall
// times over N runs; with -write FILE it replaces the section of FILE
// (docs/benchmarks.md) between <!-- bench/switch:begin --> and
// <!-- bench/switch:end -->.
//
// Usage:
//
//	go run ./bench/switch [-cairn bin/cairn] [-n 20] [-write docs/benchmarks.md]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/service/supervise"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "bench/switch: %v\n", err)
		os.Exit(1)
	}
}

// toplevel writes a toplevel into root's store: motd is the content of
// the /etc file that changes, tag the text that makes the three units
// differ.
func toplevel(root, name, motd, tag string) (string, error) {
	store := filepath.Join(root, "nix/store")
	top := filepath.Join(store, name)
	files := map[string]string{
		"cairn-version": "bench\n",
		"generation.json": fmt.Sprintf(`{"version": 1, "hostName": "bench",
 "etc": [{"target": "motd", "source": "/nix/store/%[1]s-motd", "mode": "symlink"},
         {"target": "app.conf", "source": "/nix/store/%[1]s-motd", "mode": "0644"}],
 "users": [{"name": "root", "uid": 0, "group": "root", "home": "/root", "shell": "/bin/sh"},
           {"name": "app", "isSystemUser": true, "group": "app"}],
 "groups": [{"name": "root", "gid": 0}, {"name": "app"}],
 "units": [{"name": "s1.service", "restartIfChanged": true}, {"name": "s2.service", "restartIfChanged": true}, {"name": "s3.service", "restartIfChanged": true}],
 "wantedUnits": ["s1.service", "s2.service", "s3.service"]}`, name),
	}
	for i := 1; i <= 3; i++ {
		files[fmt.Sprintf("units/s%d.service", i)] = fmt.Sprintf("[Unit]\nDescription=service %d (%s)\n[Service]\nExecStart=/bin/sleep 100000\n", i, tag)
	}
	for p, data := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(top, p)), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(top, p), []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(store, name+"-motd"), []byte(motd), 0o644); err != nil {
		return "", err
	}
	os.MkdirAll(filepath.Join(top, "etc"), 0o755)
	return top, os.Symlink("/nix/store/"+name+"-motd", filepath.Join(top, "etc", "motd"))
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("switch", flag.ContinueOnError)
	cairn := fs.String("cairn", "bin/cairn", "the cairn binary")
	n := fs.Int("n", 20, "runs per workload (the median is kept)")
	write := fs.String("write", "", "replace the switch section of this Markdown file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cairnPath, err := exec.LookPath(*cairn)
	if err != nil {
		return fmt.Errorf("cairn binary: %w (run make build)", err)
	}
	cairnPath, _ = filepath.Abs(cairnPath)
	loadBefore := loadAverage()
	root, err := os.MkdirTemp("", "cairn-bench-switch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)

	base, err := toplevel(root, "base", "one\n", "a")
	if err != nil {
		return err
	}
	etcB, err := toplevel(root, "etc", "two\n", "a")
	if err != nil {
		return err
	}
	svcB, err := toplevel(root, "svc", "one\n", "b")
	if err != nil {
		return err
	}

	dctx, cancel := context.WithCancel(ctx)
	d, err := supervise.New(supervise.Config{Root: root})
	if err != nil {
		cancel()
		return err
	}
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- d.Run(dctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		return err
	}
	defer func() { cancel(); <-done }()

	cairnRun := func(args ...string) func() error {
		return func() error {
			cmd := exec.CommandContext(ctx, cairnPath, append(args, "--root", root, "--manager", "supervise")...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("cairn %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return nil
		}
	}
	sw := func(top string) func() error { return cairnRun("switch", "--toplevel", top) }
	if err := sw(base)(); err != nil {
		return err
	}

	type row struct {
		name, what string
		t          time.Duration
	}
	var rows []row
	measure := func(name, what string, setup, timed func() error) error {
		var ts []time.Duration
		for i := 0; i < *n; i++ {
			if setup != nil {
				if err := setup(); err != nil {
					return err
				}
			}
			start := time.Now()
			if err := timed(); err != nil {
				return err
			}
			ts = append(ts, time.Since(start))
		}
		rows = append(rows, row{name, what, median(ts)})
		return nil
	}
	if err := measure("no-op switch", "`cairn switch` to the active toplevel", nil, sw(base)); err != nil {
		return err
	}
	if err := measure("/etc change", "`cairn switch` between two toplevels that differ in one /etc link and one /etc copy", sw(base), sw(etcB)); err != nil {
		return err
	}
	if err := measure("restart 3 services", "`cairn switch` between two toplevels whose 3 running units differ", sw(base), sw(svcB)); err != nil {
		return err
	}
	if err := measure("rollback, 3 services", "`cairn rollback` from the toplevel above to the previous one, restarting the 3 units", sw(svcB), cairnRun("rollback")); err != nil {
		return err
	}

	// The floor: the profile part of a switch as Nix does it.
	nixEnv, err := exec.LookPath("nix-env")
	if err == nil {
		floor, err := nixFloor(ctx, nixEnv, *n)
		if err != nil {
			return err
		}
		for _, f := range floor {
			rows = append(rows, row{f.name, f.what, f.t})
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s (%d CPUs, %s); median of %d runs; units under cairn's supervisor.\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOARCH, *n)
	fmt.Fprintf(&b, "Load average (1 min) %s before, %s after; above the number of CPUs, times are noisy.\n\n", loadBefore, loadAverage())
	fmt.Fprintf(&b, "| workload | what | median wall time |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.1f ms |\n", r.name, r.what, float64(r.t.Microseconds())/1000)
	}
	fmt.Fprint(stdout, b.String())
	if *write != "" {
		return writeSection(*write, b.String())
	}
	return nil
}

type floorRow struct {
	name, what string
	t          time.Duration
}

// nixFloor times `nix-env -p PROFILE --set PATH` plus the relinking of
// /etc/static, on two small paths added to the real store.
func nixFloor(ctx context.Context, nixEnv string, n int) ([]floorRow, error) {
	dir, err := os.MkdirTemp("", "cairn-bench-nixenv-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var paths []string
	for _, motd := range []string{"one", "two"} {
		src := filepath.Join(dir, "toplevel-"+motd)
		os.MkdirAll(filepath.Join(src, "etc"), 0o755)
		os.WriteFile(filepath.Join(src, "etc", "motd"), []byte(motd+"\n"), 0o644)
		out, err := exec.CommandContext(ctx, "nix-store", "--add", src).Output()
		if err != nil {
			return nil, fmt.Errorf("nix-store --add: %v", err)
		}
		paths = append(paths, strings.TrimSpace(string(out)))
	}
	profile := filepath.Join(dir, "profile")
	etc := filepath.Join(dir, "etc")
	os.MkdirAll(etc, 0o755)
	set := func(p string) func() error {
		return func() error {
			if out, err := exec.CommandContext(ctx, nixEnv, "-p", profile, "--set", p).CombinedOutput(); err != nil {
				return fmt.Errorf("nix-env --set: %v\n%s", err, out)
			}
			tmp := filepath.Join(etc, ".static.tmp")
			os.Remove(tmp)
			if err := os.Symlink(filepath.Join(p, "etc"), tmp); err != nil {
				return err
			}
			return os.Rename(tmp, filepath.Join(etc, "static"))
		}
	}
	var rows []floorRow
	for _, w := range []struct {
		name, what string
		setup      func() error
		timed      func() error
	}{
		{"floor: no-op", "`nix-env -p PROFILE --set PATH` to the current path, then relinking etc/static", set(paths[0]), set(paths[0])},
		{"floor: /etc change", "the same to the other path", set(paths[0]), set(paths[1])},
	} {
		var ts []time.Duration
		for i := 0; i < n; i++ {
			if err := w.setup(); err != nil {
				return nil, err
			}
			start := time.Now()
			if err := w.timed(); err != nil {
				return nil, err
			}
			ts = append(ts, time.Since(start))
		}
		rows = append(rows, floorRow{w.name, w.what, median(ts)})
	}
	return rows, nil
}

// loadAverage is the 1-minute load average, or "?".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// writeSection replaces the text between the switch markers of path.
func writeSection(path, body string) error {
	const begin, end = "<!-- bench/switch:begin -->", "<!-- bench/switch:end -->"
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s: no %s ... %s markers", path, begin, end)
	}
	s = s[:i+len(begin)] + "\n" + body + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
