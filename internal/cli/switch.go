package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/activate"
	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/service/supervise"
	"cairn.dev/cairn/internal/service/systemd"
	"cairn.dev/cairn/internal/system"
)

// systemFlags are the flags every generation verb shares.
type systemFlags struct {
	root    string
	manager string
}

func (f *systemFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.root, "root", "/", "the root folder of the system to manage")
	fs.StringVar(&f.manager, "manager", "auto", "service manager: auto, supervise, systemd or none")
}

func newFlagSet(env *Env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: cairn %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// activator is the composition root of the generation verbs: the root,
// the clock, the service manager and, for tests, the step hook.
func (f *systemFlags) activator(ctx context.Context, env *Env) (*activate.Activator, error) {
	root, err := filepath.Abs(f.root)
	if err != nil {
		return nil, err
	}
	r := system.Root(root)
	a := &activate.Activator{Root: r, Profiles: &system.Profiles{Root: r, Now: time.Now}, Log: env.Stderr}
	if a.Manager, err = f.serviceManager(ctx, root); err != nil {
		return nil, err
	}
	// Fault injection for the crash tests: SIGKILL before step N of the
	// switch, or before operation N of its commit.
	for _, v := range []string{"CAIRN_TEST_KILL_AT_STEP", "CAIRN_TEST_KILL_AT_COMMIT_OP"} {
		s := env.Getenv(v)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: not a number", v, s)
		}
		kill := func(what string) {
			fmt.Fprintf(env.Stderr, "test: killed before %s\n", what)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		if v == "CAIRN_TEST_KILL_AT_STEP" {
			a.BeforeStep = func(i int, name string) {
				if i == n {
					kill(fmt.Sprintf("step %d (%s)", i, name))
				}
			}
		} else {
			a.BeforeCommitOp = func(i int, op activate.CommitOp) {
				if i == n {
					kill(fmt.Sprintf("commit operation %d (%s)", i, op))
				}
			}
		}
	}
	return a, nil
}

func (f *systemFlags) serviceManager(ctx context.Context, root string) (service.Manager, error) {
	switch f.manager {
	case "none":
		return nil, nil
	case "supervise":
		c := supervise.NewClient(root)
		if _, err := c.Ping(ctx); err != nil {
			return nil, fmt.Errorf("the supervisor of %s does not answer (start it with `cairn supervise --root %s`): %v", root, root, err)
		}
		return c, nil
	case "systemd":
		return systemd.New(root, systemd.ExecRunner()), nil
	case "auto":
		c := supervise.NewClient(root)
		if _, err := c.Ping(ctx); err == nil {
			return c, nil
		}
		if root == "/" && systemd.Detect() == nil {
			return systemd.New(root, systemd.ExecRunner()), nil
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown --manager %q (auto, supervise, systemd or none)", f.manager)
}

func runSwitch(ctx context.Context, env *Env, args []string) int {
	return runActivation(ctx, env, activate.Switch, args)
}
func runBoot(ctx context.Context, env *Env, args []string) int {
	return runActivation(ctx, env, activate.Boot, args)
}
func runTest(ctx context.Context, env *Env, args []string) int {
	return runActivation(ctx, env, activate.Test, args)
}
func runDryActivate(ctx context.Context, env *Env, args []string) int {
	return runActivation(ctx, env, "dry-activate", args)
}

// runActivation implements switch, boot, test and dry-activate.
func runActivation(ctx context.Context, env *Env, action activate.Action, args []string) int {
	var sf systemFlags
	var toplevel, config string
	var jobs int
	fs := newFlagSet(env, string(action), string(action)+" (-c FILE | --toplevel PATH) [--root DIR] [--manager M] [-j N]")
	sf.register(fs)
	fs.StringVar(&config, "c", "", "the configuration file to build and "+string(action))
	fs.StringVar(&toplevel, "toplevel", "", "an already built system (a toplevel folder) to "+string(action))
	fs.IntVar(&jobs, "j", 1, "builds to run at once")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if (toplevel == "") == (config == "") || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	a, err := sf.activator(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if config != "" {
		// Build first: a configuration that does not evaluate or build
		// changes nothing.
		out, code := buildSystem(ctx, env, string(a.Root), config, jobs)
		if code != exitOK {
			return code
		}
		toplevel = a.Root.Host(out)
	}
	top, err := toplevelPath(a.Root, toplevel)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	dry := action == "dry-activate"
	if dry {
		action = activate.Switch
	} else {
		unlock, err := activate.Lock(a.Root)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		defer unlock()
	}
	j, err := activate.ReadJournal(a.Root)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if j != nil {
		if dry {
			fmt.Fprintf(env.Stdout, "note: a %s to %s was interrupted; the next switch completes it first\n", j.Action, j.To)
		} else {
			fmt.Fprintf(env.Stderr, "completing the interrupted %s to %s (pid %d, %s)\n", j.Action, j.To, j.PID, j.Started.Format(time.RFC3339))
			if code := recoverSwitch(ctx, env, a, j, true); code != exitOK {
				return code
			}
		}
	}
	r, err := a.RequestFor(ctx, action, top)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	p, err := a.Plan(ctx, r)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if dry {
		p.Print(env.Stdout)
		return exitOK
	}
	return applyPlan(ctx, env, a, p)
}

// applyPlan prints and applies a plan and reports how it went.
func applyPlan(ctx context.Context, env *Env, a *activate.Activator, p *activate.Plan) int {
	p.Print(env.Stdout)
	err := a.Apply(ctx, p)
	var conflict *activate.ConflictError
	var inc *activate.IncompleteError
	switch {
	case errors.As(err, &conflict):
		fmt.Fprintf(env.Stderr, "error: refusing to %s: files cairn did not create are in the way:\n", p.Action)
		for _, c := range conflict.Conflicts {
			fmt.Fprintf(env.Stderr, "  %s\n", c)
		}
		return exitFailure
	case errors.As(err, &inc):
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		if p.Action != activate.Rollback {
			fmt.Fprintf(env.Stderr, "the system is in the new generation; `cairn rollback` returns to the previous one\n")
		}
		return exitFailure
	case err != nil:
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	switch {
	case p.ToGeneration > 0:
		fmt.Fprintf(env.Stdout, "%s: done, generation %d\n", p.Action, p.ToGeneration)
	default:
		fmt.Fprintf(env.Stdout, "%s: done\n", p.Action)
	}
	return exitOK
}

// recoverSwitch completes (forward) or undoes an interrupted switch:
// first it settles the journal (a commit under way is finished, staging
// is discarded), then it plans and applies the rest against the root.
func recoverSwitch(ctx context.Context, env *Env, a *activate.Activator, j *activate.Journal, forward bool) int {
	committed, err := a.Settle(j)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: finishing the commit of the interrupted %s: %v\n", j.Action, err)
		return exitFailure
	}
	if !committed {
		fmt.Fprintf(env.Stderr, "it was interrupted before its commit: the root is still in the generation it came from\n")
	}
	r, err := a.RecoverRequest(ctx, j, forward)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	p, err := a.Plan(ctx, r)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	return applyPlan(ctx, env, a, p)
}

// toplevelPath maps the toplevel given on the command line (a host path,
// perhaps a link such as ./result) to its in-root path.
func toplevelPath(root system.Root, p string) (string, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("toplevel: %w", err)
	}
	in, err := root.InRoot(real)
	if err != nil {
		return "", fmt.Errorf("toplevel: %w", err)
	}
	return in, nil
}

func runRollback(ctx context.Context, env *Env, args []string) int {
	var sf systemFlags
	var to int
	fs := newFlagSet(env, "rollback", "rollback [--to N] [--root DIR] [--manager M]")
	sf.register(fs)
	fs.IntVar(&to, "to", 0, "the generation to return to (default: the one before the current)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	a, err := sf.activator(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	unlock, err := activate.Lock(a.Root)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	defer unlock()
	j, err := activate.ReadJournal(a.Root)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if j != nil && to == 0 {
		fmt.Fprintf(env.Stderr, "undoing the interrupted %s to %s (pid %d, %s)\n", j.Action, j.To, j.PID, j.Started.Format(time.RFC3339))
		return recoverSwitch(ctx, env, a, j, false)
	}
	if j != nil {
		fmt.Fprintf(env.Stderr, "completing the interrupted %s to %s first\n", j.Action, j.To)
		if code := recoverSwitch(ctx, env, a, j, true); code != exitOK {
			return code
		}
	}
	r, err := a.RollbackRequest(ctx, to)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	p, err := a.Plan(ctx, r)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	return applyPlan(ctx, env, a, p)
}
