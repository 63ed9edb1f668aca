package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/build"
	"cairn.dev/cairn/internal/build/sandbox"
	"cairn.dev/cairn/internal/nixconf"
	"cairn.dev/cairn/internal/pkgs/debian"
	"cairn.dev/cairn/internal/store/binarycache"
	"cairn.dev/cairn/internal/store/local"
)

// buildOptions composes the build engine's options: the jobs given, the
// binary caches and keys given on the command line or else configured in
// ROOT/etc/nix/nix.conf (substituters, trusted-public-keys, as Nix reads
// them), and the sandbox paths: the defaults (/bin/sh and its closure)
// plus nix.conf's sandbox-paths; the download cache is the Debian
// channel's cache folder.
func buildOptions(env *Env, st *local.Store, root string, jobs int, subURLs, keyArgs []string) (build.Options, error) {
	// Downloads (builtin:cairn-fetchurl) share the Debian channel's cache
	// of files by hash.
	o := build.Options{Store: st, Jobs: jobs, Progress: env.Stderr, Downloads: debian.DefaultCacheDir(env.Getenv)}
	conf, err := nixconf.Load(filepath.Join(root, "etc", "nix", "nix.conf"))
	if err != nil {
		return o, err
	}
	if len(subURLs) == 0 {
		for _, u := range conf.List("substituters") {
			if strings.HasPrefix(u, "file://") {
				subURLs = append(subURLs, u)
			} else {
				fmt.Fprintf(env.Stderr, "warning: substituter '%s' (nix.conf) skipped: only file:// caches are supported\n", u)
			}
		}
		if len(subURLs) > 0 && len(keyArgs) == 0 {
			keyArgs = conf.List("trusted-public-keys")
		}
	}
	if len(subURLs) > 0 {
		keys, err := trustedKeys(env, keyArgs)
		if err != nil {
			return o, err
		}
		for _, u := range subURLs {
			c, err := binarycache.Open(u, st.StoreDir(), "")
			if err != nil {
				return o, err
			}
			o.Substituters = append(o.Substituters, build.Substituter{Cache: c, Trusted: keys})
		}
	}
	extra, err := conf.SandboxPaths()
	if err != nil {
		return o, err
	}
	if len(extra) > 0 {
		paths, err := sandbox.DefaultPaths()
		if err != nil {
			return o, err
		}
		for t, s := range extra {
			paths[t] = s
		}
		o.Paths = paths
	}
	return o, nil
}
