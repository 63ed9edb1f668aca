package cli

import (
	"context"
	"io/fs"

	"cairn.dev/cairn/internal/module"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/store/dry"
)

// newEvaluator is the one place where an evaluator is composed for the
// commands: environment, search path, store and trace output.
func newEvaluator(ctx context.Context, env *Env, fset *token.FileSet, f *evalFlags) *eval.Evaluator {
	return eval.New(ctx, eval.Options{
		FileSet:      fset,
		Store:        dry.New(f.storeDir),
		Getenv:       env.Getenv,
		SearchPath:   f.include,
		Stderr:       env.Stderr,
		Trace:        f.showTrace,
		Dir:          env.Dir,
		MaxCallDepth: f.maxCallDepth,
		Features:     f.features,
		Lints:        lintLevels(f.lints),
		Mounts:       map[string]fs.FS{module.MountPoint: module.Files()},
		// <cairn/lib> comes after -I and NIX_PATH, so a user may override it.
		ExtraSearchPath: []string{"cairn=" + module.MountPoint},
	})
}
