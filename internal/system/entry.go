package system

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
)

// Entry is one file or symbolic link of a root's state, named by its
// in-root path: what a switch puts in place.
type Entry struct {
	Path    string      // in-root
	Link    string      // a link's target; "" for a file
	Data    []byte      // a file's content
	Mode    os.FileMode // a file's mode
	ModTime time.Time   // a link's own mtime (zero: when it is made)
}

// Holds reports whether the root already has e (same link target, or a
// regular file with the same content and mode).
func (e Entry) Holds(r Root) bool {
	host := r.Host(e.Path)
	if e.Link != "" {
		cur, err := os.Readlink(host)
		return err == nil && cur == e.Link
	}
	fi, err := os.Lstat(host)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != e.Mode.Perm() {
		return false
	}
	data, err := os.ReadFile(host)
	return err == nil && bytes.Equal(data, e.Data)
}

// ProfileChange says how a switch moves the system profile.
type ProfileChange struct {
	To       int       // the generation the profile points to after (0: it stays)
	Toplevel string    // generation To's toplevel (in-root)
	Drop     int       // a generation to delete (0: none)
	Now      time.Time // the date of generation To when this change makes it
}

// Entries returns what a change of the profile puts in place, in this
// order: the GC root of the profiles, generation To's link (when it does
// not exist yet), the boot entries, the profile link, loader.conf; and
// the in-root paths it removes: the dropped generation's link and the
// boot entries of generations that are gone. Entries the root already
// holds are left out. Nothing is written.
func (p *Profiles) Entries(ch ProfileChange) (put []Entry, remove []string, err error) {
	list, err := p.List()
	if err != nil {
		return nil, nil, err
	}
	var gens []Info
	exists := false
	for _, in := range list {
		if in.Number == ch.Drop && ch.Drop != ch.To {
			continue
		}
		exists = exists || in.Number == ch.To
		gens = append(gens, in)
	}
	want := func(e Entry) {
		if !e.Holds(p.Root) {
			put = append(put, e)
		}
	}
	current, err := p.Current()
	if err != nil {
		return nil, nil, err
	}
	if ch.To > 0 {
		current = ch.To
		want(Entry{Path: filepath.Join(GCRootsDir, "profiles"), Link: ProfilesDir})
		if !exists {
			in := Info{Number: ch.To, Date: ch.Now.UTC(), Toplevel: ch.Toplevel}
			if tl, err := p.Root.ReadToplevel(ch.Toplevel); err == nil {
				in.Revision = tl.Gen.ConfigurationRevision
			}
			gens = append(gens, in)
			sort.Slice(gens, func(i, j int) bool { return gens[i].Number < gens[j].Number })
			want(Entry{Path: p.inRootLink(ch.To), Link: ch.Toplevel, ModTime: ch.Now})
		}
	}
	if ch.Drop > 0 && ch.Drop != ch.To {
		if _, err := os.Lstat(p.LinkPath(ch.Drop)); err == nil {
			remove = append(remove, p.inRootLink(ch.Drop))
		}
	}
	keep := map[string]bool{}
	for _, in := range gens {
		keep[entryName(in.Number)] = true
		want(Entry{Path: filepath.Join(EntriesDir, entryName(in.Number)), Data: p.bootEntry(in), Mode: 0o644})
	}
	ents, _ := os.ReadDir(p.Root.Host(EntriesDir))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "cairn-generation-") && strings.HasSuffix(e.Name(), ".conf") && !keep[e.Name()] {
			remove = append(remove, filepath.Join(EntriesDir, e.Name()))
		}
	}
	if ch.To > 0 {
		want(Entry{Path: filepath.Join(ProfilesDir, ProfileName), Link: filepath.Base(p.LinkPath(ch.To))})
	}
	if len(gens) > 0 {
		if current == 0 {
			current = gens[len(gens)-1].Number
		}
		conf, err := p.loaderConf(current)
		if err != nil {
			return nil, nil, err
		}
		want(Entry{Path: LoaderConf, Data: conf, Mode: 0o644})
	}
	return put, remove, nil
}

// CurrentSystemEntries returns what activating toplevel puts in place:
// run/booted-system on a first activation, then run/current-system.
// Entries the root already holds are left out.
func (p *Profiles) CurrentSystemEntries(toplevel string) []Entry {
	var out []Entry
	if _, err := os.Lstat(p.Root.Host(BootedSystem)); errors.Is(err, os.ErrNotExist) {
		out = append(out, Entry{Path: BootedSystem, Link: toplevel})
	}
	if e := (Entry{Path: CurrentSystem, Link: toplevel}); !e.Holds(p.Root) {
		out = append(out, e)
	}
	return out
}

// Put writes entries and removes paths directly, each atomically (for
// changes outside a switch's commit, such as gc's).
func (p *Profiles) Put(put []Entry, remove []string) error {
	for _, e := range put {
		host := p.Root.Host(e.Path)
		if e.Link != "" {
			if _, err := atomicfile.Symlink(e.Link, host); err != nil {
				return err
			}
			if !e.ModTime.IsZero() {
				Lutimes(host, e.ModTime)
			}
			continue
		}
		if _, err := atomicfile.WriteFile(host, e.Data, e.Mode); err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
	}
	for _, r := range remove {
		if err := os.Remove(p.Root.Host(r)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (p *Profiles) inRootLink(n int) string {
	return filepath.Join(ProfilesDir, filepath.Base(p.LinkPath(n)))
}
