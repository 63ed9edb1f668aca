package cli_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"cairn.dev/cairn/internal/activate"
	"cairn.dev/cairn/internal/service/supervise"
	"cairn.dev/cairn/internal/system"
)

// faultRoot is a root folder with two toplevels, old and new, whose units
// run under an in-process supervisor.
type faultRoot struct {
	t   *testing.T
	dir string
}

func (r *faultRoot) write(p, data string, mode os.FileMode) {
	host := filepath.Join(r.dir, p)
	if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(host, []byte(data), mode); err != nil {
		r.t.Fatal(err)
	}
}

const oldGen = `{"version": 1, "hostName": "web", "configurationRevision": {"rev": "1111111111111111111111111111111111111111", "dirty": false},
 "etc": [{"target": "motd", "source": "/nix/store/motd-1", "mode": "symlink"},
         {"target": "app/app.conf", "source": "/nix/store/conf-1", "mode": "0640", "user": "app", "group": "app"},
         {"target": "old-only", "source": "/nix/store/motd-1", "mode": "symlink"}],
 "users": [{"name": "root", "uid": 0, "group": "root", "home": "/root", "shell": "/bin/sh"},
           {"name": "app", "isSystemUser": true, "group": "app"}],
 "groups": [{"name": "root", "gid": 0}, {"name": "app"}],
 "units": [{"name": "a.service", "restartIfChanged": true}, {"name": "b.service", "restartIfChanged": true}, {"name": "c.service", "restartIfChanged": true}],
 "wantedUnits": ["a.service", "b.service", "c.service"]}`

const newGen = `{"version": 1, "hostName": "web", "configurationRevision": {"rev": "2222222222222222222222222222222222222222", "dirty": true},
 "etc": [{"target": "motd", "source": "/nix/store/motd-2", "mode": "symlink"},
         {"target": "app/app.conf", "source": "/nix/store/conf-2", "mode": "0600", "user": "app", "group": "app"},
         {"target": "new/deep/only", "source": "/nix/store/motd-2", "mode": "symlink"}],
 "users": [{"name": "root", "uid": 0, "group": "root", "home": "/root", "shell": "/bin/sh"},
           {"name": "app", "isSystemUser": true, "group": "app"},
           {"name": "bob", "isNormalUser": true, "group": "users", "home": "/home/bob", "createHome": true, "shell": "/bin/sh"}],
 "groups": [{"name": "root", "gid": 0}, {"name": "app"}, {"name": "users", "gid": 100}],
 "units": [{"name": "a.service", "restartIfChanged": true}, {"name": "b.service", "restartIfChanged": true}, {"name": "d.service", "restartIfChanged": true}],
 "wantedUnits": ["a.service", "b.service", "d.service"],
 "tmpfiles": ["d /var/lib/app 0750 app app -"]}`

func unitFile(tag string) string {
	return "[Service]\nExecStart=/bin/sh -c 'echo " + tag + "; exec sleep 1000'\n"
}

// newFaultRoot makes the root, the store files and both toplevels, and
// starts a supervisor for the root when withSupervisor is set.
func newFaultRoot(t *testing.T, withSupervisor bool) *faultRoot {
	r := &faultRoot{t: t, dir: t.TempDir()}
	for name, data := range map[string]string{"motd-1": "one\n", "motd-2": "two\n", "conf-1": "x=1\n", "conf-2": "x=2\n"} {
		r.write("nix/store/"+name, data, 0o444)
	}
	for _, g := range []struct{ name, json string }{{"old", oldGen}, {"new", newGen}} {
		top := "nix/store/" + g.name + "-system"
		r.write(top+"/generation.json", g.json, 0o444)
		r.write(top+"/cairn-version", "test\n", 0o444)
		os.MkdirAll(filepath.Join(r.dir, top, "etc"), 0o755)
	}
	os.Symlink("/nix/store/motd-1", filepath.Join(r.dir, "nix/store/old-system/etc/motd"))
	os.Symlink("/nix/store/motd-2", filepath.Join(r.dir, "nix/store/new-system/etc/motd"))
	for _, u := range []string{"a", "b", "c"} {
		r.write("nix/store/old-system/units/"+u+".service", unitFile(u+"1"), 0o444)
	}
	r.write("nix/store/new-system/units/a.service", unitFile("a1"), 0o444)
	r.write("nix/store/new-system/units/b.service", unitFile("b2"), 0o444)
	r.write("nix/store/new-system/units/d.service", unitFile("d2"), 0o444)
	if withSupervisor {
		ctx, cancel := context.WithCancel(context.Background())
		d, err := supervise.New(supervise.Config{Root: r.dir})
		if err != nil {
			t.Fatal(err)
		}
		ready := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx, func() { close(ready) }) }()
		select {
		case <-ready:
		case err := <-done:
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cancel()
			<-done
		})
	}
	return r
}

// cairn runs the cairn binary (this test binary, through testscript's
// PATH) on the root with the extra environment.
func (r *faultRoot) cairn(env []string, args ...string) (string, error) {
	cmd := exec.Command("cairn", append(args, "--root", r.dir)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (r *faultRoot) mustCairn(args ...string) string {
	r.t.Helper()
	out, err := r.cairn(nil, args...)
	if err != nil {
		r.t.Fatalf("cairn %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

var dateRE = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}`)

// snapshot lists what a switch must leave as exactly one generation: every
// link, file (mode, owner, content) and folder of the root outside the
// store. Left out: the supervisor's run folder and logs, the id maps (ids
// are never given back, so an undone switch keeps its allocations), and
// what tmpfiles and createHome made (never removed, as on NixOS).
func (r *faultRoot) snapshot() string {
	skip := map[string]bool{"nix/store": true, "run/cairn": true, "var/log": true, "var/lib/cairn/uid-map": true,
		"var/lib/cairn/gid-map": true, "var/lib/app": true, "home": true}
	var b strings.Builder
	err := filepath.WalkDir(r.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(r.dir, p)
		if skip[rel] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, "%s -> %s\n", rel, target)
		case fi.IsDir():
			fmt.Fprintf(&b, "%s/ %o %d:%d\n", rel, fi.Mode().Perm(), st.Uid, st.Gid)
		default:
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, "%s %o %d:%d %q\n", rel, fi.Mode().Perm(), st.Uid, st.Gid, dateRE.ReplaceAllString(string(data), "DATE"))
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return b.String()
}

// units returns the active units as `cairn status` reports them.
func (r *faultRoot) units() string {
	out, _ := r.cairn(nil, "status", "--manager", "supervise")
	var act []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && strings.HasSuffix(f[0], ".service") && f[1] == "active" {
			act = append(act, f[0])
		}
	}
	return strings.Join(act, " ")
}

// references returns the snapshots of a root in the old and in the new
// generation, reached without interruption.
// and in the old one reached by a rollback from the new (which keeps the
// new generation's link and boot entry).
func references(t *testing.T) (old, nw, rolled string) {
	r := newFaultRoot(t, false)
	r.mustCairn("switch", "--manager", "none", "--toplevel", filepath.Join(r.dir, "nix/store/old-system"))
	old = r.snapshot()
	r.mustCairn("switch", "--manager", "none", "--toplevel", filepath.Join(r.dir, "nix/store/new-system"))
	nw = r.snapshot()
	r.mustCairn("rollback", "--manager", "none")
	return old, nw, r.snapshot()
}

// TestSwitchKilledAtEveryStep kills `cairn switch` with SIGKILL before each
// of its steps in turn. After the kill the root is the old generation, the
// new one, or has a pending journal; then `cairn switch` completes the
// switch (the root is exactly the new generation, its units run) and,
// in a second root, `cairn rollback` undoes it (exactly the old
// generation, its units run again).
func TestSwitchKilledAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	refOld, refNew, refRolled := references(t)
	if refOld == refNew {
		t.Fatal("the two generations have the same snapshot")
	}
	const steps = 13 // journal ... done, as Activator.Steps lists them for a switch
	for k := 1; k <= steps+1; k++ {
		for _, then := range []string{"switch", "rollback"} {
			t.Run(fmt.Sprintf("step%d-%s", k, then), func(t *testing.T) {
				r := newFaultRoot(t, true)
				oldTop := filepath.Join(r.dir, "nix/store/old-system")
				newTop := filepath.Join(r.dir, "nix/store/new-system")
				r.mustCairn("switch", "--manager", "supervise", "--toplevel", oldTop)
				if got := r.units(); got != "a.service b.service c.service" {
					t.Fatalf("after the first switch, active units %q", got)
				}
				out, err := r.cairn([]string{fmt.Sprintf("CAIRN_TEST_KILL_AT_STEP=%d", k)}, "switch", "--manager", "supervise", "--toplevel", newTop)
				killed := err != nil && strings.Contains(err.Error(), "killed")
				if k <= steps && !killed {
					t.Fatalf("switch was not killed at step %d: %v\n%s", k, err, out)
				}
				if k > steps && err != nil {
					t.Fatalf("switch: %v\n%s", err, out)
				}
				_, jerr := os.Stat(filepath.Join(r.dir, "var/lib/cairn/switch-journal"))
				pending := jerr == nil
				snap := r.snapshot()
				if !pending && snap != refOld && snap != refNew {
					t.Fatalf("killed at step %d without a journal, the root is neither generation:\n%s", k, diffLines(snap, refNew))
				}
				if then == "switch" || (!pending && snap == refOld) {
					out := r.mustCairn("switch", "--manager", "supervise", "--toplevel", newTop)
					if snap := r.snapshot(); snap != refNew {
						t.Fatalf("after completing, the root is not the new generation:\n%s\n%s", diffLines(snap, refNew), out)
					}
					if got := r.units(); got != "a.service b.service d.service" {
						t.Errorf("after completing, active units %q", got)
					}
					if then == "switch" {
						return
					}
				}
				want := refOld // undoing the interrupted switch
				if !pending {
					want = refRolled // rolling back the completed switch
				}
				out = r.mustCairn("rollback", "--manager", "supervise")
				if snap := r.snapshot(); snap != want {
					t.Fatalf("after rollback, the root is not the old generation:\n%s\n%s", diffLines(snap, want), out)
				}
				if got := r.units(); got != "a.service b.service c.service" {
					t.Errorf("after rollback, active units %q", got)
				}
			})
		}
	}
}

// diffLines shows the lines only one of got and want has.
func diffLines(got, want string) string {
	g := map[string]bool{}
	w := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	var b strings.Builder
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	return b.String()
}

// TestSwitchLock: while one process holds the switch lock, a switch fails
// at once and names the holder's pid.
func TestSwitchLock(t *testing.T) {
	r := newFaultRoot(t, false)
	unlock, err := activate.Lock(system.Root(r.dir))
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.cairn(nil, "switch", "--manager", "none", "--toplevel", filepath.Join(r.dir, "nix/store/old-system"))
	want := fmt.Sprintf("another cairn process (pid %d) is switching %s", os.Getpid(), r.dir)
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("switch while locked: %v\n%s\nwant %q", err, out, want)
	}
	unlock()
	r.mustCairn("switch", "--manager", "none", "--toplevel", filepath.Join(r.dir, "nix/store/old-system"))
}

// TestFailedUnitThenRollback: a unit of the new generation fails to
// start; switch reports it with its log tail and exits 1; rollback brings
// back the old generation with all its units running.
func TestFailedUnitThenRollback(t *testing.T) {
	r := newFaultRoot(t, true)
	top := "nix/store/bad-system"
	r.write(top+"/generation.json", newGen, 0o444)
	r.write(top+"/cairn-version", "test\n", 0o444)
	r.write(top+"/units/a.service", unitFile("a1"), 0o444)
	r.write(top+"/units/b.service", "[Service]\nExecStartPre=/bin/sh -c 'echo b: port 80 in use >&2; exit 3'\nExecStart=/bin/sleep 1000\n", 0o444)
	r.write(top+"/units/d.service", unitFile("d2"), 0o444)
	r.mustCairn("switch", "--manager", "supervise", "--toplevel", filepath.Join(r.dir, "nix/store/old-system"))
	out, err := r.cairn(nil, "switch", "--manager", "supervise", "--toplevel", filepath.Join(r.dir, top))
	if err == nil || !strings.Contains(out, "restart b.service") || !strings.Contains(out, "b: port 80 in use") {
		t.Fatalf("switch with a failing unit: %v\n%s", err, out)
	}
	if st, _ := r.cairn(nil, "status", "--manager", "supervise"); !strings.Contains(st, "b.service") || !strings.Contains(st, "failed") {
		t.Errorf("status does not show the failed unit:\n%s", st)
	}
	r.mustCairn("rollback", "--manager", "supervise")
	if got := r.units(); got != "a.service b.service c.service" {
		t.Errorf("after rollback, active units %q", got)
	}
}
