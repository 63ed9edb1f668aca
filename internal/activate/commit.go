package activate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/system"
)

// StagingName is the name of the staging folders: a switch writes every
// new file and link of the root into the staging folder of its area (on
// the same file system as its target) before the commit renames it into
// place.
const StagingName = ".cairn-staging"

// stagingAreas maps the in-root folders a commit writes to their staging
// folders, each inside its area so that a rename never crosses file
// systems (/run and /boot are usually file systems of their own).
func stagingAreas() [][2]string {
	return [][2]string{
		{"/etc", "/etc/" + StagingName},
		{"/nix/var/nix", system.ProfilesDir + "/" + StagingName},
		{"/run", "/run/cairn/" + StagingName},
		{"/boot", "/boot/loader/" + StagingName},
		{StateDir, StateDir + "/" + StagingName},
	}
}

// StagingDirs lists the in-root staging folders.
func StagingDirs() []string {
	var out []string
	for _, a := range stagingAreas() {
		out = append(out, a[1])
	}
	return out
}

func stagingDir(path string) (string, error) {
	for _, a := range stagingAreas() {
		if strings.HasPrefix(path, a[0]+"/") {
			return a[1], nil
		}
	}
	return "", fmt.Errorf("%s: outside the folders a switch writes", path)
}

// CommitOp is one operation of a commit, on in-root paths.
type CommitOp struct {
	Op    string `json:"op"`             // "rename" or "remove"
	From  string `json:"from,omitempty"` // rename: the staged entry
	Path  string `json:"path"`           // the target
	Prune string `json:"prune,omitempty"`
	// Prune, for remove: folders left empty are removed too, up to (not
	// including) this one.
}

func (op CommitOp) String() string {
	if op.Op == "rename" {
		return "rename " + op.From + " -> " + op.Path
	}
	return "remove " + op.Path
}

// stager writes the new files and links into the staging folders and
// collects the operations that put them in place.
type stager struct {
	root system.Root
	ops  []CommitOp
	dirs map[string]bool // staging folders made
}

func (s *stager) stagedPath(path string) (string, error) {
	dir, err := stagingDir(path)
	if err != nil {
		return "", err
	}
	if !s.dirs[dir] {
		host := s.root.Host(dir)
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			return "", err
		}
		if err := os.Mkdir(host, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return "", err
		}
		if s.dirs == nil {
			s.dirs = map[string]bool{}
		}
		s.dirs[dir] = true
	}
	if err := sameFS(s.root.Host(dir), s.root.Host(filepath.Dir(path))); err != nil {
		return "", fmt.Errorf("cannot stage %s: %w", path, err)
	}
	return filepath.Join(dir, strconv.Itoa(len(s.ops)+1)+"-"+filepath.Base(path)), nil
}

// sameFS checks that a rename from the folder staging into the folder dir
// (or, while dir does not exist, its nearest parent that does) stays on
// one file system, so that the commit cannot fail half-way with EXDEV.
func sameFS(staging, dir string) error {
	var a, b syscall.Stat_t
	if err := syscall.Stat(staging, &a); err != nil {
		return err
	}
	for {
		err := syscall.Stat(dir, &b)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ENOTDIR) || filepath.Dir(dir) == dir {
			return err
		}
		dir = filepath.Dir(dir)
	}
	if a.Dev != b.Dev {
		return fmt.Errorf("%s is on another file system than %s", dir, staging)
	}
	return nil
}

// link stages path as a link to target (with its own mtime, unless zero).
func (s *stager) link(path, target string, mtime time.Time) error {
	staged, err := s.stagedPath(path)
	if err != nil {
		return err
	}
	host := s.root.Host(staged)
	os.Remove(host)
	if err := os.Symlink(target, host); err != nil {
		return fmt.Errorf("staging %s: %w", path, err)
	}
	if !mtime.IsZero() {
		system.Lutimes(host, mtime)
	}
	s.ops = append(s.ops, CommitOp{Op: "rename", From: staged, Path: path})
	return nil
}

// file stages path as a file (uid, gid -1: the writer's).
func (s *stager) file(path string, data []byte, mode os.FileMode, uid, gid int) error {
	staged, err := s.stagedPath(path)
	if err != nil {
		return err
	}
	if err := writeOwned(s.root.Host(staged), data, mode, uid, gid); err != nil {
		return fmt.Errorf("staging %s: %w", path, err)
	}
	s.ops = append(s.ops, CommitOp{Op: "rename", From: staged, Path: path})
	return nil
}

// entry stages e unless the root holds it already.
func (s *stager) entry(e system.Entry) error {
	if e.Holds(s.root) {
		return nil
	}
	if e.Link != "" {
		return s.link(e.Path, e.Link, e.ModTime)
	}
	return s.file(e.Path, e.Data, e.Mode, -1, -1)
}

func (s *stager) remove(path, prune string) {
	s.ops = append(s.ops, CommitOp{Op: "remove", Path: path, Prune: prune})
}

// finish makes the staged links durable (the files were synced one by
// one) and returns the operations.
func (s *stager) finish() ([]CommitOp, error) {
	for dir := range s.dirs {
		if err := atomicfile.SyncDir(s.root.Host(dir)); err != nil {
			return nil, err
		}
	}
	return s.ops, nil
}

// stage writes everything the plan changes in the root's links, /etc,
// user database and boot loader files into the staging folders, and
// returns the commit's operations in the order they run: the profile's
// (GC root, generation link, boot entries, profile link, loader.conf,
// removed generation), the user database (group, passwd, shadow, the
// declared names), /etc (static, added and replaced files, removed
// files, the manifest), and last run/booted-system and
// run/current-system. The only files it writes outside the staging
// folders are the id maps, which only ever grow.
func (a *Activator) stage(p *Plan) ([]CommitOp, error) {
	s := &stager{root: a.Root}
	if p.ToGeneration > 0 || p.DropGeneration > 0 {
		now := time.Now()
		if a.Profiles.Now != nil {
			now = a.Profiles.Now()
		}
		put, remove, err := a.Profiles.Entries(system.ProfileChange{To: p.ToGeneration, Toplevel: p.New.Path, Drop: p.DropGeneration, Now: now})
		if err != nil {
			return nil, err
		}
		for _, e := range put {
			if err := s.entry(e); err != nil {
				return nil, err
			}
		}
		for _, r := range remove {
			s.remove(r, "")
		}
	}
	if p.Activates() {
		if err := stageUsers(s, p.Users); err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		if err := stageEtc(s, p.Etc); err != nil {
			return nil, fmt.Errorf("etc: %w", err)
		}
		for _, e := range a.Profiles.CurrentSystemEntries(p.New.Path) {
			if err := s.entry(e); err != nil {
				return nil, err
			}
		}
	}
	return s.finish()
}

// commit is the commit point and what follows it: the journal records
// the operations (one atomic rename of the journal: from here on the
// switch is rolled forward, never back), the operations run in order,
// the journal records that they are done, and the staging folders go.
func (a *Activator) commit(j *Journal, ops []CommitOp) error {
	j.Phase, j.Commit = PhaseCommit, ops
	if err := writeJournal(a.Root, j); err != nil {
		return err
	}
	if err := replay(a.Root, ops, a.BeforeCommitOp); err != nil {
		return err
	}
	j.Phase, j.Commit = PhaseCommitted, nil
	if err := writeJournal(a.Root, j); err != nil {
		return err
	}
	return removeStaging(a.Root)
}

// replay runs a commit's operations in order. Each one is idempotent: a
// rename whose staged entry is gone was made before (by an interrupted
// commit), a remove of what is gone was made before. The folders changed
// are synced at the end.
func replay(root system.Root, ops []CommitOp, before func(n int, op CommitOp)) error {
	sync := map[string]bool{}
	for i, op := range ops {
		if before != nil {
			before(i+1, op)
		}
		target := root.Host(op.Path)
		switch op.Op {
		case "rename":
			from := root.Host(op.From)
			if _, err := os.Lstat(from); errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err := mkdirs(filepath.Dir(target), sync); err != nil {
				return fmt.Errorf("commit: %w", err)
			}
			if err := os.Rename(from, target); err != nil {
				return fmt.Errorf("commit: %w", err)
			}
		case "remove":
			if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("commit: removing %s: %w", op.Path, err)
			}
			if op.Prune != "" {
				for dir := filepath.Dir(op.Path); strings.HasPrefix(dir, op.Prune+"/"); dir = filepath.Dir(dir) {
					if os.Remove(root.Host(dir)) != nil {
						break
					}
					sync[filepath.Dir(root.Host(dir))] = true
				}
			}
		default:
			return fmt.Errorf("commit: unknown operation %q on %s", op.Op, op.Path)
		}
		sync[filepath.Dir(target)] = true
	}
	dirs := make([]string, 0, len(sync))
	for d := range sync {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if _, err := os.Stat(d); err != nil {
			continue // pruned since
		}
		if err := atomicfile.SyncDir(d); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
	}
	return nil
}

// mkdirs makes dir and its missing parents (0755), noting the folders
// whose entries changed.
func mkdirs(dir string, sync map[string]bool) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a folder", dir)
		}
		return nil
	}
	if err := mkdirs(filepath.Dir(dir), sync); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	sync[filepath.Dir(dir)] = true
	return nil
}

func removeStaging(root system.Root) error {
	for _, d := range StagingDirs() {
		if err := os.RemoveAll(root.Host(d)); err != nil {
			return err
		}
	}
	return nil
}

// Settle readies the root for the plan that completes or undoes the
// interrupted switch recorded in j: a commit under way is finished (its
// operations run again in order; those made before are skipped), then
// the staging folders and the temporaries of killed atomic writes are
// removed. It reports whether the switch had passed its commit point:
// if not, the root's links, /etc and user database are still exactly
// those of the generation it came from.
func (a *Activator) Settle(j *Journal) (committed bool, err error) {
	if j.Phase == PhaseCommit {
		if err := replay(a.Root, j.Commit, nil); err != nil {
			return true, err
		}
		j.Phase, j.Commit = PhaseCommitted, nil
		if err := writeJournal(a.Root, j); err != nil {
			return true, err
		}
	}
	cleanTemps(a.Root)
	if err := removeStaging(a.Root); err != nil {
		return false, err
	}
	return j.Phase != PhasePrepare, nil
}
