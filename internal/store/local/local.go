// Package local is cairn's local store: store objects under a root folder
// (ROOT/nix/store/x holds the store path /nix/store/x, as in Nix's chroot
// stores) and a database of the valid paths with their NAR hash and size,
// references, deriver, signatures, registration time and content address.
//
// A store object is written under a temporary name in the store
// directory, canonicalised (read-only, mtime 1, no setuid or setgid bits,
// owned by root), synced, renamed into place and only then registered in
// one database transaction, so a crash never leaves a registered path
// half-written. Once registered an object never changes until the garbage
// collector deletes it. Adding or building a path holds a lock on it
// (flock on ROOT/nix/var/cairn/locks/NAME.lock), and every open Store holds
// a shared lock that the garbage collector takes exclusively, so
// concurrent cairn processes are safe.
//
// Store implements eval.Store: AddText, AddPath and Derivation compute
// their paths exactly as the dry store does (it is embedded) and then
// write and register the objects.
package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/dry"
	"cairn.dev/cairn/internal/store/storepath"
)

// Options configure a local store.
type Options struct {
	Root     string // folder holding nix/store and nix/var; "/" by default
	StoreDir string // logical store directory; storepath.DefaultStoreDir by default
	// Now gives registration times; time.Now by default.
	Now func() time.Time
}

// Store is a local store. It is safe for concurrent use by goroutines and
// by processes.
type Store struct {
	*dry.Store // path computation, shared with `cairn eval`

	root      string
	storeDir  string
	realStore string // ROOT + storeDir
	stateDir  string // ROOT/nix/var/cairn
	now       func() time.Time

	dbMu   sync.Mutex // one open of the database at a time in this process
	dbPath string

	gcLock *os.File // shared while open, exclusive while collecting

	// valid caches paths known to be valid: a valid path stays valid
	// until this store collects garbage (other processes cannot while
	// this one has the store open).
	valid sync.Map
}

var _ eval.Store = (*Store)(nil)

// Open opens (creating it if needed) the store under opts.Root. Temporary
// files left by a crashed writer are removed.
func Open(ctx context.Context, opts Options) (*Store, error) {
	root := opts.Root
	if root == "" {
		root = "/"
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	storeDir := opts.StoreDir
	if storeDir == "" {
		storeDir = storepath.DefaultStoreDir
	}
	storeDir = strings.TrimSuffix(filepath.Clean(storeDir), "/")
	if !filepath.IsAbs(storeDir) {
		return nil, fmt.Errorf("store directory '%s' is not absolute", storeDir)
	}
	s := &Store{
		Store:     dry.New(storeDir),
		root:      root,
		storeDir:  storeDir,
		realStore: filepath.Join(root, storeDir),
		stateDir:  filepath.Join(root, "nix/var/cairn"),
		now:       opts.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.dbPath = filepath.Join(s.stateDir, "db", "store.db")
	for _, d := range []string{filepath.Dir(s.dbPath), filepath.Join(s.stateDir, "locks"), s.LogDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("opening store: %w", err)
		}
	}
	if err := os.MkdirAll(s.realStore, 0o1775); err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	gl, err := os.OpenFile(filepath.Join(s.stateDir, "gc.lock"), os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	if err := flock(ctx, gl, syscall.LOCK_SH); err != nil {
		gl.Close()
		return nil, fmt.Errorf("opening store: waiting for the garbage collector: %w", err)
	}
	s.gcLock = gl
	if err := s.withDB(func(*dbTx) error { return nil }); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.cleanTemps(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the store's locks.
func (s *Store) Close() error {
	if s.gcLock == nil {
		return nil
	}
	err := s.gcLock.Close()
	s.gcLock = nil
	return err
}

// Root returns the root folder.
func (s *Store) Root() string { return s.root }

// RealStoreDir returns where the store directory lives on this host.
func (s *Store) RealStoreDir() string { return s.realStore }

// RealPath returns the host path of a store path (or of any logical path
// below the root).
func (s *Store) RealPath(p string) string { return filepath.Join(s.root, p) }

// LogDir returns the folder of build logs.
func (s *Store) LogDir() string { return filepath.Join(s.root, "nix/var/log/cairn/drvs") }

// LogPath returns the log file of the derivation drvPath:
// LOGDIR/XX/REST.log with XX the first two characters of its base name.
func (s *Store) LogPath(drvPath string) string {
	base := filepath.Base(drvPath)
	if len(base) < 3 {
		return filepath.Join(s.LogDir(), base+".log")
	}
	return filepath.Join(s.LogDir(), base[:2], base[2:]+".log")
}

// ParsePath checks that p is a store path of this store and returns its
// top-level store path (p may name a file inside a store object).
func (s *Store) ParsePath(p string) (string, error) {
	p = filepath.Clean(p)
	rel, ok := strings.CutPrefix(p, s.storeDir+"/")
	if !ok {
		return "", fmt.Errorf("path '%s' is not in the store %s", p, s.storeDir)
	}
	top, _, _ := strings.Cut(rel, "/")
	sp := s.storeDir + "/" + top
	if _, err := storepath.Parse(s.storeDir, sp); err != nil {
		return "", err
	}
	return sp, nil
}

// tempPrefix names files being written into the store directory.
const tempPrefix = ".cairn-tmp-"

// tempPath returns the temporary name under which path is written.
func (s *Store) tempPath(path string) string {
	return filepath.Join(s.realStore, tempPrefix+filepath.Base(path))
}

// cleanTemps removes temporary files whose writer is gone (its path lock
// is free), and unregistered objects that nobody is writing.
func (s *Store) cleanTemps() error {
	ents, err := os.ReadDir(s.realStore)
	if err != nil {
		return fmt.Errorf("opening store: %w", err)
	}
	for _, e := range ents {
		name, ok := strings.CutPrefix(e.Name(), tempPrefix)
		if !ok {
			continue
		}
		l, ok, err := s.tryLockPath(s.storeDir + "/" + name)
		if err != nil {
			return err
		}
		if !ok {
			continue // being written
		}
		err = removeAll(filepath.Join(s.realStore, e.Name()))
		l.Unlock()
		if err != nil {
			return fmt.Errorf("removing a temporary file of a crashed writer: %w", err)
		}
	}
	return nil
}

// removeAll removes a tree that may be read-only (canonicalised).
func removeAll(p string) error {
	err := os.RemoveAll(p)
	if err == nil {
		return nil
	}
	filepath.Walk(p, func(q string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}

var errNotValid = errors.New("path is not valid")

// IsNotValid reports whether err says that a path is not in the store.
func IsNotValid(err error) bool { return errors.Is(err, errNotValid) }

// LinkOutputLog records that the log of output path is drvPath's, so that
// `cairn log OUTPUT` finds it even when the build failed.
func (s *Store) LinkOutputLog(path, drvPath string) error {
	dir := filepath.Join(s.root, "nix/var/log/cairn/outputs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	link := filepath.Join(dir, filepath.Base(path))
	os.Remove(link)
	return os.Symlink(s.LogPath(drvPath), link)
}

// FindLog returns the log file of a derivation or of an output path.
func (s *Store) FindLog(path string) (string, error) {
	if strings.HasSuffix(path, ".drv") {
		if p := s.LogPath(path); exists(p) {
			return p, nil
		}
	}
	if p, err := os.Readlink(filepath.Join(s.root, "nix/var/log/cairn/outputs", filepath.Base(path))); err == nil && exists(p) {
		return p, nil
	}
	if info, err := s.QueryPathInfo(path); err == nil && info.Deriver != "" {
		if p := s.LogPath(info.Deriver); exists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("build log of '%s' is not available", path)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
