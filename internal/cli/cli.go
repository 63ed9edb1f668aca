// Package cli implements the cairn command line: one file per subcommand,
// one composition root (Main) that wires stdio, the environment and the
// signal context into them.
package cli

import (
	"cairn.dev/cairn/internal/pkgs/debexpr"
	"cairn.dev/cairn/internal/service/confine"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"syscall"
)

// Exit codes shared by every subcommand.
const (
	exitOK        = 0
	exitFailure   = 1   // the command ran and failed (evaluation error, build failure, ...)
	exitUsage     = 2   // bad flags or arguments
	exitInterrupt = 130 // SIGINT / SIGTERM
)

// Env is what a subcommand may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Dir    string // working directory

	// debian is the <cairn/debian> folder of the last evaluation that
	// mounted one; printError asks it about missing package names.
	debian *debexpr.FS
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

// commands lists the subcommands; each lives in its own file.
func commands() []command {
	cmds := []command{
		{"build", "build derivations into the store, print their outputs (-A, -j, --root)", runBuild},
		{"instantiate", "write the .drv files of derivations into the store, print their paths", runInstantiate},
		{"log", "print the build log of a derivation or output path", runLog},
		{"eval", "evaluate a Nix expression and print its value", runEval},
		{"logs", "print the log of a unit run by cairn supervise (-n N, -f)", runLogs},
		{"option", "show an option of a configuration: value, type, where declared and defined", runOption},
		{"options", "list every option cairn declares (--json, --markdown)", runOptions},
		{"store", "manage the store (hash-path, dump, add, verify, gc, path-info, copy, generate-key)", runStore},
		{"supervise", "run cairn's service supervisor for a root (--background), or control it", runSupervise},
		{"version", "print cairn's version", runVersion},
		{"switch", "build a configuration (-c FILE) or take a toplevel, make it the current generation, activate it", runSwitch},
		{"boot", "as switch, but activate only at the next boot", runBoot},
		{"test", "activate a configuration or toplevel without making it a generation", runTest},
		{"dry-activate", "print what switching would stop, start, restart, reload and change; change nothing", runDryActivate},
		{"rollback", "return to the previous generation (or --to N)", runRollback},
		{"run", "run a command from Debian packages, unmodified (NAME... or --closure PATH... -- CMD)", runRun},
		{"generations", "list the system's generations (--json)", runGenerations},
		{"status", "show the active generation and its units", runStatus},
		{"gc", "delete old generations and the store paths only they kept (--keep N, --older-than AGE)", runGC},
		{"channel", "add, update or list the Debian channels pinned in cairn.lock", runChannel},
		{"pkgs", "search the packages of the channels, or show one and its closure", runPkgs},
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

// Main runs cairn with the process's arguments and stdio and returns the
// exit status.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, _ := os.Getwd()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Dir: dir}
	// CAIRN_CPUPROFILE=FILE writes a CPU profile of the command (for
	// cairn's developers; see docs/benchmarks.md).
	if file := os.Getenv("CAIRN_CPUPROFILE"); file != "" {
		if f, err := os.Create(file); err == nil {
			defer f.Close()
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	code := Run(ctx, env, os.Args[1:])
	if ctx.Err() != nil && code != exitOK {
		return exitInterrupt
	}
	return code
}

// Run runs one cairn invocation; args excludes the program name.
func Run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "__confine" {
		// Not a user command: the supervisor starts a unit with
		// RootDirectory= through it (package confine).
		err := confine.Main(args[1:])
		fmt.Fprintf(env.Stderr, "cairn: %v\n", err)
		return 127
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "error: unknown command %q (see 'cairn help')\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cairn COMMAND [ARGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
}
