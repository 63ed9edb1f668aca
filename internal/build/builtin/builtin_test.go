package builtin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// tree lists every entry below root as "path kind detail", sorted: files
// with their mode and text, links with their targets.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out = append(out, rel+" -> "+target)
		case fi.IsDir():
			out = append(out, rel+"/")
		default:
			data, _ := os.ReadFile(p)
			out = append(out, rel+" "+fi.Mode().Perm().String()+" "+string(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// store is a store directory on the host with the given files, each
// "NAME/REL=TEXT" (REL empty: the path is a file).
func store(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		name, text, _ := strings.Cut(f, "=")
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, real string, entries []Entry, inputs ...string) (string, error) {
	t.Helper()
	data, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	err = Run(t.Context(), &Request{
		Builder:      Files,
		Env:          map[string]string{"entries": string(data)},
		Outputs:      map[string]string{"out": "/nix/store/aaaa-out"},
		StoreDir:     "/nix/store",
		RealStoreDir: real,
		OutDir:       out,
		Inputs:       inputs,
	})
	return filepath.Join(out, "aaaa-out"), err
}

func check(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSingleFile(t *testing.T) {
	out, err := run(t, t.TempDir(), []Entry{{Type: "file", Text: "#!/bin/sh\necho hi\n", Executable: true}})
	if err != nil {
		t.Fatal(err)
	}
	check(t, tree(t, out), ". -r-xr-xr-x #!/bin/sh\necho hi\n")
}

func TestFolderOfEntries(t *testing.T) {
	out, err := run(t, t.TempDir(), []Entry{
		{Type: "file", Path: "generation.json", Text: "{}\n"},
		{Type: "directory", Path: "units"},
		{Type: "symlink", Path: "etc/nginx/nginx.conf", Target: "/nix/store/bbbb-conf"},
		{Type: "file", Path: "bin/hello", Text: "x", Executable: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	check(t, tree(t, out),
		"./",
		"bin/",
		"bin/hello -r-xr-xr-x x",
		"etc/",
		"etc/nginx/",
		"etc/nginx/nginx.conf -> /nix/store/bbbb-conf",
		"generation.json -r--r--r-- {}\n",
		"units/",
	)
}

func TestUnion(t *testing.T) {
	real := store(t,
		"aaaa-a/bin/a=A", "aaaa-a/share/doc/a=docA",
		"bbbb-b/bin/b=B", "bbbb-b/share/doc/b=docB", "bbbb-b/lib/x=X",
	)
	out, err := run(t, real, []Entry{{
		Type: "union", Sources: []string{"/nix/store/aaaa-a", "/nix/store/bbbb-b"},
		PathsToLink: []string{"/bin", "/share"}, Collisions: "error",
	}}, "/nix/store/aaaa-a", "/nix/store/bbbb-b")
	if err != nil {
		t.Fatal(err)
	}
	check(t, tree(t, out),
		"./",
		"bin/",
		"bin/a -> /nix/store/aaaa-a/bin/a",
		"bin/b -> /nix/store/bbbb-b/bin/b",
		"share/",
		"share/doc/",
		"share/doc/a -> /nix/store/aaaa-a/share/doc/a",
		"share/doc/b -> /nix/store/bbbb-b/share/doc/b",
	)
}

// TestUnionLinkFolders: with linkFolders, a folder one source provides is
// a link to it; folders several provide are folders of links; a file
// where another source has a folder collides as before.
func TestUnionLinkFolders(t *testing.T) {
	real := store(t,
		"aaaa-a/bin/a=A", "aaaa-a/share/doc/a=docA",
		"bbbb-b/bin/b=B", "bbbb-b/lib/x=X", "bbbb-b/share/man/b=manB",
	)
	sources := []string{"/nix/store/aaaa-a", "/nix/store/bbbb-b"}
	out, err := run(t, real, []Entry{{Type: "union", Sources: sources, Collisions: "error", LinkFolders: true}}, sources...)
	if err != nil {
		t.Fatal(err)
	}
	check(t, tree(t, out),
		"./",
		"bin/",
		"bin/a -> /nix/store/aaaa-a/bin/a",
		"bin/b -> /nix/store/bbbb-b/bin/b",
		"lib -> /nix/store/bbbb-b/lib",
		"share/",
		"share/doc -> /nix/store/aaaa-a/share/doc",
		"share/man -> /nix/store/bbbb-b/share/man",
	)
	real = store(t, "aaaa-a/lib=a file", "bbbb-b/lib/x=X")
	_, err = run(t, real, []Entry{{Type: "union", Sources: sources, Collisions: "error", LinkFolders: true}}, sources...)
	if err == nil || !strings.Contains(err.Error(), "collision at lib: /nix/store/aaaa-a/lib and /nix/store/bbbb-b/lib") {
		t.Errorf("error %v, want a collision at lib", err)
	}
}

func TestUnionCollisions(t *testing.T) {
	real := store(t, "aaaa-a/bin/x=A", "bbbb-b/bin/x=B")
	sources := []string{"/nix/store/aaaa-a", "/nix/store/bbbb-b"}
	_, err := run(t, real, []Entry{{Type: "union", Sources: sources, Collisions: "error"}})
	if err == nil || !strings.Contains(err.Error(), "collision at bin/x: /nix/store/aaaa-a/bin/x and /nix/store/bbbb-b/bin/x") {
		t.Errorf("error = %v, want a collision at bin/x", err)
	}
	out, err := run(t, real, []Entry{{Type: "union", Sources: sources, Collisions: "first"}})
	if err != nil {
		t.Fatal(err)
	}
	check(t, tree(t, out), "./", "bin/", "bin/x -> /nix/store/aaaa-a/bin/x")
	// The same package twice is no collision.
	if _, err := run(t, real, []Entry{{Type: "union", Sources: []string{sources[0], sources[0]}, Collisions: "error"}}); err != nil {
		t.Errorf("same source twice: %v", err)
	}
}

func TestUnionErrors(t *testing.T) {
	real := store(t, "aaaa-a=just a file", "bbbb-b/bin/b=B")
	for _, c := range []struct {
		src, want string
		inputs    []string
	}{
		{"/nix/store/aaaa-a", "source /nix/store/aaaa-a is not a folder", nil},
		{"/tmp/x", `source "/tmp/x" is not in /nix/store`, nil},
		{"/nix/store/bbbb-b", "source /nix/store/bbbb-b is not an input", []string{"/nix/store/aaaa-a"}},
		{"/nix/store/cccc-c", "no such file", nil},
	} {
		_, err := run(t, real, []Entry{{Type: "union", Sources: []string{c.src}, Collisions: "error"}}, c.inputs...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("union of %s: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestBadRequests(t *testing.T) {
	for _, c := range []struct {
		entries, want string
	}{
		{`[{"type":"file","path":"../x"}]`, `path "../x" is not a clean relative path`},
		{`[{"type":"file","path":"/x"}]`, `path "/x" is not a clean relative path`},
		{`[{"type":"file","path":"a//b"}]`, `not a clean relative path`},
		{`[{"type":"pipe","path":"x"}]`, `unknown type "pipe"`},
		{`[{"type":"symlink","path":"x"}]`, `a symlink needs a target`},
		{`[{"type":"union","path":"","collisions":"maybe"}]`, `collisions must be`},
		{`[{"type":"file","path":""},{"type":"file","path":"x"}]`, `must be the only entry`},
		{`[{"type":"file","path":"x","mode":"0644"}]`, `unknown field "mode"`},
		{`[]`, `no entries`},
		{`[{"type":"symlink","path":"a","target":"/tmp"},{"type":"file","path":"a/x"}]`, `a is a symbolic link`},
		{`[{"type":"symlink","path":"a","target":"/tmp"},{"type":"union","path":"a","collisions":"first"}]`, `a is a symbolic link`},
		{`[{"type":"symlink","path":"a","target":"/tmp"},{"type":"file","path":"a/x"}]`, `a is a symbolic link`},
		{`[{"type":"file","path":"x"},{"type":"file","path":"x"}]`, `file exists`},
		{`[{"type":"file","path":"x"},{"type":"file","path":"x/y"}]`, `not a directory`},
	} {
		err := Run(t.Context(), &Request{
			Builder: Files, Env: map[string]string{"entries": c.entries},
			Outputs: map[string]string{"out": "/nix/store/aaaa-out"}, StoreDir: "/nix/store",
			RealStoreDir: t.TempDir(), OutDir: t.TempDir(),
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.entries, err, c.want)
		}
	}
	err := Run(t.Context(), &Request{Builder: "builtin:fetchurl"})
	if err == nil || !strings.Contains(err.Error(), `unknown builtin builder "builtin:fetchurl"`) {
		t.Errorf("builtin:fetchurl: %v", err)
	}
}

// FuzzParseEntries checks that any `entries` value decodes or fails
// without a panic, and that accepted entries build or fail cleanly.
func FuzzParseEntries(f *testing.F) {
	f.Add(`[{"type":"file","path":"","text":"hi","executable":true}]`)
	f.Add(`[{"type":"directory","path":"etc"},{"type":"symlink","path":"etc/x","target":"/nix/store/a"}]`)
	f.Add(`[{"type":"union","path":"","sources":["/nix/store/a"],"pathsToLink":["/bin"],"collisions":"first"}]`)
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := ParseEntries([]byte(s))
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.Path != "" && (strings.HasPrefix(e.Path, "/") || strings.Contains("/"+e.Path+"/", "/../")) {
				t.Fatalf("accepted a path outside the output: %q", e.Path)
			}
		}
		out := t.TempDir()
		_ = Run(t.Context(), &Request{
			Builder: Files, Env: map[string]string{"entries": s},
			Outputs: map[string]string{"out": "/nix/store/aaaa-out"}, StoreDir: "/nix/store",
			RealStoreDir: t.TempDir(), OutDir: out, Inputs: []string{},
		})
	})
}
