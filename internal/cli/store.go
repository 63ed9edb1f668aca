package cli

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"

	"cairn.dev/cairn/internal/store/nar"
)

const storeUsage = `usage: cairn store COMMAND [ARGS]

commands:
  hash-path [--base16|--base32|--sri] PATH...
               print the sha256 of each path's NAR serialisation, as
               nix-hash --type sha256 --base32 PATH does
  dump PATH    write the NAR serialisation of PATH to stdout, as
               nix-store --dump PATH does
` + storeLocalUsage

// runStore dispatches `cairn store SUBCOMMAND`.
func runStore(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, storeUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(env.Stdout, storeUsage)
		return exitOK
	case "hash-path":
		return runStoreHashPath(ctx, env, args[1:])
	case "dump":
		return runStoreDump(ctx, env, args[1:])
	}
	if code, ok := runStoreLocal(ctx, env, args); ok {
		return code
	}
	fmt.Fprintf(env.Stderr, "error: unknown store command %q (see 'cairn store help')\n", args[0])
	return exitUsage
}

func runStoreHashPath(ctx context.Context, env *Env, args []string) int {
	format := "base32"
	var paths []string
	for _, a := range args {
		switch a {
		case "--base16", "--base32", "--sri":
			format = a[2:]
		default:
			if len(a) > 1 && a[0] == '-' {
				fmt.Fprintf(env.Stderr, "error: unknown flag '%s'\n%s", a, storeUsage)
				return exitUsage
			}
			paths = append(paths, a)
		}
	}
	if len(paths) == 0 {
		fmt.Fprint(env.Stderr, storeUsage)
		return exitUsage
	}
	for _, p := range paths {
		h, _, err := nar.HashPath(ctx, storePathArg(env, p), nil)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: hashing '%s': %v\n", p, err)
			return exitFailure
		}
		switch format {
		case "base16":
			fmt.Fprintln(env.Stdout, h.Hex())
		case "sri":
			fmt.Fprintln(env.Stdout, h.SRI())
		default:
			fmt.Fprintln(env.Stdout, h.Base32())
		}
	}
	return exitOK
}

func runStoreDump(ctx context.Context, env *Env, args []string) int {
	if len(args) != 1 || len(args[0]) > 1 && args[0][0] == '-' {
		fmt.Fprint(env.Stderr, storeUsage)
		return exitUsage
	}
	w := bufio.NewWriterSize(env.Stdout, 256<<10)
	err := nar.Dump(ctx, w, storePathArg(env, args[0]), nil)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: dumping '%s': %v\n", args[0], err)
		return exitFailure
	}
	return exitOK
}

// storePathArg resolves a path argument against the working directory.
func storePathArg(env *Env, p string) string {
	if filepath.IsAbs(p) || env.Dir == "" {
		return p
	}
	return filepath.Join(env.Dir, p)
}
