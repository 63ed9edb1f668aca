package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/build"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/store/local"
)

const buildUsage = `usage: cairn build [--root DIR] [--store-dir DIR] [-A ATTRPATH] [-j N]
                   [--no-link | -o LINK] [--substituter file:///DIR --trusted-key KEY]
                   [-I PATH] [--arg NAME EXPR] [--argstr NAME VALUE] (FILE... | -E EXPR | -c CONFIG)

With -c, builds the system (the toplevel) of the configuration file CONFIG,
as switch -c does, without activating it.

Evaluates the expression, writes the .drv files of the derivations it
yields into the store under --root, builds them (dependencies first, up to
-j at a time, each in a sandbox) or substitutes them from the binary
caches given, prints their output paths and links ./result to them (a GC
root) unless --no-link.
`

const instantiateUsage = `usage: cairn instantiate [--root DIR] [--store-dir DIR] [-A ATTRPATH]
                         [-I PATH] [--arg NAME EXPR] [--argstr NAME VALUE] (FILE... | -E EXPR)

Evaluates the expression, writes the .drv files of the derivations it
yields into the store under --root and prints their paths, as
nix-instantiate does.
`

// buildFlags are the flags of `cairn build` beyond those of evaluation.
type buildFlags struct {
	store        storeFlags
	jobs         int
	noLink       bool
	outLink      string
	substituters []string
	trustedKeys  []string
	config       string // -c FILE: build the system toplevel of a configuration
}

// parseBuildFlags takes the build flags out of args and leaves the
// evaluation flags to parseEvalFlags.
func parseBuildFlags(args []string, forBuild bool) (*buildFlags, *evalFlags, error) {
	bf := &buildFlags{jobs: 1, outLink: "result"}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		arg := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag '%s' requires an argument", a)
			}
			i++
			return args[i], nil
		}
		switch {
		case a == "--root":
			v, err := arg()
			if err != nil {
				return nil, nil, err
			}
			bf.store.root = v
		case forBuild && (a == "-j" || a == "--max-jobs"):
			v, err := arg()
			if err != nil {
				return nil, nil, err
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, nil, fmt.Errorf("invalid value '%s' for %s", v, a)
			}
			bf.jobs = n
		case forBuild && (a == "-c" || a == "--config"):
			v, err := arg()
			if err != nil {
				return nil, nil, err
			}
			bf.config = v
		case forBuild && a == "--no-link":
			bf.noLink = true
		case forBuild && (a == "-o" || a == "--out-link"):
			v, err := arg()
			if err != nil {
				return nil, nil, err
			}
			bf.outLink = v
		case forBuild && a == "--substituter":
			v, err := arg()
			if err != nil {
				return nil, nil, err
			}
			bf.substituters = append(bf.substituters, v)
		case forBuild && a == "--trusted-key":
			v, err := arg()
			if err != nil {
				return nil, nil, err
			}
			bf.trustedKeys = append(bf.trustedKeys, v)
		default:
			rest = append(rest, a)
		}
	}
	if bf.config != "" {
		// The system expression replaces FILE or -E EXPR.
		rest = append(rest, "-E", "<system>")
	}
	ef, err := parseEvalFlags(rest)
	if err != nil {
		return nil, nil, err
	}
	bf.store.storeDir = ef.storeDir
	if bf.store.root == "" {
		bf.store.root = "/"
	}
	return bf, ef, nil
}

func runInstantiate(ctx context.Context, env *Env, args []string) int {
	bf, ef, err := parseBuildFlags(args, false)
	if err == errHelp {
		fmt.Fprint(env.Stdout, instantiateUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n%s", err, instantiateUsage)
		return exitUsage
	}
	st, err := bf.store.open(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	drvs, code := instantiate(ctx, env, ef, st)
	if code != exitOK {
		return code
	}
	for _, d := range drvs {
		fmt.Fprintln(env.Stdout, d)
	}
	return exitOK
}

func runBuild(ctx context.Context, env *Env, args []string) int {
	bf, ef, err := parseBuildFlags(args, true)
	if err == errHelp {
		fmt.Fprint(env.Stdout, buildUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n%s", err, buildUsage)
		return exitUsage
	}
	st, err := bf.store.open(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	opts, err := buildOptions(env, st, storePathArg(env, bf.store.root), bf.jobs, bf.substituters, bf.trustedKeys)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitUsage
	}
	if bf.config != "" {
		expr, err := systemExpr(ctx, env, bf.config)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		ef.exprs, ef.files = []string{expr}, nil
	}
	drvs, code := instantiate(ctx, env, ef, st)
	if code != exitOK {
		return code
	}
	b, err := build.New(opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	res, err := b.Realise(ctx, drvs)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	for i, d := range drvs {
		outs := res[d]
		names := make([]string, 0, len(outs))
		for n := range outs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !bf.noLink {
				link := bf.outLink
				if i > 0 {
					link += "-" + strconv.Itoa(i+1)
				}
				if n != "out" {
					link += "-" + n
				}
				if err := makeResultLink(env, st, storePathArg(env, link), outs[n]); err != nil {
					fmt.Fprintf(env.Stderr, "error: %v\n", err)
					return exitFailure
				}
			}
			fmt.Fprintln(env.Stdout, outs[n])
		}
	}
	return exitOK
}

// makeResultLink points link at an output and registers it as an
// indirect GC root.
func makeResultLink(env *Env, st *local.Store, link, target string) error {
	tmp := link + ".cairn-tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return st.AddIndirectRoot(link)
}

// instantiate evaluates the expression against the local store and
// returns the .drv paths of the derivations it yields, in order.
func instantiate(ctx context.Context, env *Env, f *evalFlags, st *local.Store) ([]string, int) {
	debug.SetMaxStack(8 << 30)
	tuneGC(env)
	fset := token.NewFileSet()
	ev := newEvaluatorStore(ctx, env, fset, f, st)
	report := func(err error) ([]string, int) {
		printError(env, fset, err, f.showTrace)
		return nil, exitFailure
	}
	roots := evalRoots(ev, env, f)
	autoArgs, err := buildAutoArgs(ev, env, f.args)
	if err != nil {
		return report(err)
	}
	var drvs []string
	seen := map[string]bool{}
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
			if sel, err = ev.AutoCall(sel, autoArgs); err != nil {
				return report(err)
			}
			if err := collectDerivations(ev, sel, 0, func(d string) {
				if !seen[d] {
					seen[d] = true
					drvs = append(drvs, d)
				}
			}); err != nil {
				return report(err)
			}
		}
	}
	if len(drvs) == 0 {
		fmt.Fprintln(env.Stderr, "error: the expression does not evaluate to a derivation (or a set or list of those)")
		return nil, exitFailure
	}
	return drvs, exitOK
}

// collectDerivations finds derivations as nix-build does: the value
// itself, the elements of a list, or the attributes of a set (recursing
// further only into sets with recurseForDerivations = true).
func collectDerivations(ev *eval.Evaluator, v eval.Value, depth int, add func(string)) error {
	v, err := ev.Force(v)
	if err != nil {
		return err
	}
	switch x := v.(type) {
	case *eval.Attrs:
		if t, ok := x.Get("type"); ok {
			tv, err := ev.Force(t.Value)
			if err != nil {
				return err
			}
			if s, ok := tv.(*eval.String); ok && s.S == "derivation" {
				a, ok := x.Get("drvPath")
				if !ok {
					return fmt.Errorf("derivation has no drvPath attribute")
				}
				dv, err := ev.Force(a.Value)
				if err != nil {
					return err
				}
				s, ok := dv.(*eval.String)
				if !ok || !strings.HasSuffix(s.S, ".drv") {
					return fmt.Errorf("derivation's drvPath is not a .drv path")
				}
				add(s.S)
				return nil
			}
		}
		if depth > 0 {
			r, ok := x.Get("recurseForDerivations")
			if !ok {
				return nil
			}
			rv, err := ev.Force(r.Value)
			if err != nil {
				return err
			}
			if b, ok := rv.(bool); !ok || !b {
				return nil
			}
		}
		for _, a := range x.List {
			if err := collectDerivations(ev, a.Value, depth+1, add); err != nil {
				return err
			}
		}
	case *eval.List:
		for _, e := range x.Elems {
			if err := collectDerivations(ev, e, depth, add); err != nil {
				return err
			}
		}
	}
	return nil
}

const logUsage = `usage: cairn log [--root DIR] [--store-dir DIR] PATH

Prints the build log of a derivation (.drv path) or of one of its outputs,
kept for failed builds too.
`

func runLog(ctx context.Context, env *Env, args []string) int {
	var sf storeFlags
	rest, err := sf.parse(args)
	if err != nil || len(rest) != 1 || strings.HasPrefix(rest[0], "-") {
		fmt.Fprint(env.Stderr, logUsage)
		return exitUsage
	}
	st, err := sf.open(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	p, err := st.FindLog(resolveStoreArg(env, st, rest[0]))
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	b, err := os.ReadFile(p)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	env.Stdout.Write(b)
	return exitOK
}
