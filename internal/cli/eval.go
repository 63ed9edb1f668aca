package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/module"
	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/parser"
	"cairn.dev/cairn/internal/nix/token"
)

// evalFlags are the flags of `cairn eval`, the same as those of
// `nix-instantiate --eval`.
type evalFlags struct {
	strict     bool
	json       bool
	xml        bool
	location   bool
	showTrace  bool
	parseOnly  bool
	exprs      []string // -E
	files      []string
	attrPaths  []string // -A
	include    []string // -I
	args       []autoArg
	storeDir   string
	isExprMode bool
	// maxCallDepth bounds nested function calls (0: the default).
	maxCallDepth int
	// features are the experimental features turned on.
	features []string
	// lints are (name, level) pairs from --lint-NAME LEVEL.
	lints [][2]string
	// lockDir holds the cairn.lock whose channels <cairn/debian> (and
	// so pkgs.NAME) shows: the configuration's folder; "" means the
	// first FILE's folder, else the current one.
	lockDir string
}

type autoArg struct {
	name, value string
	isString    bool
}

const evalUsage = `usage: cairn eval [--strict] [--json] [--xml] [--no-location] [--show-trace]
                  [-I PATH] [--arg NAME EXPR] [--argstr NAME VALUE] [-A ATTRPATH]
                  [--store-dir DIR] (FILE... | -E EXPR)

Evaluates a Nix expression and prints its value as nix-instantiate --eval
does. Nothing is written to any store: store paths are computed only.
`

func parseEvalFlags(args []string) (*evalFlags, error) {
	f := &evalFlags{location: true, storeDir: "/nix/store"}
	need := func(i *int, n int, flag string) error {
		if *i+n >= len(args) {
			return fmt.Errorf("flag '%s' requires %d argument(s)", flag, n)
		}
		return nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--strict":
			f.strict = true
		case a == "--json":
			f.json = true
		case a == "--xml":
			f.xml = true
		case a == "--no-location":
			f.location = false
		case a == "--show-trace":
			f.showTrace = true
		case a == "--parse":
			f.parseOnly = true
		case a == "--eval", a == "--readonly-mode", a == "--read-write-mode", a == "--impure", a == "--pure-eval=false":
			// Accepted for compatibility with nix-instantiate.
		case a == "--no-show-trace":
			f.showTrace = false
		case a == "--max-call-depth":
			if err := need(&i, 1, a); err != nil {
				return nil, err
			}
			i++
			n, err := strconv.Atoi(args[i])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("invalid value '%s' for --max-call-depth", args[i])
			}
			f.maxCallDepth = n
		case a == "--extra-experimental-features", a == "--experimental-features":
			if err := need(&i, 1, a); err != nil {
				return nil, err
			}
			i++
			f.features = append(f.features, strings.Fields(args[i])...)
		case a == "--option":
			if err := need(&i, 2, a); err != nil {
				return nil, err
			}
			i += 2
		case strings.HasPrefix(a, "--lint-"):
			if !parser.IsLint(strings.TrimPrefix(a, "--lint-")) {
				return nil, fmt.Errorf("unrecognised flag '%s'", a)
			}
			if err := need(&i, 1, a); err != nil {
				return nil, err
			}
			i++
			switch args[i] {
			case "ignore", "warn", "fatal":
			default:
				return nil, fmt.Errorf("invalid value '%s' for %s (ignore, warn or fatal)", args[i], a)
			}
			f.lints = append(f.lints, [2]string{strings.TrimPrefix(a, "--lint-"), args[i]})
		case a == "-E" || a == "--expr":
			f.isExprMode = true
		case a == "-A" || a == "--attr":
			if err := need(&i, 1, a); err != nil {
				return nil, err
			}
			i++
			f.attrPaths = append(f.attrPaths, args[i])
		case a == "-I" || a == "--include":
			if err := need(&i, 1, a); err != nil {
				return nil, err
			}
			i++
			f.include = append(f.include, args[i])
		case strings.HasPrefix(a, "-I") && len(a) > 2:
			f.include = append(f.include, a[2:])
		case a == "--arg" || a == "--argstr":
			if err := need(&i, 2, a); err != nil {
				return nil, err
			}
			f.args = append(f.args, autoArg{name: args[i+1], value: args[i+2], isString: a == "--argstr"})
			i += 2
		case a == "--store-dir":
			if err := need(&i, 1, a); err != nil {
				return nil, err
			}
			i++
			f.storeDir = args[i]
		case a == "-h" || a == "--help":
			return nil, errHelp
		case a == "-":
			f.files = append(f.files, a)
		case strings.HasPrefix(a, "-"):
			return nil, fmt.Errorf("unrecognised flag '%s'", a)
		default:
			f.files = append(f.files, a)
		}
	}
	if f.isExprMode {
		f.exprs, f.files = f.files, nil
		if len(f.exprs) == 0 {
			return nil, fmt.Errorf("-E requires an expression")
		}
	}
	if len(f.attrPaths) == 0 {
		f.attrPaths = []string{""}
	}
	return f, nil
}

var errHelp = fmt.Errorf("help requested")

// lintLevels turns the --lint-NAME LEVEL pairs, checked by
// parseEvalFlags, into the parser's configuration; a later flag for the
// same lint wins.
func lintLevels(pairs [][2]string) map[string]parser.Level {
	if len(pairs) == 0 {
		return nil
	}
	m := make(map[string]parser.Level, len(pairs))
	for _, p := range pairs {
		if l, err := parser.ParseLevel(p[1]); err == nil {
			m[p[0]] = l
		}
	}
	return m
}

func runEval(ctx context.Context, env *Env, args []string) int {
	f, err := parseEvalFlags(args)
	if err == errHelp {
		fmt.Fprint(env.Stdout, evalUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n%s", err, evalUsage)
		return exitUsage
	}
	// Deep but finite recursion must end in the evaluator's own error,
	// not the Go runtime's stack limit.
	debug.SetMaxStack(8 << 30)
	tuneGC(env)
	fset := token.NewFileSet()
	if f.parseOnly {
		return runParse(env, f, fset)
	}
	ev := newEvaluator(ctx, env, fset, f)
	report := func(err error) int {
		printError(env, fset, err, f.showTrace)
		return exitFailure
	}
	roots := evalRoots(ev, env, f)
	autoArgs, err := buildAutoArgs(ev, env, f.args)
	if err != nil {
		return report(err)
	}
	for _, root := range roots {
		v, err := root()
		if err != nil {
			return report(err)
		}
		for _, ap := range f.attrPaths {
			sel, err := ev.SelectAttrPath(v, ap, autoArgs)
			if err != nil {
				return report(err)
			}
			if len(f.args) > 0 {
				if sel, err = ev.AutoCall(sel, autoArgs); err != nil {
					return report(err)
				}
			}
			var out string
			switch {
			case f.xml:
				if f.strict {
					if err := ev.ForceDeep(sel); err != nil {
						return report(err)
					}
				}
				out, err = ev.PrintXML(sel, f.location)
			case f.json:
				if f.strict {
					if err := ev.ForceDeep(sel); err != nil {
						return report(err)
					}
				}
				out, err = ev.PrintJSON(sel)
			default:
				if f.strict {
					err = ev.ForceDeep(sel)
				}
				if err == nil {
					out = ev.Print(sel) + "\n"
				}
			}
			if err != nil {
				return report(err)
			}
			fmt.Fprint(env.Stdout, out)
		}
	}
	return exitOK
}

func runParse(env *Env, f *evalFlags, fset *token.FileSet) int {
	var srcs []struct{ name, dir, src string }
	for _, e := range f.exprs {
		srcs = append(srcs, struct{ name, dir, src string }{"«string»", env.Dir, e})
	}
	for _, file := range f.files {
		if file == "-" {
			b, err := readAll(env)
			if err != nil {
				fmt.Fprintf(env.Stderr, "error: %v\n", err)
				return exitFailure
			}
			srcs = append(srcs, struct{ name, dir, src string }{"«stdin»", env.Dir, string(b)})
			continue
		}
		p := file
		if !filepath.IsAbs(p) {
			p = filepath.Join(env.Dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		srcs = append(srcs, struct{ name, dir, src string }{p, filepath.Dir(p), string(b)})
	}
	warn := func(w parser.Warning) { fmt.Fprint(env.Stderr, eval.FormatWarning(fset, w)) }
	for _, s := range srcs {
		e, err := parser.ParseFile(fset, s.name, []byte(s.src), parser.Config{BaseDir: s.dir, HomeDir: env.Getenv("HOME"), Globals: parser.NixGlobals, Lints: lintLevels(f.lints), Warn: warn})
		if err != nil {
			printError(env, fset, err, false)
			return exitFailure
		}
		fmt.Fprintln(env.Stdout, ast.Print(e))
	}
	return exitOK
}

func readAll(env *Env) ([]byte, error) {
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := env.Stdin.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return []byte(b.String()), nil
}

// evalRoots returns, in order, the evaluations of what the command line
// names: each -E expression, each FILE ("-" is stdin), or ./default.nix
// when it names none (as nix-instantiate).
func evalRoots(ev *eval.Evaluator, env *Env, f *evalFlags) []func() (eval.Value, error) {
	var roots []func() (eval.Value, error)
	for _, e := range f.exprs {
		roots = append(roots, func() (eval.Value, error) { return ev.EvalString(e, env.Dir) })
	}
	for _, file := range f.files {
		roots = append(roots, func() (eval.Value, error) {
			if file == "-" {
				b, err := readAll(env)
				if err != nil {
					return nil, err
				}
				return ev.EvalString(string(b), env.Dir)
			}
			p := file
			if !filepath.IsAbs(p) {
				p = filepath.Join(env.Dir, p)
			}
			return ev.EvalFile(p)
		})
	}
	if len(roots) == 0 {
		roots = append(roots, func() (eval.Value, error) { return ev.EvalFile(filepath.Join(env.Dir, "default.nix")) })
	}
	return roots
}

// buildAutoArgs makes the set given by --arg and --argstr.
func buildAutoArgs(ev *eval.Evaluator, env *Env, args []autoArg) (*eval.Attrs, error) {
	var list []eval.Attr
	for _, a := range args {
		var v eval.Value
		if a.isString {
			v = &eval.String{S: a.value}
		} else {
			var err error
			v, err = ev.LazyString(a.value, env.Dir)
			if err != nil {
				return nil, err
			}
		}
		list = append(list, eval.Attr{Name: a.name, Value: v})
	}
	return eval.NewAttrs(list), nil
}

// printError prints an error as "error: MESSAGE" with its position and
// code frame (and the trace when asked).
func printError(env *Env, fset *token.FileSet, err error, trace bool) {
	switch e := err.(type) {
	case *eval.Error:
		// An error thrown inside cairn's own modules and lib (the
		// module system's "does not exist", "is not of type", ...)
		// names the user's files in its message; the code frame of the
		// throw in cairn's lib would only be noise.
		if p := fset.Position(e.Pos); !trace && strings.HasPrefix(p.Filename, module.MountPoint+"/") {
			fmt.Fprintf(env.Stderr, "error: %s\n", e.Msg)
			return
		}
		fmt.Fprint(env.Stderr, e.Format(fset, trace))
		if h := missingHint(env, e.Msg); h != "" {
			fmt.Fprintf(env.Stderr, "note: %s\n", h)
		}
	case parser.ErrorList:
		fmt.Fprint(env.Stderr, eval.ParseError(err).Format(fset, trace))
	default:
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
	}
}
