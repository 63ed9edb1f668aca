// Package deb reads Debian binary packages (.deb files) and unpacks them
// reproducibly into a folder, the store path of the package.
//
// A .deb is an ar archive of three members: debian-binary ("2.0\n"),
// control.tar and data.tar, each tar optionally compressed with gzip, xz
// or zstd. Every entry of both tars is checked before it is used: its
// name is a clean relative path, it is a folder, a regular file, a
// symbolic link or a hard link to an earlier file of the same tar (never
// a device, a fifo or anything else), nothing is written through a link
// the archive made, and no path is given twice. Unpack writes the same
// tree every time from the same file: contents, symbolic links, and the
// permission bits of the archive minus setuid, setgid and sticky (as the
// store drops them); owners and mtimes are left for the store to make
// canonical. docs/design/packages-runtime.md describes where it is used.
package deb

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/klauspost/compress/zstd"

	"cairn.dev/cairn/internal/pkgs/deb/xz"
)

// Part names the tar of a .deb an entry comes from.
type Part string

// The two tars of a .deb.
const (
	Control Part = "control"
	Data    Part = "data"
)

// Entry is one checked entry of a tar of a .deb.
type Entry struct {
	// Path is the clean relative path ("" for the tar's root folder).
	Path string
	// Type is tar.TypeDir, tar.TypeReg, tar.TypeSymlink or tar.TypeLink.
	Type byte
	// Mode holds the permission bits (0o777) of a folder or file.
	Mode int64
	// Size is the length of a regular file.
	Size int64
	// Link is the target of a symbolic link (as written) or the clean
	// relative path of the earlier file a hard link names.
	Link string
}

// Info is what Inspect reads from a .deb.
type Info struct {
	Format  string // the content of debian-binary without its newline
	Control []byte // the control file
	// ControlMember and DataMember name the tar members, e.g. data.tar.xz.
	ControlMember, DataMember        string
	Files, Dirs, Symlinks, Hardlinks int
	Size                             int64 // sum of the regular files' sizes in data.tar
}

// Visitor is called in archive order: for debian-binary (part "", its
// content in body), for each tar member itself (Path the member name,
// e.g. data.tar.xz, Type tar.TypeReg, body nil), then for each entry of
// that tar; body reads a regular file's content (it may be left unread)
// and is nil for the other types.
type Visitor func(part Part, e *Entry, body io.Reader) error

// Walk reads the .deb in r, checking it, and calls visit for every entry
// of its control and data tars.
func Walk(ctx context.Context, r io.Reader, visit Visitor) error {
	ar, err := newArReader(r)
	if err != nil {
		return err
	}
	seen := map[Part]bool{}
	for i := 0; ; i++ {
		m, err := ar.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch {
		case i == 0:
			if m.Name != "debian-binary" {
				return fmt.Errorf("first member is %q, not debian-binary", m.Name)
			}
			if m.Size > 64 {
				return fmt.Errorf("debian-binary: %d bytes is too long", m.Size)
			}
			b, err := io.ReadAll(ar.cur)
			if err != nil {
				return fmt.Errorf("debian-binary: %w", err)
			}
			if !bytes.HasPrefix(b, []byte("2.")) || !bytes.HasSuffix(b, []byte("\n")) {
				return fmt.Errorf("debian-binary: unsupported format %q (cairn reads 2.x)", b)
			}
			if err := visit("", &Entry{Path: "debian-binary", Type: tar.TypeReg, Size: m.Size}, bytes.NewReader(b)); err != nil {
				return err
			}
		case strings.HasPrefix(m.Name, "control.tar"), strings.HasPrefix(m.Name, "data.tar"):
			part := Control
			if strings.HasPrefix(m.Name, "data.tar") {
				part = Data
			}
			if seen[part] {
				return fmt.Errorf("member %s: a second %s tar", m.Name, part)
			}
			if part == Control && seen[Data] {
				return fmt.Errorf("member %s comes after the data tar", m.Name)
			}
			seen[part] = true
			if err := visit(part, &Entry{Path: m.Name, Type: tar.TypeReg, Size: m.Size}, nil); err != nil {
				return err
			}
			if err := walkTar(ctx, m.Name, ar.cur, part, visit); err != nil {
				return fmt.Errorf("member %s: %w", m.Name, err)
			}
		case strings.HasPrefix(m.Name, "_"):
			// Members starting with "_" are reserved for local use; dpkg ignores them.
		default:
			return fmt.Errorf("unexpected member %q at offset %d", m.Name, m.Offset)
		}
	}
	for _, p := range []Part{Control, Data} {
		if !seen[p] {
			return fmt.Errorf("no %s.tar member", p)
		}
	}
	return nil
}

// decompress returns a reader of the tar in member name.
func decompress(name string, r io.Reader) (io.Reader, func(), error) {
	ext := path.Ext(name)
	switch {
	case strings.HasSuffix(name, ".tar"):
		return r, func() {}, nil
	case ext == ".gz":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		z.Multistream(false)
		return z, func() { z.Close() }, nil
	case ext == ".xz":
		z, err := xz.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return z, func() {}, nil
	case ext == ".zst":
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<31))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return z, z.Close, nil
	}
	return nil, nil, fmt.Errorf("unknown compression %q (cairn reads .tar, .tar.gz, .tar.xz, .tar.zst)", ext)
}

func walkTar(ctx context.Context, name string, r io.Reader, part Part, visit Visitor) error {
	zr, done, err := decompress(name, r)
	if err != nil {
		return err
	}
	defer done()
	if zr != r {
		ra := newReadahead(zr)
		defer ra.Close()
		zr = ra
	}
	tr := tar.NewReader(zr)
	kinds := map[string]byte{"": tar.TypeDir}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			// The rest of the stream (the tar's padding) is read too,
			// so that the compressor's integrity check is verified.
			if _, err := io.Copy(io.Discard, zr); err != nil {
				return fmt.Errorf("after the tar: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the tar: %w", err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		e, err := check(h, kinds)
		if err != nil {
			return fmt.Errorf("entry %q: %w", h.Name, err)
		}
		var body io.Reader
		if e.Type == tar.TypeReg {
			body = tr
		}
		if err := visit(part, e, body); err != nil {
			return fmt.Errorf("entry %q: %w", h.Name, err)
		}
	}
}

// cleanName turns a tar name ("./usr/bin/", "usr/bin") into a clean
// relative path, "" for the root.
func cleanName(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", errors.New("the name holds a NUL byte")
	}
	n := strings.TrimPrefix(name, "./")
	n = strings.TrimSuffix(n, "/")
	if n == "." || n == "" {
		return "", nil
	}
	if path.IsAbs(n) || path.Clean(n) != n || n == ".." || strings.HasPrefix(n, "../") {
		return "", errors.New("the name is not a clean relative path")
	}
	return n, nil
}

// check validates h against the entries before it (kinds maps their
// paths to their types) and records it.
func check(h *tar.Header, kinds map[string]byte) (*Entry, error) {
	p, err := cleanName(h.Name)
	if err != nil {
		return nil, err
	}
	e := &Entry{Path: p, Mode: h.Mode & 0o777}
	switch h.Typeflag {
	case tar.TypeDir:
		e.Type = tar.TypeDir
	case tar.TypeReg, tar.TypeRegA:
		e.Type = tar.TypeReg
		e.Size = h.Size
	case tar.TypeSymlink:
		e.Type = tar.TypeSymlink
		if h.Linkname == "" || strings.IndexByte(h.Linkname, 0) >= 0 {
			return nil, fmt.Errorf("bad symbolic link target %q", h.Linkname)
		}
		e.Link = h.Linkname
	case tar.TypeLink:
		e.Type = tar.TypeLink
		t, err := cleanName(h.Linkname)
		if err != nil || t == "" {
			return nil, fmt.Errorf("hard link to %q: not a clean relative path", h.Linkname)
		}
		if kinds[t] != tar.TypeReg {
			return nil, fmt.Errorf("hard link to %q, which is not an earlier regular file of the archive", h.Linkname)
		}
		e.Link = t
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return nil, fmt.Errorf("device or fifo (type %q): a package may not ship one", h.Typeflag)
	default:
		return nil, fmt.Errorf("unsupported tar entry type %q", h.Typeflag)
	}
	if p == "" {
		if e.Type != tar.TypeDir {
			return nil, errors.New("the root of the archive is not a folder")
		}
		return e, nil
	}
	if k, ok := kinds[p]; ok {
		if k == tar.TypeDir && e.Type == tar.TypeDir {
			return e, nil
		}
		return nil, errors.New("the path is given twice")
	}
	// Every ancestor must be a folder (or not yet named, made as one).
	for d := path.Dir(p); ; d = path.Dir(d) {
		if d == "." {
			break
		}
		k, ok := kinds[d]
		if !ok {
			kinds[d] = tar.TypeDir
			continue
		}
		if k != tar.TypeDir {
			return nil, fmt.Errorf("%s is not a folder (an entry below a link or file would escape)", d)
		}
		break // its own ancestors were checked when it was recorded
	}
	k := e.Type
	if k == tar.TypeLink {
		k = tar.TypeReg
	}
	kinds[p] = k
	return e, nil
}

// Inspect reads and checks the whole .deb in r.
func Inspect(ctx context.Context, r io.Reader) (*Info, error) {
	info := &Info{}
	err := Walk(ctx, r, func(part Part, e *Entry, body io.Reader) error {
		switch {
		case part == "":
			b, _ := io.ReadAll(body)
			info.Format = strings.TrimSuffix(string(b), "\n")
		case body == nil && e.Type == tar.TypeReg && (strings.HasPrefix(e.Path, "control.tar") || strings.HasPrefix(e.Path, "data.tar")):
			if part == Control {
				info.ControlMember = e.Path
			} else {
				info.DataMember = e.Path
			}
		case part == Control && e.Path == "control" && e.Type == tar.TypeReg:
			if e.Size > 1<<20 {
				return fmt.Errorf("control file of %d bytes is too large", e.Size)
			}
			b, err := io.ReadAll(body)
			if err != nil {
				return err
			}
			info.Control = b
		case part == Data:
			switch e.Type {
			case tar.TypeDir:
				info.Dirs++
			case tar.TypeReg:
				info.Files++
				info.Size += e.Size
			case tar.TypeSymlink:
				info.Symlinks++
			case tar.TypeLink:
				info.Hardlinks++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if info.Control == nil {
		return nil, errors.New("control.tar has no control file")
	}
	return info, nil
}
