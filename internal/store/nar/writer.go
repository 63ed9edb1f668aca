package nar

import (
	"encoding/binary"
	"fmt"
	"io"
	"path"
)

// Writer writes a NAR entry by entry, in the order of a depth-first walk
// with names sorted; it checks that order and the names. After a regular
// entry, exactly Size bytes of contents are written with Write or
// ReadFrom.
type Writer struct {
	w       io.Writer
	buf     []byte // tokens not yet written to w
	started bool
	closed  bool
	dirs    []openDir // open directories, root first
	file    bool      // a regular or symlink node is open
	child   bool      // the open node is an entry of a directory
	left    int64     // contents still owed for the open regular file
	size    int64     // contents size of the open regular file
	copyBuf []byte    // for ReadFrom when w cannot read for itself
	err     error
}

type openDir struct {
	path string
	last string // last entry name written
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, 4096)}
}

func (nw *Writer) str(s string) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
	nw.buf = append(nw.buf, n[:]...)
	nw.buf = append(nw.buf, s...)
	nw.pad(uint64(len(s)))
}

func (nw *Writer) pad(n uint64) {
	var zero [8]byte
	nw.buf = append(nw.buf, zero[:padLen(n)]...)
}

func (nw *Writer) flush() error {
	if nw.err != nil {
		return nw.err
	}
	if len(nw.buf) > 0 {
		if _, err := nw.w.Write(nw.buf); err != nil {
			nw.err = err
			return err
		}
		nw.buf = nw.buf[:0]
	}
	if cap(nw.buf) > 1<<16 {
		nw.buf = make([]byte, 0, 4096)
	}
	return nil
}

// maybeFlush writes the token buffer out once it is large.
func (nw *Writer) maybeFlush() error {
	if len(nw.buf) >= 4096 {
		return nw.flush()
	}
	return nw.err
}

// closeFile ends the open regular or symlink node.
func (nw *Writer) closeFile() error {
	if !nw.file {
		return nil
	}
	if nw.left != 0 {
		return fmt.Errorf("nar: %d bytes of contents missing", nw.left)
	}
	nw.pad(uint64(nw.size))
	nw.str(")")
	if nw.child {
		nw.str(")")
	}
	nw.file, nw.size = false, 0
	return nil
}

// popDir ends the innermost open directory.
func (nw *Writer) popDir() {
	nw.dirs = nw.dirs[:len(nw.dirs)-1]
	nw.str(")")
	if len(nw.dirs) > 0 {
		nw.str(")")
	}
}

// WriteEntry starts the next node.
func (nw *Writer) WriteEntry(e Entry) error {
	if nw.err != nil {
		return nw.err
	}
	if nw.closed {
		return fmt.Errorf("nar: write to closed writer")
	}
	if err := nw.closeFile(); err != nil {
		return err
	}
	if !nw.started {
		if e.Path != "/" {
			return fmt.Errorf("nar: first entry is %q, not the root /", e.Path)
		}
		nw.started = true
		nw.str(magic)
		nw.child = false
	} else {
		if e.Path == "/" || path.Clean(e.Path) != e.Path || e.Path[0] != '/' {
			return fmt.Errorf("nar: invalid entry path %q", e.Path)
		}
		dir, name := splitPath(e.Path)
		if err := ValidName(name); err != nil {
			return fmt.Errorf("nar: %s: %w", e.Path, err)
		}
		for len(nw.dirs) > 0 && nw.dirs[len(nw.dirs)-1].path != dir {
			nw.popDir()
		}
		if len(nw.dirs) == 0 {
			return fmt.Errorf("nar: entry %q is not inside an open directory", e.Path)
		}
		d := &nw.dirs[len(nw.dirs)-1]
		if d.last != "" && name <= d.last {
			return fmt.Errorf("nar: entry %q does not sort after %q", e.Path, childPath(dir, d.last))
		}
		d.last = name
		nw.str("entry")
		nw.str("(")
		nw.str("name")
		nw.str(name)
		nw.str("node")
		nw.child = true
	}
	nw.str("(")
	nw.str("type")
	switch e.Type {
	case Regular:
		if e.Size < 0 {
			return fmt.Errorf("nar: %s: negative size", e.Path)
		}
		nw.str("regular")
		if e.Executable {
			nw.str("executable")
			nw.str("")
		}
		nw.str("contents")
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(e.Size))
		nw.buf = append(nw.buf, n[:]...)
		nw.file, nw.left, nw.size = true, e.Size, e.Size
	case Symlink:
		if err := validTarget(e.Target); err != nil {
			return fmt.Errorf("nar: %s: %w", e.Path, err)
		}
		nw.str("symlink")
		nw.str("target")
		nw.str(e.Target)
		nw.file, nw.left, nw.size = true, 0, 0
	case Directory:
		nw.str("directory")
		nw.dirs = append(nw.dirs, openDir{path: e.Path})
	default:
		return fmt.Errorf("nar: %s: invalid type %v", e.Path, e.Type)
	}
	return nw.maybeFlush()
}

// Write writes contents of the open regular file.
func (nw *Writer) Write(p []byte) (int, error) {
	if int64(len(p)) > nw.left {
		return 0, fmt.Errorf("nar: contents longer than the %d bytes announced", nw.size)
	}
	if err := nw.flush(); err != nil {
		return 0, err
	}
	n, err := nw.w.Write(p)
	nw.left -= int64(n)
	if err != nil {
		nw.err = err
	}
	return n, err
}

// ReadFrom copies the contents of the open regular file from r, which
// must supply exactly the announced size, through one buffer reused for
// every file (HashPath's hasher reads into its own chunks instead).
func (nw *Writer) ReadFrom(r io.Reader) (int64, error) {
	if err := nw.flush(); err != nil {
		return 0, err
	}
	lr := &io.LimitedReader{R: r, N: nw.left}
	var n int64
	var err error
	if cr, ok := nw.w.(chunkReader); ok {
		n, err = cr.readChunks(lr)
	} else {
		if nw.copyBuf == nil {
			nw.copyBuf = make([]byte, 256<<10)
		}
		n, err = io.CopyBuffer(nw.w, lr, nw.copyBuf)
	}
	nw.left -= n
	if err != nil {
		nw.err = err
		return n, err
	}
	if nw.left != 0 {
		return n, fmt.Errorf("nar: contents ended %d bytes short", nw.left)
	}
	return n, nil
}

// chunkReader is a destination that reads file contents into its own
// buffers, saving a copy.
type chunkReader interface {
	readChunks(r io.Reader) (int64, error)
}

// Close ends the archive and flushes it; it does not close the underlying
// writer.
func (nw *Writer) Close() error {
	if nw.closed {
		return nw.err
	}
	if !nw.started {
		return fmt.Errorf("nar: empty archive")
	}
	if err := nw.closeFile(); err != nil {
		return err
	}
	for len(nw.dirs) > 0 {
		nw.popDir()
	}
	nw.closed = true
	return nw.flush()
}
