package cli

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"cairn.dev/cairn/internal/pkgs/fhs"
)

const runUsage = `usage: cairn run [--root DIR] [--store-dir DIR] [--etc DIR] [--bind SRC:DST]...
                 [--ro-bind SRC:DST]... --closure STOREPATH... -- CMD [ARGS]
       cairn run [-c FILE] [flags as above] PACKAGE... -- CMD [ARGS]

An argument without "/" is a package of the channels pinned in cairn.lock
beside FILE (or in the current folder): pkgs.PACKAGE is evaluated and
built into the store first, its .deb files fetched from the mirror.

Runs CMD in its own mount namespace whose root is made of the given store
paths (unpacked Debian packages, and everything they refer to): their
/usr, /etc, /var, with /bin, /sbin and /lib* as links into /usr (merged
/usr), /proc, /dev, a fresh /tmp and /run. Nothing of the host's root is
visible. /etc is the folder --etc names (read-only), or else the
packages' /etc with a minimal passwd, group and hosts. --bind makes a host
folder writable at DST (a state folder), --ro-bind read-only. A CMD
without "/" is searched in the root's PATH. The exit status is CMD's.
Needs root.
`

func runRun(ctx context.Context, env *Env, args []string) int {
	var sf storeFlags
	var cmdArgs []string
	if i := indexOf(args, "--"); i >= 0 {
		args, cmdArgs = args[:i], args[i+1:]
	}
	args, err := sf.parse(args)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n%s", err, runUsage)
		return exitUsage
	}
	spec := &fhs.Spec{Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr}
	var paths, names []string
	var config string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch a {
		case "-h", "--help":
			fmt.Fprint(env.Stdout, runUsage)
			return exitOK
		case "--closure":
		case "-c", "--config", "--etc", "--bind", "--ro-bind":
			if i+1 >= len(args) {
				fmt.Fprintf(env.Stderr, "error: flag '%s' requires an argument\n%s", a, runUsage)
				return exitUsage
			}
			i++
			if a == "-c" || a == "--config" {
				config = args[i]
				continue
			}
			if a == "--etc" {
				spec.Etc = storePathArg(env, args[i])
				continue
			}
			src, dst, ok := strings.Cut(args[i], ":")
			if !ok || src == "" || !filepath.IsAbs(dst) {
				fmt.Fprintf(env.Stderr, "error: %s %q: want SRC:DST with DST absolute\n", a, args[i])
				return exitUsage
			}
			spec.Mounts = append(spec.Mounts, fhs.Mount{Source: storePathArg(env, src), Target: dst, Writable: a == "--bind"})
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(env.Stderr, "error: unknown flag %q\n%s", a, runUsage)
				return exitUsage
			}
			if strings.Contains(a, "/") {
				paths = append(paths, a)
			} else {
				names = append(names, a)
			}
		}
	}
	if len(cmdArgs) == 0 || len(paths)+len(names) == 0 {
		fmt.Fprintf(env.Stderr, "error: cairn run needs store paths and a command after --\n%s", runUsage)
		return exitUsage
	}
	st, err := sf.open(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	defer st.Close()
	if len(names) > 0 {
		built, err := runPackages(ctx, env, st, storePathArg(env, sf.root), config, names)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		paths = append(paths, built...)
	}
	// The paths given come first (the first package wins a collision),
	// then what they refer to.
	seen := map[string]bool{}
	var order []string
	for _, p := range paths {
		sp, err := st.ParsePath(p)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		if !seen[sp] {
			seen[sp] = true
			order = append(order, sp)
		}
	}
	closure, err := st.Closure(order)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: the closure of %s: %v\n", strings.Join(order, " "), err)
		return exitFailure
	}
	for _, p := range closure {
		if !seen[p] {
			seen[p] = true
			order = append(order, p)
		}
	}
	for _, p := range order {
		spec.Packages = append(spec.Packages, fhs.Package{Path: p, Real: st.RealPath(p)})
	}
	spec.Args = cmdArgs
	spec.Env = []string{"PATH=" + fhs.DefaultPath, "HOME=/"}
	if t := env.Getenv("TERM"); t != "" {
		spec.Env = append(spec.Env, "TERM="+t)
	}
	err = fhs.Run(ctx, spec)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	fmt.Fprintf(env.Stderr, "error: cairn run: %v\n", err)
	return exitFailure
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}
