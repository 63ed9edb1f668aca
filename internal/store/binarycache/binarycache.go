// Package binarycache reads and writes Nix binary caches in a folder
// (file:///DIR URLs), in the layout Nix uses:
//
//	DIR/nix-cache-info       StoreDir, WantMassQuery, Priority
//	DIR/HASH.narinfo         one per store path (narinfo package), signed
//	DIR/nar/FILEHASH.nar.xz  the compressed NAR (xz, zstd or none)
//
// Copying to a cache signs each .narinfo with an ed25519 key in Nix's
// format; substituting from one refuses any path that no trusted key
// signed, checks the compressed file's hash and the NAR's hash and size,
// and registers nothing unless all of them match.
package binarycache

import (
	"bufio"
	"compress/bzip2"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/store/local"
	"cairn.dev/cairn/internal/store/nar"
	"cairn.dev/cairn/internal/store/narinfo"
	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// Cache is a binary cache in a folder.
type Cache struct {
	dir         string
	storeDir    string
	compression string // "xz", "zstd" or "none"
}

// ErrNotFound is returned for a path the cache does not have.
var ErrNotFound = errors.New("not in the binary cache")

// Open returns the cache at url (file:///DIR) for the logical store
// directory storeDir. compression applies to what is written: "xz" (the
// default), "zstd" or "none".
func Open(url, storeDir, compression string) (*Cache, error) {
	dir, ok := strings.CutPrefix(url, "file://")
	if !ok || !filepath.IsAbs(dir) {
		return nil, fmt.Errorf("binary cache '%s': only file:///ABSOLUTE/PATH caches are supported", url)
	}
	switch compression {
	case "":
		compression = "xz"
	case "xz", "zstd", "none":
	default:
		return nil, fmt.Errorf("binary cache '%s': unknown compression '%s' (xz, zstd or none)", url, compression)
	}
	return &Cache{dir: filepath.Clean(dir), storeDir: storeDir, compression: compression}, nil
}

// Dir returns the cache's folder.
func (c *Cache) Dir() string { return c.dir }

// init writes nix-cache-info unless it exists, and checks its StoreDir.
func (c *Cache) init() error {
	if err := os.MkdirAll(filepath.Join(c.dir, "nar"), 0o755); err != nil {
		return fmt.Errorf("binary cache: %w", err)
	}
	p := filepath.Join(c.dir, "nix-cache-info")
	if _, err := os.Stat(p); err == nil {
		return c.checkInfo()
	}
	_, err := atomicfile.WriteFile(p, []byte("StoreDir: "+c.storeDir+"\nWantMassQuery: 1\nPriority: 30\n"), 0o644)
	return err
}

// checkInfo checks that the cache serves the same store directory.
func (c *Cache) checkInfo() error {
	b, err := os.ReadFile(filepath.Join(c.dir, "nix-cache-info"))
	if err != nil {
		return fmt.Errorf("binary cache %s: %w", c.dir, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "StoreDir: "); ok && strings.TrimSpace(v) != c.storeDir {
			return fmt.Errorf("binary cache %s is for store directory '%s', not '%s'", c.dir, strings.TrimSpace(v), c.storeDir)
		}
	}
	return nil
}

func (c *Cache) narinfoPath(path string) (string, error) {
	sp, err := storepath.Parse(c.storeDir, path)
	if err != nil {
		return "", err
	}
	return filepath.Join(c.dir, sp.Hash+".narinfo"), nil
}

// Has reports whether the cache has a .narinfo for path.
func (c *Cache) Has(path string) bool {
	p, err := c.narinfoPath(path)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Put copies the closure of paths from st into the cache, signing each
// .narinfo with key when it is not nil. Paths the cache has are skipped.
// It returns the paths written.
func (c *Cache) Put(ctx context.Context, st *local.Store, paths []string, key *narinfo.SecretKey) ([]string, error) {
	if err := c.init(); err != nil {
		return nil, err
	}
	closure, err := st.Closure(paths)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, p := range closure {
		if c.Has(p) {
			continue
		}
		if err := c.put(ctx, st, p, key); err != nil {
			return done, fmt.Errorf("copying '%s' to %s: %w", p, c.dir, err)
		}
		done = append(done, p)
	}
	return done, nil
}

func (c *Cache) put(ctx context.Context, st *local.Store, path string, key *narinfo.SecretKey) error {
	info, err := st.QueryPathInfo(path)
	if err != nil {
		return err
	}
	ext := ".nar"
	switch c.compression {
	case "xz":
		ext += ".xz"
	case "zstd":
		ext += ".zst"
	}
	tmp, err := os.CreateTemp(filepath.Join(c.dir, "nar"), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	fileHash := sha256.New()
	fileCount := &countWriter{w: io.MultiWriter(tmp, fileHash)}
	bw := bufio.NewWriterSize(fileCount, 256<<10)
	var comp io.WriteCloser
	switch c.compression {
	case "xz":
		comp, err = xz.NewWriter(bw)
	case "zstd":
		comp, err = zstd.NewWriter(bw)
	default:
		comp = nopCloser{bw}
	}
	if err != nil {
		return err
	}
	narHash := sha256.New()
	narCount := &countWriter{w: io.MultiWriter(comp, narHash)}
	if err := nar.Dump(ctx, narCount, st.RealPath(path), nil); err != nil {
		return err
	}
	if err := comp.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	got := nixhash.Hash{Algo: nixhash.SHA256, Digest: narHash.Sum(nil)}
	if !got.Equal(info.NarHash) || narCount.n != info.NarSize {
		return fmt.Errorf("its contents no longer match its NAR hash (%s, recorded %s): run cairn store verify --check-contents", got, info.NarHash)
	}
	fh := nixhash.Hash{Algo: nixhash.SHA256, Digest: fileHash.Sum(nil)}
	url := "nar/" + fh.Base32() + ext
	if err := os.Rename(tmp.Name(), filepath.Join(c.dir, url)); err != nil {
		return err
	}
	ni := &narinfo.NarInfo{
		StorePath:   path,
		URL:         url,
		Compression: c.compression,
		FileHash:    &fh,
		FileSize:    fileCount.n,
		NarHash:     info.NarHash,
		NarSize:     info.NarSize,
		Sigs:        append([]string(nil), info.Sigs...),
		CA:          info.CA,
	}
	for _, r := range info.References {
		ni.References = append(ni.References, filepath.Base(r))
	}
	sort.Strings(ni.References)
	if info.Deriver != "" {
		ni.Deriver = filepath.Base(info.Deriver)
	}
	if key != nil {
		if err := ni.Sign(c.storeDir, *key); err != nil {
			return err
		}
	}
	np, err := c.narinfoPath(path)
	if err != nil {
		return err
	}
	_, err = atomicfile.WriteFile(np, []byte(ni.String()), 0o644)
	return err
}

// NarInfo reads and parses the .narinfo of path.
func (c *Cache) NarInfo(path string) (*narinfo.NarInfo, error) {
	np, err := c.narinfoPath(path)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(np)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("'%s': %w %s", path, ErrNotFound, c.dir)
	}
	if err != nil {
		return nil, err
	}
	ni, err := narinfo.Parse(c.storeDir, b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", np, err)
	}
	if ni.StorePath != path {
		return nil, fmt.Errorf("%s describes '%s', not '%s'", np, ni.StorePath, path)
	}
	return ni, nil
}

// Substitute copies the closure of paths from the cache into st. Every
// path must carry a valid signature by one of trusted; its compressed
// file and its NAR must match the hashes and sizes of the .narinfo.
// Paths valid in st are skipped. It returns the paths it added.
func (c *Cache) Substitute(ctx context.Context, st *local.Store, paths []string, trusted []narinfo.PublicKey) ([]string, error) {
	if err := c.checkInfo(); err != nil {
		return nil, err
	}
	var added []string
	state := map[string]int{} // 1: in progress, 2: done
	var sub func(p string) error
	sub = func(p string) error {
		switch state[p] {
		case 1:
			return fmt.Errorf("'%s' is part of a reference cycle in the cache", p)
		case 2:
			return nil
		}
		state[p] = 1
		if ok, err := st.IsValid(p); err != nil || ok {
			state[p] = 2
			return err
		}
		ni, err := c.NarInfo(p)
		if err != nil {
			return err
		}
		if _, err := ni.Verify(c.storeDir, trusted); err != nil {
			return fmt.Errorf("refusing to substitute '%s' from %s: %w", p, c.dir, err)
		}
		info := local.PathInfo{Path: p, NarHash: ni.NarHash, NarSize: ni.NarSize, Sigs: ni.Sigs, CA: ni.CA}
		for _, r := range ni.References {
			rp := c.storeDir + "/" + r
			info.References = append(info.References, rp)
			if rp != p {
				if err := sub(rp); err != nil {
					return err
				}
			}
		}
		if ni.Deriver != "" {
			info.Deriver = c.storeDir + "/" + ni.Deriver
		}
		if err := c.fetch(ctx, st, ni, info); err != nil {
			return fmt.Errorf("substituting '%s' from %s: %w", p, c.dir, err)
		}
		state[p] = 2
		added = append(added, p)
		return nil
	}
	for _, p := range paths {
		if err := sub(p); err != nil {
			return added, err
		}
	}
	return added, nil
}

func (c *Cache) fetch(ctx context.Context, st *local.Store, ni *narinfo.NarInfo, info local.PathInfo) error {
	if strings.Contains(ni.URL, "..") || filepath.IsAbs(ni.URL) || strings.Contains(ni.URL, "://") {
		return fmt.Errorf("unsupported NAR URL '%s'", ni.URL)
	}
	f, err := os.Open(filepath.Join(c.dir, ni.URL))
	if err != nil {
		return err
	}
	defer f.Close()
	fileHash := sha256.New()
	cr := &countReader{r: io.TeeReader(bufio.NewReaderSize(f, 256<<10), fileHash)}
	var r io.Reader
	switch ni.Compression {
	case "xz":
		r, err = xz.NewReader(cr)
	case "zstd":
		var d *zstd.Decoder
		d, err = zstd.NewReader(cr)
		if err == nil {
			defer d.Close()
			r = d
		}
	case "bzip2":
		r = bzip2.NewReader(cr)
	case "none", "":
		r = cr
	default:
		return fmt.Errorf("unsupported compression '%s'", ni.Compression)
	}
	if err != nil {
		return fmt.Errorf("decompressing %s: %w", ni.URL, err)
	}
	r = &checkedReader{r: r, check: func() error {
		// The whole compressed file must have been read and match.
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return err
		}
		if ni.FileHash != nil {
			got := nixhash.Hash{Algo: ni.FileHash.Algo, Digest: nil}
			if ni.FileHash.Algo == nixhash.SHA256 {
				got.Digest = fileHash.Sum(nil)
				if !got.Equal(*ni.FileHash) {
					return fmt.Errorf("%s: file hash mismatch: expected %s, got %s", ni.URL, ni.FileHash, got)
				}
			}
		}
		if ni.FileSize > 0 && cr.n != ni.FileSize {
			return fmt.Errorf("%s: file size mismatch: expected %d, got %d", ni.URL, ni.FileSize, cr.n)
		}
		return nil
	}}
	if err := st.AddNAR(ctx, info, r); err != nil {
		return err
	}
	return nil
}

// checkedReader runs check when the NAR reader reaches the end of the
// archive (it reads nothing past it, so check drains the rest).
type checkedReader struct {
	r     io.Reader
	check func() error
	done  bool
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF && !c.done {
		c.done = true
		if cerr := c.check(); cerr != nil {
			return n, cerr
		}
	}
	return n, err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
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
