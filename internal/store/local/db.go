package local

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// PathInfo is what the database records of a valid path.
type PathInfo struct {
	Path             string       // absolute store path
	NarHash          nixhash.Hash // sha256 of the NAR serialisation
	NarSize          int64
	References       []string // absolute store paths, sorted
	Deriver          string   // absolute .drv path; empty when unknown
	Sigs             []string // "KEYNAME:BASE64", sorted
	RegistrationTime time.Time
	CA               string // content address ("fixed:r:sha256:...", "text:sha256:..."); empty for built outputs
}

// record is PathInfo as stored: base names keep the database independent
// of the store directory.
type record struct {
	NarHash    string   `json:"narHash"` // sha256:base32
	NarSize    int64    `json:"narSize"`
	References []string `json:"references,omitempty"`
	Deriver    string   `json:"deriver,omitempty"`
	Sigs       []string `json:"sigs,omitempty"`
	Registered int64    `json:"registrationTime"`
	CA         string   `json:"ca,omitempty"`
}

var bucketPaths = []byte("paths") // base name -> record (JSON)

// dbTx is a database transaction.
type dbTx struct {
	s  *Store
	tx *bolt.Tx
}

// withDB runs fn in a read-write transaction. The database is opened for
// the transaction only, so that other cairn processes can use it between
// transactions (bbolt holds an exclusive flock on the file while open).
func (s *Store) withDB(fn func(*dbTx) error) error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	db, err := bolt.Open(s.dbPath, 0o644, &bolt.Options{Timeout: 5 * time.Minute})
	if err != nil {
		return fmt.Errorf("opening the store database %s: %w", s.dbPath, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketPaths); err != nil {
			return err
		}
		return fn(&dbTx{s: s, tx: tx})
	})
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing the store database: %w", cerr)
	}
	return err
}

// withDBRead runs fn in a read-only transaction: a shared lock, and no
// write or sync of the database file (a validity check or a closure
// query costs no fdatasync).
func (s *Store) withDBRead(fn func(*dbTx) error) error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	db, err := bolt.Open(s.dbPath, 0o644, &bolt.Options{Timeout: 5 * time.Minute, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("opening the store database %s: %w", s.dbPath, err)
	}
	err = db.View(func(tx *bolt.Tx) error { return fn(&dbTx{s: s, tx: tx}) })
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing the store database: %w", cerr)
	}
	return err
}

// bucket returns the paths bucket; nil in a read-only transaction on a
// database that has none yet.
func (t *dbTx) bucket() *bolt.Bucket { return t.tx.Bucket(bucketPaths) }

func (t *dbTx) get(path string) (*PathInfo, error) {
	var v []byte
	if b := t.bucket(); b != nil {
		v = b.Get([]byte(filepath.Base(path)))
	}
	if v == nil {
		return nil, fmt.Errorf("'%s': %w", path, errNotValid)
	}
	return t.s.decode(filepath.Base(path), v)
}

func (t *dbTx) valid(path string) bool {
	b := t.bucket()
	return b != nil && b.Get([]byte(filepath.Base(path))) != nil
}

// put registers info; every reference must be valid or info itself.
func (t *dbTx) put(info *PathInfo) error {
	for _, r := range info.References {
		if r != info.Path && !t.valid(r) {
			return fmt.Errorf("registering '%s': its reference '%s' is not valid", info.Path, r)
		}
	}
	rec := record{
		NarHash:    info.NarHash.String(),
		NarSize:    info.NarSize,
		Deriver:    filepath.Base(info.Deriver),
		Sigs:       info.Sigs,
		Registered: info.RegistrationTime.Unix(),
		CA:         info.CA,
	}
	if info.Deriver == "" {
		rec.Deriver = ""
	}
	for _, r := range info.References {
		rec.References = append(rec.References, filepath.Base(r))
	}
	sort.Strings(rec.References)
	sort.Strings(rec.Sigs)
	v, err := json.Marshal(&rec)
	if err != nil {
		return err
	}
	return t.tx.Bucket(bucketPaths).Put([]byte(filepath.Base(info.Path)), v)
}

func (t *dbTx) delete(path string) error {
	return t.tx.Bucket(bucketPaths).Delete([]byte(filepath.Base(path)))
}

func (t *dbTx) each(fn func(*PathInfo) error) error {
	b := t.bucket()
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		info, err := t.s.decode(string(k), v)
		if err != nil {
			return err
		}
		return fn(info)
	})
}

func (s *Store) decode(base string, v []byte) (*PathInfo, error) {
	var rec record
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("store database: record of '%s': %w", base, err)
	}
	h, err := nixhash.Parse(rec.NarHash, nixhash.SHA256)
	if err != nil {
		return nil, fmt.Errorf("store database: record of '%s': %w", base, err)
	}
	info := &PathInfo{
		Path:             s.storeDir + "/" + base,
		NarHash:          h,
		NarSize:          rec.NarSize,
		Sigs:             rec.Sigs,
		RegistrationTime: time.Unix(rec.Registered, 0),
		CA:               rec.CA,
	}
	if rec.Deriver != "" {
		info.Deriver = s.storeDir + "/" + rec.Deriver
	}
	for _, r := range rec.References {
		info.References = append(info.References, s.storeDir+"/"+r)
	}
	return info, nil
}

// QueryPathInfo returns what the database records of a valid path; an
// invalid path is an error for which IsNotValid is true.
func (s *Store) QueryPathInfo(path string) (*PathInfo, error) {
	if _, err := storepath.Parse(s.storeDir, path); err != nil {
		return nil, err
	}
	var info *PathInfo
	err := s.withDBRead(func(t *dbTx) error {
		var err error
		info, err = t.get(path)
		return err
	})
	return info, err
}

// IsValid reports whether path is registered.
func (s *Store) IsValid(path string) (bool, error) {
	if _, ok := s.valid.Load(path); ok {
		return true, nil
	}
	var ok bool
	err := s.withDBRead(func(t *dbTx) error {
		ok = t.valid(path)
		return nil
	})
	if ok {
		s.valid.Store(path, true)
	}
	return ok, err
}

// ValidPaths returns every valid path, sorted.
func (s *Store) ValidPaths() ([]*PathInfo, error) {
	var infos []*PathInfo
	err := s.withDBRead(func(t *dbTx) error {
		return t.each(func(i *PathInfo) error {
			infos = append(infos, i)
			return nil
		})
	})
	return infos, err
}

// AddSignatures adds signatures to a valid path's record.
func (s *Store) AddSignatures(path string, sigs []string) error {
	return s.withDB(func(t *dbTx) error {
		info, err := t.get(path)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, x := range info.Sigs {
			seen[x] = true
		}
		for _, x := range sigs {
			if !seen[x] {
				info.Sigs = append(info.Sigs, x)
				seen[x] = true
			}
		}
		return t.put(info)
	})
}

// Closure returns the closure of paths under the references relation,
// sorted: every path must be valid.
func (s *Store) Closure(paths []string) ([]string, error) {
	seen := map[string]bool{}
	err := s.withDBRead(func(t *dbTx) error {
		stack := append([]string(nil), paths...)
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[p] {
				continue
			}
			info, err := t.get(p)
			if err != nil {
				return err
			}
			seen[p] = true
			stack = append(stack, info.References...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}
