package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Version is cairn's version, reported by `cairn version` and recorded in
// every generation.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.1.0-dev"
}

func runVersion(ctx context.Context, env *Env, args []string) int {
	fmt.Fprintf(env.Stdout, "cairn %s\n", Version())
	return exitOK
}
