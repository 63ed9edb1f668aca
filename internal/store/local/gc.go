package local

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"cairn.dev/cairn/internal/store/nar"
)

// GC roots live below these folders (logical paths under the root).
const (
	GCRootsDir  = "/nix/var/nix/gcroots"
	ProfilesDir = "/nix/var/nix/profiles"
)

// Roots finds the garbage collector's roots: every symlink below
// ROOT/nix/var/nix/gcroots and ROOT/nix/var/nix/profiles that leads,
// possibly through other symlinks (indirect roots such as
// gcroots/auto/X -> /home/u/result -> /nix/store/...), to a store path.
// It returns the store paths with the links that root them.
func (s *Store) Roots() (map[string][]string, error) {
	roots := map[string][]string{}
	seenDirs := map[string]bool{}
	var walk func(real string, depth int) error
	walk = func(real string, depth int) error {
		if depth > 40 {
			return nil
		}
		fi, err := os.Lstat(real)
		if err != nil {
			return nil // dangling indirect roots are skipped, as Nix does
		}
		switch {
		case fi.IsDir():
			if seenDirs[real] {
				return nil
			}
			seenDirs[real] = true
			ents, err := os.ReadDir(real)
			if err != nil {
				return fmt.Errorf("reading GC roots: %w", err)
			}
			for _, e := range ents {
				if err := walk(filepath.Join(real, e.Name()), depth+1); err != nil {
					return err
				}
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(real)
			if err != nil {
				return nil
			}
			if !filepath.IsAbs(target) {
				// Relative to the link's folder, which is below the root.
				rel, err := filepath.Rel(s.root, filepath.Join(filepath.Dir(real), target))
				if err != nil || strings.HasPrefix(rel, "..") {
					return nil
				}
				target = "/" + rel
			}
			if sp, err := s.ParsePath(target); err == nil {
				roots[sp] = append(roots[sp], s.logical(real))
				return nil
			}
			// A link out of the store: the file it names, below the
			// root first, else on the host (indirect roots name the
			// host's ./result links).
			next := filepath.Join(s.root, target)
			if _, err := os.Lstat(next); err != nil {
				next = target
			}
			return walk(next, depth+1)
		}
		return nil
	}
	for _, d := range []string{GCRootsDir, ProfilesDir} {
		if err := walk(s.RealPath(d), 0); err != nil {
			return nil, err
		}
	}
	return roots, nil
}

// logical returns the logical path of a host path below the root (the
// host path itself when it is not below it).
func (s *Store) logical(real string) string {
	rel, err := filepath.Rel(s.root, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return real
	}
	return "/" + rel
}

// AddIndirectRoot makes link (a host path, such as ./result) a GC root:
// ROOT/nix/var/nix/gcroots/auto/HASH points to it.
func (s *Store) AddIndirectRoot(link string) error {
	abs, err := filepath.Abs(link)
	if err != nil {
		return err
	}
	dir := s.RealPath(GCRootsDir + "/auto")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(dir, fmt.Sprintf("%x", hashString(abs)))
	tmp := name + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(abs, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// AddRoot makes the store path target a direct GC root named name under
// ROOT/nix/var/nix/gcroots (replacing the link atomically).
func (s *Store) AddRoot(name, target string) error {
	if _, err := s.ParsePath(target); err != nil {
		return err
	}
	link := filepath.Join(s.RealPath(GCRootsDir), name)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	tmp := link + ".tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, link)
}

func hashString(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// GCResult reports what the garbage collector deleted.
type GCResult struct {
	Deleted []string // store paths (registered or not), sorted
	Freed   int64    // bytes, as the sum of the deleted files' sizes
}

// GC deletes every store path that is not in the closure of the roots
// (with the derivations that live paths were built from), and
// unregistered objects left by crashed writers, unless Nix's database is
// under the same root (then unregistered objects may be Nix's and stay). It waits until no other
// process has the store open.
func (s *Store) GC(ctx context.Context) (*GCResult, error) {
	if err := flock(ctx, s.gcLock, syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("waiting for other cairn processes to close the store: %w", err)
	}
	defer syscall.Flock(int(s.gcLock.Fd()), syscall.LOCK_SH)
	roots, err := s.Roots()
	if err != nil {
		return nil, err
	}
	infos, err := s.ValidPaths()
	if err != nil {
		return nil, err
	}
	byPath := map[string]*PathInfo{}
	for _, i := range infos {
		byPath[i.Path] = i
	}
	live := map[string]bool{}
	var stack []string
	for r := range roots {
		stack = append(stack, r)
	}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, ok := byPath[p]
		if !ok || live[p] {
			continue
		}
		live[p] = true
		stack = append(stack, i.References...)
		if i.Deriver != "" {
			stack = append(stack, i.Deriver)
		}
	}
	res := &GCResult{}
	var dead []string
	for _, i := range infos {
		if !live[i.Path] {
			dead = append(dead, i.Path)
		}
	}
	// Unregister first: a crash then leaves unregistered files, which the
	// next collection removes.
	s.valid.Clear()
	if err := s.withDB(func(t *dbTx) error {
		for _, p := range dead {
			if err := t.delete(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(s.realStore)
	if err != nil {
		return nil, err
	}
	// A store directory shared with a Nix installation holds Nix's
	// objects, unregistered here: leave every unregistered entry alone.
	_, err = os.Stat(filepath.Join(s.root, "nix/var/nix/db/db.sqlite"))
	nixOwned := err == nil
	deadSet := map[string]bool{}
	for _, p := range dead {
		deadSet[p] = true
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".cairn-") {
			// Scratch folders of builds and temporary names of writers:
			// with the lock held exclusively no other cairn process has
			// the store open, so these are left over from crashes.
			if err := removeAll(filepath.Join(s.realStore, e.Name())); err != nil {
				return res, fmt.Errorf("removing '%s': %w", e.Name(), err)
			}
			continue
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := s.storeDir + "/" + e.Name()
		if !deadSet[p] {
			if _, ok := byPath[p]; ok {
				continue
			}
			if nixOwned {
				continue // may be Nix's: its database is not ours to read
			}
			// Unregistered: skip it while someone holds its lock.
			l, ok, err := s.tryLockPath(p)
			if err != nil || !ok {
				continue
			}
			l.Unlock()
		}
		n := treeSize(s.RealPath(p))
		if err := removeAll(s.RealPath(p)); err != nil {
			return res, fmt.Errorf("deleting '%s': %w", p, err)
		}
		res.Deleted = append(res.Deleted, p)
		res.Freed += n
	}
	sort.Strings(res.Deleted)
	return res, syncFile(s.realStore)
}

func treeSize(p string) int64 {
	var n int64
	filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err == nil {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// Problem is a valid path that failed verification.
type Problem struct {
	Path string
	Msg  string
}

// Verify checks every valid path: it exists, its references are valid,
// and with contents its NAR hash and size still match the record.
func (s *Store) Verify(ctx context.Context, contents bool) ([]Problem, error) {
	infos, err := s.ValidPaths()
	if err != nil {
		return nil, err
	}
	valid := map[string]bool{}
	for _, i := range infos {
		valid[i.Path] = true
	}
	var probs []Problem
	for _, i := range infos {
		if err := ctx.Err(); err != nil {
			return probs, err
		}
		if _, err := os.Lstat(s.RealPath(i.Path)); err != nil {
			probs = append(probs, Problem{i.Path, "registered but missing from the store"})
			continue
		}
		for _, r := range i.References {
			if !valid[r] {
				probs = append(probs, Problem{i.Path, fmt.Sprintf("refers to '%s', which is not valid", r)})
			}
		}
		if !contents {
			continue
		}
		h, n, err := nar.HashPath(ctx, s.RealPath(i.Path), nil)
		if err != nil {
			probs = append(probs, Problem{i.Path, fmt.Sprintf("hashing: %v", err)})
			continue
		}
		if !h.Equal(i.NarHash) || n != i.NarSize {
			probs = append(probs, Problem{i.Path, fmt.Sprintf("contents changed: NAR hash is %s (%d bytes), recorded %s (%d bytes)", h, n, i.NarHash, i.NarSize)})
		}
	}
	return probs, nil
}
