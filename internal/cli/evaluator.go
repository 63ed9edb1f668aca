package cli

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"cairn.dev/cairn/internal/module"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/pkgs/channel"
	"cairn.dev/cairn/internal/pkgs/debexpr"
	"cairn.dev/cairn/internal/pkgs/debian"
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
		Mounts:       mounts(ctx, env, f),
		// <cairn/lib> comes after -I and NIX_PATH, so a user may override it.
		ExtraSearchPath: []string{"cairn=" + module.MountPoint},
	})
}

// mounts returns the virtual folders of an evaluation: cairn's own Nix
// files, and over their debian/ folder the channels of the cairn.lock
// beside the configuration, when there is one. A lock that cannot be read
// fails at the first use of <cairn/debian>.
func mounts(ctx context.Context, env *Env, f *evalFlags) map[string]fs.FS {
	m := map[string]fs.FS{module.MountPoint: module.Files()}
	dir := f.lockDir
	if dir == "" && len(f.files) > 0 && f.files[0] != "-" {
		dir = filepath.Dir(f.files[0])
	}
	if dir == "" || !filepath.IsAbs(dir) {
		dir = filepath.Join(env.Dir, dir)
	}
	lockPath := filepath.Join(dir, channel.LockName)
	if _, err := os.Stat(lockPath); errors.Is(err, fs.ErrNotExist) {
		return m
	}
	at := path.Join(module.MountPoint, "debian")
	lock, err := channel.ReadLock(lockPath)
	if err != nil {
		m[at] = debexpr.NewErrorFS(err)
		return m
	}
	cache := debian.DefaultCacheDir(env.Getenv)
	dfs := debexpr.NewFS(ctx, lock, func(ctx context.Context, c *channel.Channel) (*debian.Index, error) {
		return c.Index(ctx, c.Client(cache, nil))
	})
	env.debian = dfs
	m[at] = dfs
	return m
}
