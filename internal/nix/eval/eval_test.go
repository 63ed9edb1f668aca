package eval_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/dry"
)

// evalString evaluates src strictly and returns the printed value or the
// formatted error.
func evalString(t testing.TB, src string) (string, bool) {
	ev := eval.New(context.Background(), eval.Options{Store: dry.New("/nix/store"), Dir: "/"})
	v, err := ev.EvalString(src, "/")
	if err == nil {
		err = ev.ForceDeep(v)
	}
	if err != nil {
		if e, ok := err.(*eval.Error); ok {
			return e.Format(ev.FileSet(), false), false
		}
		return "error: " + err.Error() + "\n", false
	}
	return ev.Print(v) + "\n", true
}

// TestGolden evaluates every testdata/golden/*.txtar: the file's
// "input.nix" section, compared with its "out" (a value) or "err" (an
// error message) section. CAIRN_UPDATE=1 rewrites the expectations.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	update := os.Getenv("CAIRN_UPDATE") == "1"
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var input string
			for _, f := range ar.Files {
				if f.Name == "input.nix" {
					input = string(f.Data)
				}
			}
			got, ok := evalString(t, input)
			section := "out"
			if !ok {
				section = "err"
			}
			var want string
			found := false
			for _, f := range ar.Files {
				if f.Name == section {
					want, found = string(f.Data), true
				}
			}
			if update {
				var files []txtar.File
				for _, f := range ar.Files {
					if f.Name != "out" && f.Name != "err" {
						files = append(files, f)
					}
				}
				ar.Files = append(files, txtar.File{Name: section, Data: []byte(got)})
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !found {
				t.Fatalf("evaluation gave %s section:\n%s", section, got)
			}
			if got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// FuzzEval evaluates arbitrary text: it may fail, but never panic or hang.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"1 + 2", "let x = x; in x", "rec { a = b; b = a; }.a", "let f = x: f x; in f 1",
		"builtins.genList (x: x * x) 10", `"${toString 1}"`, "{ a.b = 1; a.c = 2; }",
		"with builtins; foldl' (a: b: a + b) 0 (genList (x: x) 100)",
		"let x = [ x ]; in x", "builtins.tryEval (throw \"x\")", "9223372036854775807 + 1",
		"builtins.sort (a: b: a < b) [ 3 1 2 ]", "builtins.toJSON { a = [ 1 2.5 null ]; }",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if strings.Contains(src, "import") || strings.Contains(src, "readFile") || strings.Contains(src, "readDir") || strings.Contains(src, "<") {
			return // keep the fuzzer off the file system
		}
		ev := eval.New(ctx, eval.Options{Store: dry.New("/nix/store"), Dir: "/"})
		v, err := ev.EvalString(src, "/")
		if err == nil {
			_ = ev.ForceDeep(v)
		}
	})
}

// TestSelectAttrPathNilArgs: no automatic arguments behave as none given.
func TestSelectAttrPathNilArgs(t *testing.T) {
	ev := eval.New(context.Background(), eval.Options{Store: dry.New("/nix/store"), Dir: "/"})
	v, err := ev.EvalString("{ a ? 1 }: { b = a + 1; }", "/")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ev.SelectAttrPath(v, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Print(got) != "2" {
		t.Errorf("got %s, want 2", ev.Print(got))
	}
}

// TestNestedMounts: a path under two mounts is read from the inner one.
func TestNestedMounts(t *testing.T) {
	outer := fstest.MapFS{"a.nix": {Data: []byte("1")}, "in/a.nix": {Data: []byte("2")}}
	inner := fstest.MapFS{"a.nix": {Data: []byte("3")}}
	for i := 0; i < 20; i++ { // map order must not matter
		ev := eval.New(context.Background(), eval.Options{Store: dry.New("/nix/store"), Dir: "/",
			Mounts: map[string]fs.FS{"/m": outer, "/m/in": inner}})
		v, err := ev.EvalString("[ (import /m/a.nix) (import /m/in/a.nix) ]", "/")
		if err == nil {
			err = ev.ForceDeep(v)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.Print(v); got != "[ 1 3 ]" {
			t.Fatalf("got %s, want [ 1 3 ]", got)
		}
	}
}
