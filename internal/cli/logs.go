package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/service/supervise"
)

const logsUsage = `usage: cairn logs NAME [--root DIR] [-n N] [-f]

Prints the log of a unit run by cairn supervise (DIR/var/log/cairn/NAME.log,
default root /): the last N lines (default 10; 0 for all), then, with -f,
new lines as they come until interrupted.
`

// runLogs is `cairn logs`.
func runLogs(ctx context.Context, env *Env, args []string) int {
	root, n, follow := "/", 10, false
	var names []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-h" || a == "--help":
			fmt.Fprint(env.Stdout, logsUsage)
			return exitOK
		case a == "--root" && i+1 < len(args):
			i++
			root = args[i]
		case strings.HasPrefix(a, "--root="):
			root = strings.TrimPrefix(a, "--root=")
		case (a == "-n" || a == "--lines") && i+1 < len(args):
			i++
			v, err := strconv.Atoi(args[i])
			if err != nil || v < 0 {
				fmt.Fprintf(env.Stderr, "error: -n wants a count, not %q\n", args[i])
				return exitUsage
			}
			n = v
		case a == "-f" || a == "--follow":
			follow = true
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(env.Stderr, "error: unknown flag %q\n%s", a, logsUsage)
			return exitUsage
		default:
			names = append(names, a)
		}
	}
	if len(names) != 1 {
		fmt.Fprint(env.Stderr, logsUsage)
		return exitUsage
	}
	if !filepath.IsAbs(root) {
		root = filepath.Join(env.Dir, root)
	}
	lines, err := supervise.ReadLog(root, names[0], n)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	for _, l := range lines {
		fmt.Fprintln(env.Stdout, l)
	}
	if follow {
		if err := supervise.FollowLog(ctx, root, names[0], env.Stdout); err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
	}
	return exitOK
}
