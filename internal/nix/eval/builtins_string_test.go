package eval_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/oracle"
	"cairn.dev/cairn/internal/store/dry"
)

// builtinCase is one case of testdata/builtins/*.txtar: an expression,
// the nix-instantiate flags to evaluate it with and what Nix 2.8 printed.
type builtinCase struct {
	name  string
	src   string
	flags []string
	want  string
	found bool // the file has a NAME.out section
	// errPrefix, when set (a NAME.errprefix section), limits the
	// comparison of an error line to this prefix: for messages Nix takes
	// from a library (toml11) whose wording cairn does not copy.
	errPrefix string
	// known, when set (a NAME.known section), says why cairn differs
	// from Nix today: the mismatch is logged instead of failing.
	known string
}

func readBuiltinCases(t *testing.T, file string) (*txtar.Archive, []*builtinCase) {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*builtinCase{}
	var cases []*builtinCase
	for _, f := range ar.Files {
		ext := filepath.Ext(f.Name)
		name := strings.TrimSuffix(f.Name, ext)
		c := byName[name]
		if c == nil {
			c = &builtinCase{name: name, flags: []string{"--strict"}}
			byName[name] = c
			cases = append(cases, c)
		}
		data := strings.TrimSuffix(string(f.Data), "\n")
		switch ext {
		case ".nix":
			c.src = data
		case ".flags":
			c.flags = strings.Fields(data)
		case ".out":
			c.want, c.found = string(f.Data), true
		case ".errprefix":
			c.errPrefix = data
		case ".known":
			c.known = data
		default:
			t.Fatalf("%s: unknown section %s", file, f.Name)
		}
	}
	return ar, cases
}

// nixOutput renders a nix-instantiate result as the .out sections hold
// it: stdout, then on failure the first "error:" line of stderr.
func nixOutput(stdout string, errLine string) string {
	out := stdout
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if errLine != "" {
		out += errLine + "\n"
	}
	return out
}

// sameOutput compares outputs, error lines up to c.errPrefix if set.
func sameOutput(c *builtinCase, got, want string) bool {
	if got == want {
		return true
	}
	if c.errPrefix == "" {
		return false
	}
	return strings.HasPrefix(got, c.errPrefix) && strings.HasPrefix(want, c.errPrefix)
}

func firstErrorLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "error:") {
			return l
		}
	}
	return strings.SplitN(stderr, "\n", 2)[0]
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

// cairnOutput evaluates a case as `cairn eval` would with its flags.
func cairnOutput(t *testing.T, dir string, c *builtinCase) string {
	ev := eval.New(context.Background(), eval.Options{Store: dry.New("/nix/store"), Dir: dir})
	errLine := func(err error) string {
		if e, ok := err.(*eval.Error); ok {
			return strings.SplitN(e.Format(ev.FileSet(), false), "\n", 2)[0]
		}
		return "error: " + strings.SplitN(err.Error(), "\n", 2)[0]
	}
	v, err := ev.EvalString(c.src, dir)
	if err == nil {
		v, err = ev.Force(v)
	}
	if err != nil {
		return nixOutput("", errLine(err))
	}
	strict := hasFlag(c.flags, "--strict")
	switch {
	case hasFlag(c.flags, "--xml"):
		if strict {
			if err := ev.ForceDeep(v); err != nil {
				return nixOutput("", errLine(err))
			}
		}
		s, err := ev.PrintXML(v, !hasFlag(c.flags, "--no-location"))
		if err != nil {
			return nixOutput(s, errLine(err))
		}
		return nixOutput(s, "")
	case hasFlag(c.flags, "--json"):
		if strict {
			if err := ev.ForceDeep(v); err != nil {
				return nixOutput("", errLine(err))
			}
		}
		s, err := ev.PrintJSON(v)
		if err != nil {
			return nixOutput(s, errLine(err))
		}
		return nixOutput(s, "")
	}
	if err := ev.ForceDeep(v); err != nil {
		return nixOutput("", errLine(err))
	}
	return ev.Print(v) + "\n"
}

// TestBuiltinsGolden evaluates the cases of testdata/builtins/*.txtar
// (string, regex, JSON, TOML and XML builtins) and compares with what Nix
// 2.8 printed. With nix-instantiate in PATH it also checks that the
// recorded outputs are still Nix's; CAIRN_UPDATE=1 rewrites them from
// nix-instantiate.
func TestBuiltinsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/builtins/*.txtar")
	if len(files) == 0 {
		t.Fatal("no case files")
	}
	update := os.Getenv("CAIRN_UPDATE") == "1"
	nix, nixErr := oracle.FindNix(os.Getenv("PATH"), t.TempDir())
	if update && nixErr != nil {
		t.Fatalf("CAIRN_UPDATE needs nix-instantiate: %v", nixErr)
	}
	for _, file := range files {
		dir, err := filepath.Abs(filepath.Dir(file))
		if err != nil {
			t.Fatal(err)
		}
		ar, cases := readBuiltinCases(t, file)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			for _, c := range cases {
				if nixErr == nil {
					args := append(append([]string(nil), c.flags...), "-E", c.src)
					r := nix.Run(context.Background(), oracle.Invocation{Args: args, Dir: dir})
					el := ""
					if r.Code != 0 {
						el = firstErrorLine(r.Stderr)
					}
					got := nixOutput(r.Stdout, el)
					if update {
						c.want, c.found = got, true
					} else if !sameOutput(c, got, c.want) {
						t.Errorf("%s: recorded output is not Nix's any more:\nnix:\n%s\nrecorded:\n%s", c.name, got, c.want)
					}
				}
				if !c.found {
					t.Errorf("%s: no .out section", c.name)
					continue
				}
				got := cairnOutput(t, dir, c)
				switch same := sameOutput(c, got, c.want); {
				case !same && c.known != "":
					t.Logf("%s: known difference (%s):\ngot:\n%s\nwant (Nix 2.8):\n%s", c.name, c.known, got, c.want)
				case !same:
					t.Errorf("%s:\n%s\ngot:\n%s\nwant (Nix 2.8):\n%s", c.name, c.src, got, c.want)
				case c.known != "":
					t.Logf("%s: listed as a known difference but agrees with Nix now; remove its .known section", c.name)
				}
			}
		})
		if update {
			for i := range ar.Files {
				f := &ar.Files[i]
				if strings.HasSuffix(f.Name, ".out") {
					for _, c := range cases {
						if c.name+".out" == f.Name {
							f.Data = []byte(c.want)
						}
					}
				}
			}
			if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
