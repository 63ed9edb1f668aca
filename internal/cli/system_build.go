package cli

import (
	"cairn.dev/cairn/internal/pkgs/channel"
	"context"
	"fmt"
	"path/filepath"

	"cairn.dev/cairn/internal/build"
	"cairn.dev/cairn/internal/module"
	"cairn.dev/cairn/internal/store/local"
	"cairn.dev/cairn/internal/system"
)

// systemExpr is the expression whose value is the toplevel of the
// configuration in file: cairn's modules and the user's, with the
// configuration's git revision as the default of
// system.configurationRevision.
func systemExpr(ctx context.Context, env *Env, file string) (string, error) {
	abs := file
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(env.Dir, abs)
	}
	o := module.SystemOptions{CairnVersion: Version()}
	rev, err := system.ConfigRevision(ctx, system.ExecRunner, filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	if rev != nil {
		o.Revision, o.Dirty = rev.Rev, rev.Dirty
	}
	return "(" + module.SystemExpr(abs, o) + ").toplevel", nil
}

// buildSystem evaluates and builds the toplevel of a configuration file
// into the store under root and returns its store path. Nothing of the
// running system changes: a configuration that does not evaluate or build
// leaves the root as it was (apart from store objects, which are
// immutable and unreferenced until a generation points at them).
func buildSystem(ctx context.Context, env *Env, root, file string, jobs int) (string, int) {
	expr, err := systemExpr(ctx, env, file)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return "", exitFailure
	}
	st, err := local.Open(ctx, local.Options{Root: root})
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return "", exitFailure
	}
	defer st.Close()
	// The configuration's channels: their indexes are store paths too.
	if lock, err := channel.ReadLock(filepath.Join(configDir(env, file), channel.LockName)); err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return "", exitFailure
	} else if err := addIndexes(ctx, env, st, lock); err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return "", exitFailure
	}
	ef := &evalFlags{exprs: []string{expr}, attrPaths: []string{""}, location: true, storeDir: st.StoreDir(), lockDir: configDir(env, file)}
	drvs, code := instantiate(ctx, env, ef, st)
	if code != exitOK {
		return "", code
	}
	opts, err := buildOptions(env, st, root, jobs, nil, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return "", exitFailure
	}
	b, err := build.New(opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return "", exitFailure
	}
	res, err := b.Realise(ctx, drvs)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return "", exitFailure
	}
	return res[drvs[0]]["out"], exitOK
}

// configDir returns the folder of a configuration file: where its
// cairn.lock is.
func configDir(env *Env, file string) string {
	if !filepath.IsAbs(file) {
		file = filepath.Join(env.Dir, file)
	}
	return filepath.Dir(file)
}
