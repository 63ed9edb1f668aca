package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/service/supervise"
)

const superviseUsage = `usage: cairn supervise [--root DIR] [--background]
       cairn supervise [--root DIR] COMMAND [ARGS]

Runs cairn's service supervisor for the root DIR (default /): state and
control socket under DIR/run/cairn, unit logs under DIR/var/log/cairn.

  --background   start the supervisor detached (its own session) and return
                 once it answers; nothing happens when one already runs

commands, sent to the running supervisor:
  load FILE...                   make it see exactly these unit files
  start|stop|restart|reload NAME...
  status NAME...                 print NAME ACTIVE/SUB pid=PID result=RESULT
  shutdown                       stop every unit and the supervisor
`

// runSupervise is `cairn supervise`.
func runSupervise(ctx context.Context, env *Env, args []string) int {
	root, background := "/", false
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-h" || a == "--help":
			fmt.Fprint(env.Stdout, superviseUsage)
			return exitOK
		case a == "--root" && i+1 < len(args):
			i++
			root = args[i]
		case strings.HasPrefix(a, "--root="):
			root = strings.TrimPrefix(a, "--root=")
		case a == "--background":
			background = true
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(env.Stderr, "error: unknown flag %q\n%s", a, superviseUsage)
			return exitUsage
		default:
			rest = append(rest, a)
		}
	}
	if !filepath.IsAbs(root) {
		root = filepath.Join(env.Dir, root)
	}
	if background {
		if len(rest) > 0 {
			fmt.Fprint(env.Stderr, superviseUsage)
			return exitUsage
		}
		self, err := selfExecutable()
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		pid, err := supervise.StartBackground(ctx, root, []string{self, "supervise", "--root", root})
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(env.Stdout, "cairn supervise: running for %s (pid %d)\n", root, pid)
		return exitOK
	}
	if len(rest) == 0 {
		d, err := supervise.New(supervise.Config{Root: root, Log: env.Stderr})
		if err == nil {
			err = d.Run(ctx, nil)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	return superviseCommand(ctx, env, supervise.NewClient(root), rest[0], rest[1:])
}

func superviseCommand(ctx context.Context, env *Env, c *supervise.Client, cmd string, args []string) int {
	var err error
	switch cmd {
	case "load":
		var units []service.Unit
		for _, a := range args {
			p := a
			if !filepath.IsAbs(p) {
				p = filepath.Join(env.Dir, p)
			}
			units = append(units, service.Unit{Name: filepath.Base(p), Path: p})
		}
		err = c.Load(ctx, units)
	case "start", "stop", "restart", "reload":
		if len(args) == 0 {
			fmt.Fprint(env.Stderr, superviseUsage)
			return exitUsage
		}
		switch cmd {
		case "start":
			err = c.Start(ctx, args...)
		case "stop":
			err = c.Stop(ctx, args...)
		case "restart":
			err = c.Restart(ctx, args...)
		case "reload":
			err = c.Reload(ctx, args...)
		}
	case "status":
		for _, n := range args {
			st, e := c.Status(ctx, n)
			if e != nil {
				err = e
				break
			}
			fmt.Fprintf(env.Stdout, "%s %s/%s pid=%d result=%s\n", st.Name, st.Active, st.Sub, st.MainPID, st.Result)
		}
	case "shutdown":
		err = c.Shutdown(ctx)
	default:
		fmt.Fprintf(env.Stderr, "error: unknown supervise command %q\n%s", cmd, superviseUsage)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// selfExecutable is the path that runs this cairn again. os.Args[0] is
// used rather than os.Executable so that a cairn reached through a link
// named cairn (as in tests) is run by that name.
func selfExecutable() (string, error) {
	a := os.Args[0]
	if !strings.Contains(a, "/") {
		return exec.LookPath(a)
	}
	return filepath.Abs(a)
}
