package system

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// newRoot makes a root with toplevels /nix/store/tN for n in 1..count.
func newRoot(t *testing.T, count int) (Root, *Profiles) {
	dir := t.TempDir()
	for i := 1; i <= count; i++ {
		top := filepath.Join(dir, "nix/store", fmt.Sprintf("t%d", i))
		os.MkdirAll(top, 0o755)
		os.WriteFile(filepath.Join(top, "generation.json"), []byte(fmt.Sprintf(`{"version": 1, "configurationRevision": {"rev": "%040d", "dirty": %v}}`, i, i%2 == 0)), 0o644)
	}
	r := Root(dir)
	return r, &Profiles{Root: r}
}

// TestGC makes five generations a day apart and collects them: --keep and
// --older-than select, the current and the booted generation stay, and
// the store's hook runs.
func TestGC(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		opts    GCOptions
		deleted []int
	}{
		{"keep 2", GCOptions{Keep: 2}, []int{3}},
		{"older than 2d", GCOptions{OlderThan: 48 * time.Hour}, []int{3, 4}},
		{"older than 3d", GCOptions{OlderThan: 72 * time.Hour}, []int{3}},
		{"keep 1 older than 1h", GCOptions{Keep: 1, OlderThan: time.Hour}, []int{3, 4}},
		{"nothing selected", GCOptions{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, p := newRoot(t, 5)
			for i := 1; i <= 5; i++ {
				now := start.Add(time.Duration(i) * 24 * time.Hour)
				p.Now = func() time.Time { return now }
				n, err := p.Add(ctx, fmt.Sprintf("/nix/store/t%d", i))
				if err != nil || n != i {
					t.Fatalf("Add: %d, %v", n, err)
				}
			}
			// 1 is booted, 2 is what runs (test), 5 is the profile's current.
			if _, err := p.SetCurrentSystem("/nix/store/t1"); err != nil {
				t.Fatal(err)
			}
			p.SetCurrentSystem("/nix/store/t2")
			p.SetCurrent(5)
			hook := false
			tc.opts.Now = func() time.Time { return start.Add(6 * 24 * time.Hour) }
			tc.opts.StoreGC = func(context.Context) error { hook = true; return nil }
			got, err := p.GC(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.deleted) {
				t.Errorf("deleted %v, want %v", got, tc.deleted)
			}
			if !hook {
				t.Error("the store GC hook did not run")
			}
			ns, _ := p.Numbers()
			ents, _ := os.ReadDir(r.Host(EntriesDir))
			if len(ents) != len(ns) {
				t.Errorf("%d boot entries for generations %v", len(ents), ns)
			}
		})
	}
}

// TestAddAndBootEntries: Add reuses the newest generation when it already
// is the toplevel, links are relative/absolute as Nix writes them, and the
// boot entry names the generation, date and revision.
func TestAddAndBootEntries(t *testing.T) {
	ctx := context.Background()
	r, p := newRoot(t, 2)
	p.Now = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }
	for _, c := range []struct {
		top  string
		want int
	}{{"/nix/store/t1", 1}, {"/nix/store/t1", 1}, {"/nix/store/t2", 2}, {"/nix/store/t1", 3}} {
		n, err := p.Add(ctx, c.top)
		if err != nil || n != c.want {
			t.Fatalf("Add(%s) = %d, %v; want %d", c.top, n, err, c.want)
		}
		p.SetCurrent(n)
	}
	if l, _ := os.Readlink(r.Host(ProfilesDir + "/system")); l != "system-3-link" {
		t.Errorf("profile link %q", l)
	}
	if l, _ := os.Readlink(r.Host(GCRootsDir + "/profiles")); l != ProfilesDir {
		t.Errorf("GC root %q", l)
	}
	if err := p.WriteBootEntries(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(r.Host(EntriesDir + "/cairn-generation-2.conf"))
	want := "title cairn (Generation 2, 2026-03-04, 000000000000-dirty)\nversion Generation 2\nsort-key cairn\noptions init=/nix/var/nix/profiles/system-2-link/init\n"
	if string(data) != want {
		t.Errorf("boot entry:\n%s\nwant:\n%s", data, want)
	}
	conf, _ := os.ReadFile(r.Host(LoaderConf))
	if string(conf) != "default cairn-generation-3.conf\n" {
		t.Errorf("loader.conf: %q", conf)
	}
}

// TestConfigRevision: no repository gives nil; a clean and a dirty tree
// give the commit with the right flag (with the real git when present).
func TestConfigRevision(t *testing.T) {
	ctx := context.Background()
	fake := func(status string, fail bool) Runner {
		return func(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
			if fail {
				return nil, errors.New("fatal: not a git repository")
			}
			if args[0] == "rev-parse" {
				return []byte("0123456789abcdef0123456789abcdef01234567\n"), nil
			}
			return []byte(status), nil
		}
	}
	if rev, err := ConfigRevision(ctx, fake("", true), "/x"); rev != nil || err != nil {
		t.Errorf("no repository: %v, %v", rev, err)
	}
	if rev, _ := ConfigRevision(ctx, fake("", false), "/x"); rev == nil || rev.Dirty || rev.String() != "0123456789ab" {
		t.Errorf("clean: %+v", rev)
	}
	if rev, _ := ConfigRevision(ctx, fake(" M configuration.nix\n", false), "/x"); rev == nil || !rev.Dirty {
		t.Errorf("dirty: %+v", rev)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return
	}
	dir := t.TempDir()
	if rev, err := ConfigRevision(ctx, ExecRunner, dir); rev != nil || err != nil {
		t.Errorf("empty folder: %v, %v", rev, err)
	}
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	os.WriteFile(filepath.Join(dir, "configuration.nix"), []byte("{ }\n"), 0o644)
	git("add", ".")
	git("commit", "-q", "-m", "x")
	rev, err := ConfigRevision(ctx, ExecRunner, dir)
	if err != nil || rev == nil || rev.Dirty || len(rev.Rev) != 40 {
		t.Fatalf("clean repository: %+v, %v", rev, err)
	}
	os.WriteFile(filepath.Join(dir, "configuration.nix"), []byte("{ x = 1; }\n"), 0o644)
	if rev, _ := ConfigRevision(ctx, ExecRunner, dir); rev == nil || !rev.Dirty {
		t.Errorf("dirty repository: %+v", rev)
	}
}

func TestParseGenerationErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"version": 2}`, "unsupported version 2"},
		{`{"version": 1, "etc": [{"target": "../x", "source": "/nix/store/a"}]}`, `etc[0]: bad target "../x"`},
		{`{"version": 1, "etc": [{"target": "a", "source": "/nix/store/a", "mode": "999"}]}`, `etc[0] (a): bad mode "999"`},
		{`{"version": 1, "users": [{"name": "x"}]}`, `users[0] (x): no group`},
		{`{"version": 1, "wantedUnits": ["a.service"]}`, `wantedUnits: "a.service" is not in units`},
		{`{"version": 1,` + "\n" + ` "hostName": 3}`, `2:15: json: cannot unmarshal number`},
		{`{"version": 1, "bogus": 1}`, `unknown field "bogus"`},
		{`{"version": 1, "activationScripts": [{"name": "a", "deps": ["b"]}]}`, `unknown dependency "b"`},
	} {
		_, err := ParseGeneration([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzParseGeneration(f *testing.F) {
	f.Add([]byte(`{"version": 1, "etc": [{"target": "a/b", "source": "/nix/store/x", "mode": "0644"}], "users": [{"name": "a", "group": "a"}]}`))
	f.Add([]byte(`{"version": 1, "units": [{"name": "a.service"}], "wantedUnits": ["a.service"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGeneration(data)
		if err == nil && g.Version != FormatVersion {
			t.Errorf("accepted version %d", g.Version)
		}
	})
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "-1d", "soon"} {
		if _, err := ParseAge(in); err == nil {
			t.Errorf("ParseAge(%q) accepted", in)
		}
	}
}

// TestEntries: a change that makes a generation lists, in order, its
// link (dated), its boot entry, the profile and loader.conf, and nothing
// the root already holds; dropping a generation removes its link and
// boot entry. Put applies them.
func TestEntries(t *testing.T) {
	ctx := context.Background()
	r, p := newRoot(t, 3)
	for i := 1; i <= 2; i++ {
		n, _ := p.Add(ctx, fmt.Sprintf("/nix/store/t%d", i))
		p.SetCurrent(n)
	}
	if err := p.WriteBootEntries(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	put, remove, err := p.Entries(ProfileChange{To: 3, Toplevel: "/nix/store/t3", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range put {
		got = append(got, e.Path+" -> "+e.Link)
	}
	want := []string{
		ProfilesDir + "/system-3-link -> /nix/store/t3",
		EntriesDir + "/cairn-generation-3.conf -> ",
		ProfilesDir + "/system -> system-3-link",
		LoaderConf + " -> ",
	}
	if !reflect.DeepEqual(got, want) || len(remove) != 0 {
		t.Fatalf("put %q, remove %q; want put %q", got, remove, want)
	}
	if !strings.HasPrefix(string(put[1].Data), "title cairn (Generation 3, 2026-05-06, 000000000000)\n") || string(put[3].Data) != "default cairn-generation-3.conf\n" {
		t.Errorf("entry %q, loader.conf %q", put[1].Data, put[3].Data)
	}
	if err := p.Put(put, remove); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(p.LinkPath(3)); err != nil || !fi.ModTime().Equal(now) {
		t.Errorf("generation 3's link: %v, %v; want dated %v", fi, err, now)
	}
	if put, remove, _ := p.Entries(ProfileChange{To: 3, Toplevel: "/nix/store/t3", Now: now}); len(put) != 0 || len(remove) != 0 {
		t.Errorf("the same change again: put %v, remove %q", put, remove)
	}
	put, remove, err = p.Entries(ProfileChange{To: 2, Drop: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Put(put, remove); err != nil {
		t.Fatal(err)
	}
	ns, _ := p.Numbers()
	ents, _ := os.ReadDir(r.Host(EntriesDir))
	conf, _ := os.ReadFile(r.Host(LoaderConf))
	if !reflect.DeepEqual(ns, []int{1, 2}) || len(ents) != 2 || string(conf) != "default cairn-generation-2.conf\n" {
		t.Errorf("after dropping 3: generations %v, %d boot entries, loader.conf %q", ns, len(ents), conf)
	}
}
