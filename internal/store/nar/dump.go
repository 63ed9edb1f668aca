package nar

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Filter decides whether an entry below the root of a Dump is kept. It
// gets the entry's absolute path and its type: "regular", "directory",
// "symlink" or "unknown" (as builtins.filterSource does). The root itself
// is always kept.
type Filter func(path, typ string) (bool, error)

// FileType names a file mode's type as Nix's filters see it.
func FileType(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "unknown"
}

// Dump writes the NAR serialisation of the file or tree at root to w, as
// nix-store --dump does: symlinks are not followed, a file is executable
// when its owner may execute it, other modes and times are dropped, and
// any other kind of file is an error. filter may be nil.
func Dump(ctx context.Context, w io.Writer, root string, filter Filter) error {
	nw := NewWriter(w)
	d := dumper{ctx: ctx, nw: nw, filter: filter, buf: make([]byte, 256<<10)}
	fi, err := os.Lstat(root)
	if err != nil {
		return err
	}
	if err := d.dump(root, "/", fi); err != nil {
		return err
	}
	return nw.Close()
}

type dumper struct {
	ctx    context.Context
	nw     *Writer
	filter Filter
	buf    []byte
}

func (d *dumper) dump(abs, p string, fi fs.FileInfo) error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return d.regular(abs, p, fi)
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(abs)
		if err != nil {
			return err
		}
		return d.nw.WriteEntry(Entry{Path: p, Type: Symlink, Target: target})
	case m.IsDir():
		if err := d.nw.WriteEntry(Entry{Path: p, Type: Directory}); err != nil {
			return err
		}
		ents, err := os.ReadDir(abs) // sorted by name, byte order
		if err != nil {
			return err
		}
		for _, ent := range ents {
			child := filepath.Join(abs, ent.Name())
			cfi, err := ent.Info()
			if err != nil {
				return err
			}
			if d.filter != nil {
				keep, err := d.filter(child, FileType(cfi.Mode()))
				if err != nil {
					return err
				}
				if !keep {
					continue
				}
			}
			if err := d.dump(child, childPath(p, ent.Name()), cfi); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("file '%s' has an unsupported type", abs)
}

func (d *dumper) regular(abs, p string, fi fs.FileInfo) error {
	// Plain system calls: os.Open would also register the file with the
	// network poller, which costs a system call per file for nothing.
	fd, err := openRead(abs)
	if err != nil {
		return &fs.PathError{Op: "open", Path: abs, Err: err}
	}
	size := fi.Size()
	err = d.nw.WriteEntry(Entry{Path: p, Type: Regular, Size: size, Executable: fi.Mode()&0o100 != 0})
	if err != nil {
		syscall.Close(fd)
		return err
	}
	if ft, ok := d.nw.w.(fileTaker); ok {
		if err := d.nw.flush(); err != nil {
			syscall.Close(fd)
			return err
		}
		ft.takeFile(fd, size, abs)
		d.nw.left = 0
		return nil
	}
	defer syscall.Close(fd)
	if _, err := d.nw.ReadFrom(fdReader(fd)); err != nil {
		return fmt.Errorf("reading '%s' (changed while being read?): %w", abs, err)
	}
	return nil
}

// fileTaker is a destination that reads regular files itself (HashPath's
// hasher): it takes the open descriptor, reads exactly size bytes from it
// in order with what was written before, closes it, and reports a short
// file as its error.
type fileTaker interface {
	takeFile(fd int, size int64, path string)
}

func openRead(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NOCTTY, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// fdReader reads a file descriptor with plain read(2).
type fdReader int

func (r fdReader) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(r), p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
