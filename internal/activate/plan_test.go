package activate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"cairn.dev/cairn/internal/system"
	"golang.org/x/tools/txtar"
)

// Each testdata/plan/*.txtar holds:
//
//	old.json, new.json      generation.json of the old and the new toplevel
//	                        (old.json may be absent: a first switch)
//	old/units/N, new/units/N unit files of the toplevels
//	store/NAME              a file at ROOT/nix/store/NAME (etc sources)
//	state/PATH              a file put at ROOT/PATH after the old generation
//	                        is active (foreign files, hand-edited accounts)
//	stopped                 units to mark inactive after the old generation
//	plan                    the plan of old -> new, as dry-activate prints it
//	after                   the manager's calls and the root after Apply
//
// CAIRN_UPDATE=1 rewrites plan and after.
func TestPlanGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/plan/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := runPlanCase(t, ar)
			changed := false
			for i := range ar.Files {
				if out, ok := got[ar.Files[i].Name]; ok {
					if string(ar.Files[i].Data) != out {
						if os.Getenv("CAIRN_UPDATE") == "1" {
							ar.Files[i].Data = []byte(out)
							changed = true
						} else {
							t.Errorf("%s: %s differs:\n--- got\n%s--- want\n%s", file, ar.Files[i].Name, out, ar.Files[i].Data)
						}
					}
					delete(got, ar.Files[i].Name)
				}
			}
			for _, name := range []string{"plan", "after"} {
				if out, ok := got[name]; ok {
					if os.Getenv("CAIRN_UPDATE") == "1" {
						ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(out)})
						changed = true
					} else {
						t.Errorf("%s: no %s section; got:\n%s", file, name, out)
					}
				}
			}
			if changed {
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// testSystem is a root with toplevels for tests.
type testSystem struct {
	t   *testing.T
	dir string
	a   *Activator
	m   *fakeManager
	log bytes.Buffer
}

func newTestSystem(t *testing.T) *testSystem {
	s := &testSystem{t: t, dir: t.TempDir(), m: newFakeManager()}
	r := system.Root(s.dir)
	s.a = &Activator{Root: r, Profiles: &system.Profiles{Root: r}, Manager: s.m, Log: &s.log}
	s.a.RunScript = func(ctx context.Context, script string, env []string) error {
		s.m.calls = append(s.m.calls, "(activation script "+script+")")
		if strings.Contains(script, "fail") {
			return errors.New("exit status 1")
		}
		return nil
	}
	return s
}

// write puts a file at the in-root path p.
func (s *testSystem) write(p string, data []byte) {
	host := filepath.Join(s.dir, p)
	if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(host, data, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// toplevel makes the toplevel /nix/store/NAME-system from a
// generation.json and unit files; its etc/ links to the etc sources.
func (s *testSystem) toplevel(name string, genJSON []byte, units map[string][]byte) string {
	p := "/nix/store/" + name + "-system"
	s.write(p+"/generation.json", genJSON)
	s.write(p+"/cairn-version", []byte("test\n"))
	for n, data := range units {
		s.write(p+"/units/"+n, data)
	}
	g, err := system.ParseGeneration(genJSON)
	if err != nil {
		s.t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(s.dir, p, "etc"), 0o755)
	for _, e := range g.Etc {
		link := filepath.Join(s.dir, p, "etc", e.Target)
		os.MkdirAll(filepath.Dir(link), 0o755)
		if err := os.Symlink(e.Source, link); err != nil {
			s.t.Fatal(err)
		}
	}
	return p
}

// switchTo plans and applies a switch to the toplevel at p.
func (s *testSystem) switchTo(ctx context.Context, p string) (*Plan, error) {
	r, err := s.a.RequestFor(ctx, Switch, p)
	if err != nil {
		return nil, err
	}
	plan, err := s.a.Plan(ctx, r)
	if err != nil {
		return nil, err
	}
	return plan, s.a.Apply(ctx, plan)
}

func runPlanCase(t *testing.T, ar *txtar.Archive) map[string]string {
	ctx := context.Background()
	s := newTestSystem(t)
	sections := map[string][]byte{}
	units := map[string]map[string][]byte{"old": {}, "new": {}}
	for _, f := range ar.Files {
		sections[f.Name] = f.Data
		switch {
		case strings.HasPrefix(f.Name, "store/"):
			s.write("/nix/store/"+strings.TrimPrefix(f.Name, "store/"), f.Data)
		case strings.HasPrefix(f.Name, "old/units/"), strings.HasPrefix(f.Name, "new/units/"):
			which, name, _ := strings.Cut(f.Name, "/units/")
			units[which][name] = f.Data
		}
	}
	if old, ok := sections["old.json"]; ok {
		if _, err := s.switchTo(ctx, s.toplevel("old", old, units["old"])); err != nil {
			t.Fatalf("switching to old: %v", err)
		}
	}
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "state/") {
			s.write("/"+strings.TrimPrefix(f.Name, "state/"), f.Data)
		}
	}
	for _, n := range strings.Fields(string(sections["stopped"])) {
		s.m.active[n] = false
	}
	s.m.calls = nil
	newTop := s.toplevel("new", sections["new.json"], units["new"])
	r, err := s.a.RequestFor(ctx, Switch, newTop)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.a.Plan(ctx, r)
	if err != nil {
		return map[string]string{"plan": "error: " + err.Error() + "\n"}
	}
	var pb bytes.Buffer
	plan.Print(&pb)
	out := map[string]string{"plan": pb.String()}
	var ab bytes.Buffer
	if err := s.a.Apply(ctx, plan); err != nil {
		fmt.Fprintf(&ab, "error: %v\n", err)
	}
	for _, c := range s.m.calls {
		fmt.Fprintf(&ab, "manager: %s\n", c)
	}
	fmt.Fprintf(&ab, "active units: %s\n", strings.Join(s.m.activeList(), " "))
	ab.WriteString(snapshot(t, s.dir, false))
	out["after"] = ab.String()
	return out
}

// snapshot lists the state a switch manages: every link, file (with mode,
// owner and content) and folder under the root outside the store, the
// logs and the lock. With dates false, boot entries' dates are masked.
func snapshot(t *testing.T, root string, dates bool) string {
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch rel {
		case "nix/store", "var/log", "run/cairn", "home", "var/lib/nginx":
			return filepath.SkipDir
		case ".":
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
			fmt.Fprintf(&b, "/%s -> %s\n", rel, target)
		case fi.IsDir():
			fmt.Fprintf(&b, "/%s/ %04o %d:%d\n", rel, uint32(fi.Mode().Perm()), st.Uid, st.Gid)
		default:
			data, _ := os.ReadFile(p)
			content := string(data)
			if !dates && strings.HasPrefix(rel, "boot/loader/entries/") {
				content = maskDate(content)
			}
			fmt.Fprintf(&b, "/%s %04o %d:%d\n", rel, uint32(fi.Mode().Perm()), st.Uid, st.Gid)
			for _, l := range strings.Split(strings.TrimRight(content, "\n"), "\n") {
				fmt.Fprintf(&b, "  | %s\n", l)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var datePattern = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}`)

func maskDate(s string) string { return datePattern.ReplaceAllString(s, "DATE") }
