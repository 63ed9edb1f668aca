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
	return newEvaluatorStore(ctx, env, fset, f, dry.New(f.storeDir))
}

// newEvaluatorStore is newEvaluator with another store (the local store
// for cairn build and instantiate).
func newEvaluatorStore(ctx context.Context, env *Env, fset *token.FileSet, f *evalFlags, st eval.Store) *eval.Evaluator {
	return eval.New(ctx, eval.Options{
		FileSet:      fset,
		Store:        st,
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
