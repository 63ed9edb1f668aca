package activate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var commitOldGen = []byte(`{"version": 1,
 "etc": [{"target": "motd", "source": "/nix/store/a", "mode": "symlink"},
         {"target": "gone/deep", "source": "/nix/store/a", "mode": "symlink"},
         {"target": "app.conf", "source": "/nix/store/a", "mode": "0640"}],
 "users": [{"name": "root", "uid": 0, "group": "root"}, {"name": "carol", "isSystemUser": true, "group": "root"}],
 "groups": [{"name": "root", "gid": 0}]}`)

var commitNewGen = []byte(`{"version": 1,
 "etc": [{"target": "motd", "source": "/nix/store/b", "mode": "symlink"},
         {"target": "new/deep/file", "source": "/nix/store/b", "mode": "symlink"},
         {"target": "app.conf", "source": "/nix/store/b", "mode": "0600"}],
 "users": [{"name": "root", "uid": 0, "group": "root"}, {"name": "bob", "isNormalUser": true, "group": "users"}],
 "groups": [{"name": "root", "gid": 0}, {"name": "users", "gid": 100}]}`)

// stagedSwitch makes a root in the old generation and stages the switch
// to the new one; it returns the root, the root's snapshot before
// staging and the commit's operations.
func stagedSwitch(t *testing.T) (*testSystem, string, []CommitOp) {
	ctx := context.Background()
	s := newTestSystem(t)
	s.write("/nix/store/a", []byte("a\n"))
	s.write("/nix/store/b", []byte("b\n"))
	if _, err := s.switchTo(ctx, s.toplevel("old", commitOldGen, nil)); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s.dir, false)
	r, err := s.a.RequestFor(ctx, Switch, s.toplevel("new", commitNewGen, nil))
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.a.Plan(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := s.a.stage(p)
	if err != nil {
		t.Fatal(err)
	}
	return s, before, ops
}

// TestCommitResumes interrupts a commit after each of its operations in
// turn (by running only the first k) and settles the journal: the root is
// then exactly as after an uninterrupted commit. Settling a journal still
// in the prepare phase leaves the root exactly as it was before staging.
func TestCommitResumes(t *testing.T) {
	ref, before, ops := stagedSwitch(t)
	if len(ops) < 10 {
		t.Fatalf("only %d commit operations: %v", len(ops), ops)
	}
	if snap := snapshot(t, ref.dir, false); snap == before {
		t.Fatal("staging is not visible in the snapshot: the test cannot tell")
	}
	j := &Journal{Action: Switch, Phase: PhasePrepare}
	if err := ref.a.commit(j, ops); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(ref.dir, JournalFile))
	want := snapshot(t, ref.dir, false)
	if want == before {
		t.Fatal("the commit changed nothing")
	}
	for k := 0; k <= len(ops); k++ {
		s, _, ops := stagedSwitch(t)
		if err := replay(s.a.Root, ops[:k], nil); err != nil {
			t.Fatal(err)
		}
		j := &Journal{Action: Switch, Phase: PhaseCommit, Commit: ops}
		if committed, err := s.a.Settle(j); err != nil || !committed {
			t.Fatalf("settling after %d operations: %v, %v", k, committed, err)
		}
		os.Remove(filepath.Join(s.dir, JournalFile))
		if got := snapshot(t, s.dir, false); got != want {
			t.Errorf("interrupted after %d of %d operations, settling leaves:\n%s\nwant:\n%s", k, len(ops), got, want)
		}
	}
	s, before, _ := stagedSwitch(t)
	if committed, err := s.a.Settle(&Journal{Action: Switch, Phase: PhasePrepare}); err != nil || committed {
		t.Fatalf("settling a prepared switch: %v, %v", committed, err)
	}
	if got := withoutIDMaps(snapshot(t, s.dir, false)); got != withoutIDMaps(before) {
		t.Errorf("settling a prepared switch leaves:\n%s\nwant:\n%s", got, before)
	}
}

// withoutIDMaps drops the id maps from a snapshot: staging writes them in
// place (an id once handed out stays allocated).
func withoutIDMaps(snap string) string {
	var b strings.Builder
	skip := false
	for _, l := range strings.SplitAfter(snap, "\n") {
		if !strings.HasPrefix(l, "  | ") {
			skip = strings.HasPrefix(l, uidMapFile+" ") || strings.HasPrefix(l, gidMapFile+" ")
		}
		if !skip {
			b.WriteString(l)
		}
	}
	return b.String()
}
