package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"cairn.dev/cairn/internal/build"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/pkgs/channel"
	"cairn.dev/cairn/internal/store/local"
)

// runPackages makes `cairn run NAME...` work: it evaluates `pkgs.NAME`
// for each name (a Debian name, an alias such as postgresql_15, or
// pkgs.NAME) from the channels pinned in cairn.lock beside config (or in
// the current folder), exactly as a configuration's pkgs does, builds
// them into st (the .deb files are fixed-output downloads from the
// channel's mirror) and returns the unpacked packages, each name's own
// package before its dependencies.
func runPackages(ctx context.Context, env *Env, st *local.Store, root, config string, names []string) ([]string, error) {
	cf := &channelFlags{config: config}
	lockPath := cf.lockPath(env)
	lock, err := channel.ReadLock(lockPath)
	if err != nil {
		return nil, err
	}
	if len(lock.Channels) == 0 {
		return nil, fmt.Errorf("no channels in %s (add one with 'cairn channel add')", lockPath)
	}
	var expr strings.Builder
	expr.WriteString("let pkgs = import <cairn/pkgs> { }; in [")
	for _, n := range names {
		expr.WriteString(" pkgs." + quoteAttr(strings.TrimPrefix(n, "pkgs.")))
	}
	expr.WriteString(" ]")
	fset := token.NewFileSet()
	ev := newEvaluatorStore(ctx, env, fset, &evalFlags{storeDir: st.StoreDir(), lockDir: filepath.Dir(lockPath)}, st)
	v, err := ev.EvalString(expr.String(), filepath.Dir(lockPath))
	if err == nil {
		v, err = ev.Force(v)
	}
	if err != nil {
		return nil, missingPackage(env, err)
	}
	list, ok := v.(*eval.List)
	if !ok || len(list.Elems) != len(names) {
		return nil, fmt.Errorf("evaluating the packages gave %T, not a list of %d", v, len(names))
	}
	var drvs []string
	closures := make([][]string, len(names)) // .drv of each name's unpacked closure
	for i, item := range list.Elems {
		var pkg []string
		collect := func(d string) { pkg = append(pkg, d) }
		if err := collectDerivations(ev, item, 0, collect); err != nil {
			return nil, missingPackage(env, fmt.Errorf("pkgs.%s: %w", names[i], err))
		}
		cl, err := ev.SelectAttrPath(item, "closure", nil)
		if err == nil {
			err = collectDerivations(ev, cl, 0, collect)
		}
		if err != nil {
			return nil, fmt.Errorf("pkgs.%s is not a Debian package: %w", names[i], err)
		}
		drvs = append(drvs, pkg...)
		closures[i] = pkg[1:]
	}
	// Fetching and unpacking .debs is I/O and decompression: one job per
	// CPU.
	opts, err := buildOptions(env, st, root, runtime.NumCPU(), nil, nil)
	if err != nil {
		return nil, err
	}
	b, err := build.New(opts)
	if err != nil {
		return nil, err
	}
	res, err := b.Realise(ctx, drvs)
	if err != nil {
		return nil, err
	}
	var out []string
	for i := range names {
		for _, d := range closures[i] {
			out = append(out, res[d]["out"])
		}
	}
	return out, nil
}

// quoteAttr quotes a package name as an attribute path element.
func quoteAttr(n string) string {
	return `"` + strings.ReplaceAll(n, `"`, `\"`) + `"`
}

// missingPackage replaces an evaluation error for a package name no
// channel has by the channels' explanation.
func missingPackage(env *Env, err error) error {
	var ee *eval.Error
	if env.debian == nil || !errors.As(err, &ee) {
		return err
	}
	if h := missingHint(env, ee.Msg); h != "" {
		return errors.New(h)
	}
	return err
}

// missingHint is the channels' explanation of an "attribute 'NAME'
// missing" message, or "".
func missingHint(env *Env, msg string) string {
	if env.debian == nil {
		return ""
	}
	rest, ok := strings.CutPrefix(msg, "attribute '")
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, "' missing")
	if !ok {
		return ""
	}
	return env.debian.MissingHint(name)
}
