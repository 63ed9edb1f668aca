package local

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"cairn.dev/cairn/internal/build/refscan"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/derivation"
	"cairn.dev/cairn/internal/store/nar"
	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// writeFunc creates a store object's contents at tmp (which does not
// exist). It may return the NAR hash and size of what it wrote when it
// computed them on the way; otherwise they are computed afterwards.
type writeFunc func(tmp string) (*nixhash.Hash, int64, error)

// add writes and registers path unless it is valid already: info gives
// its references, deriver, signatures and content address; the NAR hash
// and size are computed. When want is set, the NAR hash and size must
// match it, or nothing is registered.
func (s *Store) add(ctx context.Context, info *PathInfo, write writeFunc, want *PathInfo) error {
	path := info.Path
	l, err := s.LockPath(ctx, path)
	if err != nil {
		return err
	}
	defer l.Unlock()
	if ok, err := s.IsValid(path); err != nil || ok {
		return err
	}
	tmp := s.tempPath(path)
	final := s.RealPath(path)
	// A crash may have left the temporary name or an unregistered object.
	if err := removeAll(tmp); err != nil {
		return fmt.Errorf("adding '%s': %w", path, err)
	}
	if err := removeAll(final); err != nil {
		return fmt.Errorf("adding '%s': %w", path, err)
	}
	h, size, err := write(tmp)
	if err == nil {
		err = canonicalise(tmp)
	}
	if err == nil && h == nil {
		var hh nixhash.Hash
		hh, size, err = nar.HashPath(ctx, tmp, nil)
		h = &hh
	}
	if err == nil && want != nil && (!want.NarHash.Equal(*h) || want.NarSize != size) {
		err = fmt.Errorf("NAR hash mismatch: expected %s (%d bytes), got %s (%d bytes)",
			want.NarHash.String(), want.NarSize, h.String(), size)
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = syncFile(s.realStore)
	}
	if err != nil {
		removeAll(tmp)
		removeAll(final)
		return fmt.Errorf("adding '%s': %w", path, err)
	}
	info.NarHash, info.NarSize = *h, size
	info.RegistrationTime = s.now()
	sort.Strings(info.References)
	info.References = dedup(info.References)
	if err := s.withDB(func(t *dbTx) error { return t.put(info) }); err != nil {
		removeAll(final)
		return err
	}
	return nil
}

// AddText writes a text file (builtins.toFile, .drv files) into the store.
func (s *Store) AddText(ctx context.Context, name, text string, refs []string) (string, error) {
	p, err := s.Store.AddText(ctx, name, text, refs)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(text))
	info := &PathInfo{
		Path:       p,
		References: append([]string(nil), refs...),
		CA:         "text:" + nixhash.Hash{Algo: nixhash.SHA256, Digest: sum[:]}.String(),
	}
	err = s.add(ctx, info, func(tmp string) (*nixhash.Hash, int64, error) {
		return nil, 0, writeFileSync(tmp, []byte(text), 0o444)
	}, nil)
	return p, err
}

// AddPath copies a file or tree into the store (path values, builtins.path,
// filterSource).
func (s *Store) AddPath(ctx context.Context, req eval.AddPathRequest) (string, error) {
	p, err := s.Store.AddPath(ctx, req)
	if err != nil {
		return "", err
	}
	if ok, err := s.IsValid(p); err != nil || ok {
		return p, err
	}
	var filter nar.Filter
	if req.Filter != nil {
		filter = nar.Filter(req.Filter)
	}
	name := filepath.Base(p)[storepath.HashLen+1:]
	info := &PathInfo{Path: p}
	// The tree may change between hashing (which gave p) and copying: the
	// copy's hash must give p again.
	check := func(m storepath.Method, h nixhash.Hash) error {
		again, err := storepath.FixedOutput(s.storeDir, m, h, name, nil, false)
		if err != nil {
			return err
		}
		if again.String() != p {
			return fmt.Errorf("'%s' changed while it was copied into the store", req.Src)
		}
		return nil
	}
	err = s.add(ctx, info, func(tmp string) (*nixhash.Hash, int64, error) {
		if req.Recursive {
			h, n, err := dumpRestore(ctx, req.Src, tmp, filter)
			if err != nil {
				return nil, 0, err
			}
			info.CA = "fixed:r:" + h.String()
			return &h, n, check(storepath.Recursive, h)
		}
		h, err := copyFile(req.Src, tmp)
		if err != nil {
			return nil, 0, err
		}
		info.CA = "fixed:" + h.String()
		return nil, 0, check(storepath.Flat, h)
	}, nil)
	if err != nil {
		return "", err
	}
	return p, nil
}

// Derivation computes the derivation's paths as the dry store does, then
// writes its .drv file and registers it.
func (s *Store) Derivation(ctx context.Context, req *eval.DerivationRequest) (string, map[string]string, error) {
	drvPath, outs, err := s.Store.Derivation(ctx, req)
	if err != nil {
		return "", nil, err
	}
	d, ok := s.Store.Lookup(drvPath)
	if !ok {
		return "", nil, fmt.Errorf("derivation '%s' was not recorded", drvPath)
	}
	got, err := s.AddText(ctx, filepath.Base(drvPath)[33:], string(d.ATerm()), d.References())
	if err != nil {
		return "", nil, err
	}
	if got != drvPath {
		return "", nil, fmt.Errorf("internal error: .drv written at '%s', computed '%s'", got, drvPath)
	}
	return drvPath, outs, nil
}

// ReadDerivation reads and parses a .drv file of the store.
func (s *Store) ReadDerivation(drvPath string) (*derivation.Derivation, error) {
	if d, ok := s.Store.Lookup(drvPath); ok {
		return d, nil
	}
	b, err := os.ReadFile(s.RealPath(drvPath))
	if err != nil {
		return nil, fmt.Errorf("reading derivation: %w", err)
	}
	d, err := derivation.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("parsing derivation '%s': %w", drvPath, err)
	}
	return d, nil
}

// AddNAR restores a store object from its NAR serialisation (a
// substitution): the NAR hash and size must match info's, and info's
// references must be valid. Nothing is registered otherwise.
func (s *Store) AddNAR(ctx context.Context, info PathInfo, r io.Reader) error {
	want := info
	return s.add(ctx, &info, func(tmp string) (*nixhash.Hash, int64, error) {
		hw := sha256.New()
		cr := &countReader{r: io.TeeReader(r, hw)}
		if err := nar.Restore(cr, tmp); err != nil {
			return nil, 0, err
		}
		n := cr.n
		// Read to the end, so that r can check what it wraps.
		if extra, err := io.Copy(io.Discard, r); err != nil {
			return nil, 0, err
		} else if extra > 0 {
			return nil, 0, fmt.Errorf("%d bytes of trailing data after the NAR", extra)
		}
		h := nixhash.Hash{Algo: nixhash.SHA256, Digest: hw.Sum(nil)}
		return &h, n, nil
	}, &want)
}

// AddTree copies a file or tree into the store as a "source" path (cairn
// store add).
func (s *Store) AddTree(ctx context.Context, src string) (string, error) {
	return s.AddPath(ctx, eval.AddPathRequest{Src: src, Recursive: true})
}

// Output is a build output to register.
type Output struct {
	Path    string // logical store path; the object is already in place
	Deriver string
	CA      string // content address of a fixed-output derivation's output
}

// RegisterOutputs registers build outputs that the builder moved into
// the store: each is canonicalised, hashed and scanned for references to
// candidates (the build's input closure) and to the outputs themselves,
// then all are registered in one transaction. The caller holds the
// outputs' locks.
func (s *Store) RegisterOutputs(ctx context.Context, outs []Output, candidates []string) ([]*PathInfo, error) {
	all := append([]string(nil), candidates...)
	for _, o := range outs {
		all = append(all, o.Path)
	}
	sort.Strings(all)
	all = dedup(all)
	var infos []*PathInfo
	for _, o := range outs {
		real := s.RealPath(o.Path)
		if err := canonicalise(real); err != nil {
			return nil, fmt.Errorf("output '%s': %w", o.Path, err)
		}
		h, n, refs, err := HashAndScan(ctx, real, all)
		if err != nil {
			return nil, fmt.Errorf("output '%s': %w", o.Path, err)
		}
		infos = append(infos, &PathInfo{Path: o.Path, NarHash: h, NarSize: n, References: refs, Deriver: o.Deriver, CA: o.CA, RegistrationTime: s.now()})
	}
	if err := syncFile(s.realStore); err != nil {
		return nil, err
	}
	err := s.withDB(func(t *dbTx) error {
		// Outputs may refer to each other: put them all, then check.
		for _, i := range infos {
			if err := t.tx.Bucket(bucketPaths).Put([]byte(filepath.Base(i.Path)), []byte(`{"narHash":"sha256:0000000000000000000000000000000000000000000000000000"}`)); err != nil {
				return err
			}
		}
		for _, i := range infos {
			if err := t.put(i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return infos, nil
}

// HashAndScan computes the NAR hash and size of the tree at p and the
// candidates it refers to, in one pass.
func HashAndScan(ctx context.Context, p string, candidates []string) (nixhash.Hash, int64, []string, error) {
	sc, err := refscan.NewScanner(candidates)
	if err != nil {
		return nixhash.Hash{}, 0, nil, err
	}
	hw := sha256.New()
	cw := &countWriter{w: io.MultiWriter(hw, sc)}
	if err := nar.Dump(ctx, cw, p, nil); err != nil {
		return nixhash.Hash{}, 0, nil, err
	}
	return nixhash.Hash{Algo: nixhash.SHA256, Digest: hw.Sum(nil)}, cw.n, sc.Found(), nil
}

// HashNAR hashes the NAR serialisation of p with any algorithm.
func HashNAR(ctx context.Context, p string, algo nixhash.Algo) (nixhash.Hash, error) {
	hw := algo.New()
	if err := nar.Dump(ctx, hw, p, nil); err != nil {
		return nixhash.Hash{}, err
	}
	return nixhash.Hash{Algo: algo, Digest: hw.Sum(nil)}, nil
}

// dumpRestore copies a tree by serialising it (with filter) and restoring
// the NAR at dst, and returns the NAR's hash and size.
func dumpRestore(ctx context.Context, src, dst string, filter nar.Filter) (nixhash.Hash, int64, error) {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(nar.Dump(ctx, pw, src, filter))
	}()
	hw := sha256.New()
	cr := &countReader{r: io.TeeReader(pr, hw)}
	err := nar.Restore(cr, dst)
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		return nixhash.Hash{}, 0, err
	}
	return nixhash.Hash{Algo: nixhash.SHA256, Digest: hw.Sum(nil)}, cr.n, nil
}

func copyFile(src, dst string) (nixhash.Hash, error) {
	in, err := os.Open(src)
	if err != nil {
		return nixhash.Hash{}, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return nixhash.Hash{}, err
	}
	hw := sha256.New()
	_, err = io.Copy(io.MultiWriter(out, hw), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return nixhash.Hash{Algo: nixhash.SHA256, Digest: hw.Sum(nil)}, err
}

func writeFileSync(p string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func dedup(ss []string) []string {
	n := 0
	for i, x := range ss {
		if i > 0 && x == ss[n-1] {
			continue
		}
		ss[n] = x
		n++
	}
	return ss[:n]
}
