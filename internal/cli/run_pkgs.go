package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"cairn.dev/cairn/internal/build"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/pkgs/channel"
	"cairn.dev/cairn/internal/pkgs/debexpr"
	"cairn.dev/cairn/internal/pkgs/debian"
	"cairn.dev/cairn/internal/store/local"
)

// runPackages makes `cairn run NAME...` work: it writes the Nix
// expression of the names from the channels pinned in cairn.lock beside
// config (or in the current folder), evaluates `pkgs.NAME` for each,
// builds them into st (the .deb files are fixed-output downloads from
// the channel's mirror) and returns the unpacked packages, each name's
// own package before its dependencies.
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
	// Each name comes from the first channel that has it.
	cache := debian.DefaultCacheDir(env.Getenv)
	type pick struct {
		c     *channel.Channel
		idx   *debian.Index
		names []string
	}
	var picks []*pick
	byName := map[string]*pick{}
	for i := range lock.Channels {
		c := &lock.Channels[i]
		idx, err := c.Index(ctx, c.Client(cache, nil))
		if err != nil {
			return nil, err
		}
		p := &pick{c: c, idx: idx}
		picks = append(picks, p)
		for _, n := range names {
			if byName[n] == nil && len(idx.Lookup(n)) > 0 {
				byName[n] = p
				p.names = append(p.names, n)
			}
		}
	}
	for _, n := range names {
		if byName[n] == nil {
			// The first channel's error names the nearest package.
			picks[0].names = []string{n}
			byName[n] = picks[0]
		}
	}
	var drvs []string
	closures := map[string][]string{} // name -> .drv of its unpacked closure
	for _, p := range picks {
		if len(p.names) == 0 {
			continue
		}
		var src bytes.Buffer
		if err := debexpr.Generate(&src, p.c, p.idx, p.names); err != nil {
			return nil, err
		}
		fset := token.NewFileSet()
		ev := newEvaluatorStore(ctx, env, fset, &evalFlags{storeDir: st.StoreDir()}, st)
		v, err := ev.EvalString(src.String(), filepath.Dir(lockPath))
		if err == nil {
			v, err = ev.AutoCall(v, eval.NewAttrs(nil))
		}
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", p.c.Name, err)
		}
		for _, n := range p.names {
			var pkg []string
			for _, ap := range []string{quoteAttr(n), quoteAttr(n) + ".closure"} {
				sel, err := ev.SelectAttrPath(v, ap, nil)
				if err == nil {
					err = collectDerivations(ev, sel, 0, func(d string) { pkg = append(pkg, d) })
				}
				if err != nil {
					return nil, fmt.Errorf("pkgs.%s: %w", n, err)
				}
			}
			drvs = append(drvs, pkg...)
			closures[n] = pkg[1:]
		}
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
	for _, n := range names {
		for _, d := range closures[n] {
			out = append(out, res[d]["out"])
		}
	}
	return out, nil
}

// quoteAttr quotes a package name as an attribute path element.
func quoteAttr(n string) string {
	return `"` + strings.ReplaceAll(n, `"`, `\"`) + `"`
}
