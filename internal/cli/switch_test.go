package cli_test

import (
	"cairn.dev/cairn/internal/cli"
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

// The old and the new generation differ in every part of the state a
// switch must change at once: /etc files added (new/deep/only) and removed
// (old-only), a copy whose content and mode change (app/app.conf), a copy
// whose mode alone changes (ro.conf), a user and a group added (bob,
// users) and removed (carol), units stopped, restarted and started.
const oldGen = `{"version": 1, "hostName": "web", "configurationRevision": {"rev": "1111111111111111111111111111111111111111", "dirty": false},
 "etc": [{"target": "motd", "source": "/nix/store/motd-1", "mode": "symlink"},
         {"target": "app/app.conf", "source": "/nix/store/conf-1", "mode": "0640", "user": "app", "group": "app"},
         {"target": "ro.conf", "source": "/nix/store/conf-1", "mode": "0644"},
         {"target": "old-only", "source": "/nix/store/motd-1", "mode": "symlink"}],
 "users": [{"name": "root", "uid": 0, "group": "root", "home": "/root", "shell": "/bin/sh"},
           {"name": "app", "isSystemUser": true, "group": "app"},
           {"name": "carol", "isSystemUser": true, "group": "carol"}],
 "groups": [{"name": "root", "gid": 0}, {"name": "app"}, {"name": "carol"}],
 "units": [{"name": "a.service", "restartIfChanged": true}, {"name": "b.service", "restartIfChanged": true}, {"name": "c.service", "restartIfChanged": true}],
 "wantedUnits": ["a.service", "b.service", "c.service"]}`

const newGen = `{"version": 1, "hostName": "web", "configurationRevision": {"rev": "2222222222222222222222222222222222222222", "dirty": true},
 "etc": [{"target": "motd", "source": "/nix/store/motd-2", "mode": "symlink"},
         {"target": "app/app.conf", "source": "/nix/store/conf-2", "mode": "0600", "user": "app", "group": "app"},
         {"target": "ro.conf", "source": "/nix/store/conf-1", "mode": "0444"},
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
		cli.StartSupervisor(t, supervise.Config{Root: r.dir})
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
// what tmpfiles and createHome made (never removed, as on NixOS). With
// full false the switch's own bookkeeping is left out too: its journal and
// its staging folders (activate.StagingDirs), which nothing but cairn
// reads.
func (r *faultRoot) snapshot(full bool) string {
	skip := map[string]bool{"nix/store": true, "run/cairn": true, "var/log": true, "var/lib/cairn/uid-map": true,
		"var/lib/cairn/gid-map": true, "var/lib/app": true, "home": true}
	if !full {
		skip[strings.TrimPrefix(activate.JournalFile, "/")] = true
		for _, d := range activate.StagingDirs() {
			skip[strings.TrimPrefix(d, "/")] = true
		}
	}
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
// generation, reached without interruption, and in the old one reached by
// a rollback from the new (which keeps the new generation's link and boot
// entry).
func references(t *testing.T) (old, nw, rolled string) {
	r := newFaultRoot(t, false)
	r.mustCairn("switch", "--manager", "none", "--toplevel", filepath.Join(r.dir, "nix/store/old-system"))
	old = r.snapshot(true)
	r.mustCairn("switch", "--manager", "none", "--toplevel", filepath.Join(r.dir, "nix/store/new-system"))
	nw = r.snapshot(true)
	r.mustCairn("rollback", "--manager", "none")
	return old, nw, r.snapshot(true)
}

// switchSteps are the steps of a switch, as Activator.Steps lists them;
// the root's links, /etc and user database change in step commitStep
// only.
var switchSteps = []string{"journal", "stage", "stop units", "commit", "homes", "tmpfiles", "activation scripts", "start units", "done"}

const commitStep = 4

// killedSwitch makes a root in the old generation (units under a
// supervisor), then runs a switch to the new one with the fault injection
// variable kill=n set. It returns the root, whether the switch was
// killed, and its output.
func killedSwitch(t *testing.T, kill string, n int) (*faultRoot, bool, string) {
	r := newFaultRoot(t, true)
	r.mustCairn("switch", "--manager", "supervise", "--toplevel", filepath.Join(r.dir, "nix/store/old-system"))
	if got := r.units(); got != "a.service b.service c.service" {
		t.Fatalf("after the first switch, active units %q", got)
	}
	out, err := r.cairn([]string{fmt.Sprintf("%s=%d", kill, n)}, "switch", "--manager", "supervise", "--toplevel", filepath.Join(r.dir, "nix/store/new-system"))
	killed := err != nil && strings.Contains(err.Error(), "killed")
	if err != nil && !killed {
		t.Fatalf("switch: %v\n%s", err, out)
	}
	return r, killed, out
}

// recoverAndCheck runs the command after a kill, `switch` (which completes
// the interrupted switch) or `rollback` (which undoes it), and checks that
// the whole root, journal and staging folders included, is then exactly
// the new or the old generation, with its units running.
func (r *faultRoot) recoverAndCheck(then string, pending bool, snap, refOld, refNew, refRolled string) {
	t := r.t
	t.Helper()
	if then == "switch" || (!pending && snap == refOld) {
		out := r.mustCairn("switch", "--manager", "supervise", "--toplevel", filepath.Join(r.dir, "nix/store/new-system"))
		if snap := r.snapshot(true); snap != refNew {
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
	out := r.mustCairn("rollback", "--manager", "supervise")
	if snap := r.snapshot(true); snap != want {
		t.Fatalf("after rollback, the root is not the old generation:\n%s\n%s", diffLines(snap, want), out)
	}
	if got := r.units(); got != "a.service b.service c.service" {
		t.Errorf("after rollback, active units %q", got)
	}
}

// TestSwitchKilledAtEveryStep kills `cairn switch` with SIGKILL before each
// of its steps in turn. Right after the kill, the root (its links, /etc,
// user database and boot entries; the journal and staging folders aside)
// is exactly the old generation when the kill came before the commit
// step and exactly the new one after it, and the journal records that
// phase. Then `cairn switch` completes the switch (the whole root is
// exactly the new generation, its units run) and, in a second root,
// `cairn rollback` undoes it (exactly the old generation, its units run
// again).
func TestSwitchKilledAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	refOld, refNew, refRolled := references(t)
	if refOld == refNew {
		t.Fatal("the two generations have the same snapshot")
	}
	for k := 1; k <= len(switchSteps)+1; k++ {
		for _, then := range []string{"switch", "rollback"} {
			t.Run(fmt.Sprintf("step%d-%s", k, then), func(t *testing.T) {
				r, killed, out := killedSwitch(t, "CAIRN_TEST_KILL_AT_STEP", k)
				if k > len(switchSteps) {
					if killed {
						t.Fatalf("switch has more than %d steps:\n%s", len(switchSteps), out)
					}
				} else if want := fmt.Sprintf("test: killed before step %d (%s)", k, switchSteps[k-1]); !killed || !strings.Contains(out, want) {
					t.Fatalf("switch was not %s:\n%s", want, out)
				}
				j, err := activate.ReadJournal(system.Root(r.dir))
				if err != nil {
					t.Fatal(err)
				}
				phase := ""
				if j != nil {
					phase = j.Phase
				}
				wantSnap, wantPhase := refNew, activate.PhaseCommitted
				switch {
				case k == 1:
					wantSnap, wantPhase = refOld, ""
				case k <= commitStep:
					wantSnap, wantPhase = refOld, activate.PhasePrepare
				case k > len(switchSteps):
					wantPhase = ""
				}
				if phase != wantPhase {
					t.Errorf("killed before step %d, the journal's phase is %q, want %q", k, phase, wantPhase)
				}
				snap := r.snapshot(false)
				if snap != wantSnap {
					which := "new"
					if wantSnap == refOld {
						which = "old"
					}
					t.Fatalf("killed before step %d, the root is not exactly the %s generation:\n%s", k, which, diffLines(snap, wantSnap))
				}
				r.recoverAndCheck(then, j != nil, snap, refOld, refNew, refRolled)
			})
		}
	}
}

// TestSwitchKilledInsideCommit kills `cairn switch` before each operation
// of its commit step in turn: the commit point is passed (the journal is
// in its commit phase and lists the operations), and the root is exactly
// the old generation before the first rename and a mix of both after it.
// The next `cairn switch` finishes the commit and completes the switch;
// the next `cairn rollback` finishes the commit and then undoes the
// switch. Either way the root is then exactly one generation.
func TestSwitchKilledInsideCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	refOld, refNew, refRolled := references(t)
	ops := 0
	for i := 1; ops == 0 || i <= ops+1; i++ {
		for _, then := range []string{"switch", "rollback"} {
			t.Run(fmt.Sprintf("op%d-%s", i, then), func(t *testing.T) {
				r, killed, out := killedSwitch(t, "CAIRN_TEST_KILL_AT_COMMIT_OP", i)
				j, err := activate.ReadJournal(system.Root(r.dir))
				if err != nil {
					t.Fatal(err)
				}
				if !killed {
					if ops == 0 || i != ops+1 || j != nil {
						t.Fatalf("switch was not killed before commit operation %d (of %d):\n%s", i, ops, out)
					}
					return
				}
				if !strings.Contains(out, fmt.Sprintf("test: killed before commit operation %d ", i)) {
					t.Fatalf("switch was not killed before commit operation %d:\n%s", i, out)
				}
				if j == nil || j.Phase != activate.PhaseCommit || len(j.Commit) < i {
					t.Fatalf("killed inside the commit, the journal is %+v", j)
				}
				if ops == 0 {
					ops = len(j.Commit)
					for n, op := range j.Commit {
						t.Logf("commit operation %d: %s", n+1, op)
					}
				}
				snap := r.snapshot(false)
				if out, err := r.cairn(nil, "gc", "--keep", "1", "--no-store"); err == nil || !strings.Contains(out, "was interrupted") {
					t.Fatalf("gc with an interrupted switch pending: %v\n%s", err, out)
				}
				if after := r.snapshot(false); after != snap {
					t.Fatalf("a refused gc changed the root:\n%s", diffLines(after, snap))
				}
				switch {
				case i == 1 && snap != refOld:
					t.Fatalf("killed before the first rename, the root is not exactly the old generation:\n%s", diffLines(snap, refOld))
				case i > 1 && (snap == refOld || snap == refNew):
					t.Fatalf("killed before commit operation %d, the root is already one generation", i)
				}
				r.recoverAndCheck(then, true, snap, refOld, refNew, refRolled)
			})
		}
		if t.Failed() {
			break
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
