// Package systemd implements service.Manager over a real systemd: it links
// a generation's unit files into ROOT/etc/systemd/system (with the
// [Install] WantedBy= and RequiredBy= links, so a boot starts them too),
// runs `systemctl daemon-reload`, drives units with systemctl and reads
// logs with journalctl. Commands go through a Runner, so that the same code
// drives the host's systemd or one in a container (nsenter -t PID -a ...).
package systemd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/service/unit"
)

// Runner runs a command (argv[0] is "systemctl" or "journalctl") and
// returns its standard output; a failure's error includes its stderr.
type Runner func(ctx context.Context, argv ...string) ([]byte, error)

// ExecRunner runs commands on this host, each prefixed by prefix (e.g.
// "nsenter", "-t", "1234", "-a" to reach a container's systemd).
func ExecRunner(prefix ...string) Runner {
	return func(ctx context.Context, argv ...string) ([]byte, error) {
		full := append(append([]string{}, prefix...), argv...)
		cmd := exec.CommandContext(ctx, full[0], full[1:]...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			msg := strings.TrimSpace(stderr.String())
			if msg == "" {
				msg = strings.TrimSpace(stdout.String())
			}
			return stdout.Bytes(), fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, msg)
		}
		return stdout.Bytes(), nil
	}
}

// Manager is service.Manager over systemd.
type Manager struct {
	root string // the root whose etc/systemd/system holds the links; "/" on a host
	run  Runner
}

var _ service.Manager = (*Manager)(nil)

// New returns a manager for the systemd of root (as seen from this
// process), reached through run.
func New(root string, run Runner) *Manager { return &Manager{root: root, run: run} }

// manifest lists the links Load made, so that the next Load removes those
// of units that are gone and leaves links it did not make alone.
const manifest = ".cairn-units"

func (m *Manager) unitDir() string { return filepath.Join(m.root, "etc", "systemd", "system") }

// Load links exactly units into etc/systemd/system (unit paths are as
// systemd sees them), removes the links of units no longer in the set and
// runs daemon-reload. It does not start or stop anything.
func (m *Manager) Load(ctx context.Context, units []service.Unit) error {
	dir := m.unitDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("systemd load: %v", err)
	}
	want := map[string]string{} // link path relative to dir -> target
	for _, u := range units {
		if strings.ContainsRune(u.Name, '/') || !strings.HasPrefix(u.Path, "/") {
			return fmt.Errorf("systemd load: bad unit %q at %q", u.Name, u.Path)
		}
		want[u.Name] = u.Path
		src, err := os.ReadFile(filepath.Join(m.root, u.Path))
		if err != nil {
			return fmt.Errorf("systemd load %s: %v", u.Name, err)
		}
		f, err := unit.Parse(u.Path, src)
		if err != nil {
			return fmt.Errorf("systemd load %s: %w", u.Name, err)
		}
		for _, t := range f.Install.WantedBy {
			want[t+".wants/"+u.Name] = u.Path
		}
		for _, t := range f.Install.RequiredBy {
			want[t+".requires/"+u.Name] = u.Path
		}
	}
	old, _ := os.ReadFile(filepath.Join(dir, manifest))
	for _, rel := range strings.Split(strings.TrimSpace(string(old)), "\n") {
		if rel == "" {
			continue
		}
		if _, ok := want[rel]; !ok {
			os.Remove(filepath.Join(dir, rel))
			os.Remove(filepath.Dir(filepath.Join(dir, rel))) // a .wants dir left empty
		}
	}
	var rels []string
	for rel, target := range want {
		rels = append(rels, rel)
		p := filepath.Join(dir, rel)
		if cur, err := os.Readlink(p); err == nil && cur == target {
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		tmp := p + ".cairn-tmp"
		os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			return fmt.Errorf("systemd load: %v", err)
		}
		if err := os.Rename(tmp, p); err != nil {
			return fmt.Errorf("systemd load: %v", err)
		}
	}
	sort.Strings(rels)
	if _, err := atomicfile.WriteFile(filepath.Join(dir, manifest), []byte(strings.Join(rels, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("systemd load: %v", err)
	}
	if _, err := m.run(ctx, "systemctl", "daemon-reload"); err != nil {
		return fmt.Errorf("systemd load: %v", err)
	}
	return nil
}

// do runs `systemctl op names...`; on failure it names the failed unit and
// carries its journal tail.
func (m *Manager) do(ctx context.Context, op string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	_, err := m.run(ctx, append([]string{"systemctl", op, "--"}, names...)...)
	if err == nil {
		return nil
	}
	failed := names[0]
	for _, n := range names {
		if st, e := m.Status(ctx, n); e == nil && st.Active == "failed" {
			failed = n
			break
		}
	}
	m.run(ctx, "journalctl", "--sync")
	lines, _ := m.Logs(ctx, failed, service.LogTailLines)
	return &service.UnitError{Op: op, Unit: failed, Err: err, Log: lines}
}

func (m *Manager) Start(ctx context.Context, names ...string) error { return m.do(ctx, "start", names) }
func (m *Manager) Stop(ctx context.Context, names ...string) error  { return m.do(ctx, "stop", names) }
func (m *Manager) Restart(ctx context.Context, names ...string) error {
	return m.do(ctx, "restart", names)
}
func (m *Manager) Reload(ctx context.Context, names ...string) error {
	return m.do(ctx, "reload", names)
}

// Status reads ActiveState, SubState, MainPID, Result and the time of the
// last state change with `systemctl show`.
func (m *Manager) Status(ctx context.Context, name string) (service.State, error) {
	out, err := m.run(ctx, "systemctl", "show", "--timestamp=unix",
		"-p", "ActiveState,SubState,MainPID,Result,StateChangeTimestamp", "--", name)
	if err != nil {
		return service.State{}, fmt.Errorf("status %s: %v", name, err)
	}
	st := service.State{Name: name}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "ActiveState":
			st.Active = v
		case "SubState":
			st.Sub = v
		case "MainPID":
			st.MainPID, _ = strconv.Atoi(v)
		case "Result":
			st.Result = v
		case "StateChangeTimestamp":
			st.Since = parseTimestamp(v)
		}
	}
	if st.Active == "" {
		return st, fmt.Errorf("status %s: no ActiveState in systemctl's answer %q", name, out)
	}
	return st, nil
}

// parseTimestamp reads "@1764123652" (--timestamp=unix) or systemd's
// default "Thu 2026-11-26 02:20:52 UTC"; empty is the zero time.
func parseTimestamp(v string) time.Time {
	if strings.HasPrefix(v, "@") {
		if n, err := strconv.ParseInt(v[1:], 10, 64); err == nil {
			return time.Unix(n, 0)
		}
	}
	if t, err := time.Parse("Mon 2006-01-02 15:04:05 MST", v); err == nil {
		return t
	}
	return time.Time{}
}

// Logs returns the unit's last journal lines, message text only.
func (m *Manager) Logs(ctx context.Context, name string, lines int) ([]string, error) {
	args := []string{"journalctl", "--no-pager", "-o", "cat", "-u", name}
	if lines > 0 {
		args = append(args, "-n", strconv.Itoa(lines))
	}
	out, err := m.run(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("logs %s: %v", name, err)
	}
	s := strings.TrimRight(string(out), "\n")
	if s == "" || s == "-- No entries --" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

// ErrNotBooted is returned by Detect when systemd is not the init system.
var ErrNotBooted = errors.New("systemd is not running on this host")

// Detect reports whether the host at root "/" runs systemd, as
// sd_booted(3) does.
func Detect() error {
	if st, err := os.Stat("/run/systemd/system"); err == nil && st.IsDir() {
		return nil
	}
	return ErrNotBooted
}
