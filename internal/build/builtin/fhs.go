package builtin

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/pkgs/fhs"
)

// fhs makes an "fhs" entry: the root folder of a confined service
// (RootDirectory=). fhs.Layout lays the packages out as Debian does
// (merged /usr, the first package winning a collision); a folder only one
// package provides becomes a link to that folder in the store, a folder
// several provide a real folder of links, so the root holds no copy of a
// package. The mount points are empty folders: the store path is
// read-only, so whatever the service's namespace mounts (the store, /etc,
// /proc, state folders) needs its folder made here.
func (b *filesBuild) fhs(e Entry, dest string) error {
	rel := e.Path
	if rel == "" {
		rel = "."
	}
	if err := b.mkdirs(rel); err != nil {
		return err
	}
	var pkgs []fhs.Package
	for _, src := range e.Sources {
		host, err := b.source(src)
		if err != nil {
			return err
		}
		if path.Dir(src) != b.r.StoreDir {
			return fmt.Errorf("fhs source %q is not a store path", src)
		}
		pkgs = append(pkgs, fhs.Package{Path: src, Real: host})
	}
	plan, err := fhs.Layout(pkgs, e.MountPoints)
	if err != nil {
		return err
	}
	// Bind sources are host paths; in the output they are links to the
	// same folder by its store path.
	logical := func(host string) string {
		for _, p := range pkgs {
			if host == p.Real || strings.HasPrefix(host, p.Real+"/") {
				return p.Path + host[len(p.Real):]
			}
		}
		return host
	}
	for _, st := range plan.Steps {
		if err := b.ctx.Err(); err != nil {
			return err
		}
		t := filepath.Join(dest, st.Target)
		switch st.Kind {
		case fhs.Dir:
			err = os.Mkdir(t, 0o755)
		case fhs.Symlink:
			err = os.Symlink(st.Source, t)
		case fhs.Bind:
			err = os.Symlink(logical(st.Source), t)
		}
		if err != nil {
			return fmt.Errorf("fhs: %s: %w", st, err)
		}
	}
	for _, m := range e.MountPoints {
		if err := os.MkdirAll(filepath.Join(dest, m), 0o755); err != nil {
			return fmt.Errorf("fhs: mount point %s: %w", m, err)
		}
	}
	return nil
}
