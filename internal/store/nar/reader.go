package nar

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Reader reads a NAR entry by entry. Next returns the next entry; for a
// regular file, Read then returns its contents. The Reader validates as it
// goes: keywords, order and uniqueness of names, the names themselves,
// sizes and zero padding. It reads nothing past the end of the archive.
type Reader struct {
	r     *bufio.Reader
	off   int64 // bytes consumed, for error messages
	state readState
	dirs  []openDir
	cur   Entry
	left  int64 // contents of the current file not yet read
	err   error
}

type readState int

const (
	stStart   readState = iota // before the magic
	stContent                  // inside a regular file's contents
	stEnded                    // a non-directory node's contents are done; its ")" is next
	stNode                     // a node is complete; close its entry
	stDir                      // inside a directory, before "entry" or ")"
	stEOF
)

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10)}
}

// ErrCorrupt is wrapped by every error about malformed input.
var ErrCorrupt = errors.New("corrupt NAR")

func (nr *Reader) corrupt(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ErrCorrupt, nr.off, fmt.Sprintf(format, args...))
}

func (nr *Reader) full(p []byte) error {
	n, err := io.ReadFull(nr.r, p)
	nr.off += int64(n)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nr.corrupt("unexpected end of archive")
	}
	return err
}

func (nr *Reader) u64() (uint64, error) {
	var b [8]byte
	if err := nr.full(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

func (nr *Reader) padding(n uint64) error {
	var b [8]byte
	p := b[:padLen(n)]
	if err := nr.full(p); err != nil {
		return err
	}
	for _, c := range p {
		if c != 0 {
			return nr.corrupt("non-zero padding")
		}
	}
	return nil
}

// str reads a string of at most max bytes.
func (nr *Reader) str(max int) (string, error) {
	n, err := nr.u64()
	if err != nil {
		return "", err
	}
	if n > uint64(max) {
		return "", nr.corrupt("string of %d bytes where at most %d are allowed", n, max)
	}
	b := make([]byte, n)
	if err := nr.full(b); err != nil {
		return "", err
	}
	if err := nr.padding(n); err != nil {
		return "", err
	}
	return string(b), nil
}

func (nr *Reader) expect(want string) error {
	s, err := nr.str(maxToken)
	if err != nil {
		return err
	}
	if s != want {
		return nr.corrupt("expected %q, got %q", want, s)
	}
	return nil
}

// Next advances to the next entry; it returns io.EOF after the last one.
// Contents of the current file that were not read are skipped.
func (nr *Reader) Next() (*Entry, error) {
	if nr.err != nil {
		return nil, nr.err
	}
	e, err := nr.next()
	if err != nil {
		nr.err = err
		return nil, err
	}
	return e, nil
}

func (nr *Reader) next() (*Entry, error) {
	for {
		switch nr.state {
		case stStart:
			if err := nr.expect(magic); err != nil {
				return nil, err
			}
			return nr.node("/")
		case stContent:
			if _, err := io.CopyN(io.Discard, nr, nr.left); err != nil {
				return nil, err
			}
			if err := nr.padding(uint64(nr.cur.Size)); err != nil {
				return nil, err
			}
			nr.state = stEnded
		case stEnded:
			if err := nr.expect(")"); err != nil {
				return nil, err
			}
			nr.state = stNode
		case stNode:
			if len(nr.dirs) == 0 {
				nr.state = stEOF
				continue
			}
			if err := nr.expect(")"); err != nil {
				return nil, err
			}
			nr.state = stDir
		case stDir:
			tok, err := nr.str(maxToken)
			if err != nil {
				return nil, err
			}
			d := &nr.dirs[len(nr.dirs)-1]
			switch tok {
			case ")":
				nr.dirs = nr.dirs[:len(nr.dirs)-1]
				nr.state = stNode
			case "entry":
				if err := nr.expect("("); err != nil {
					return nil, err
				}
				if err := nr.expect("name"); err != nil {
					return nil, err
				}
				name, err := nr.str(maxName)
				if err != nil {
					return nil, err
				}
				if err := ValidName(name); err != nil {
					return nil, nr.corrupt("%v", err)
				}
				if d.last != "" && name <= d.last {
					return nil, nr.corrupt("entry '%s' in directory '%s' does not sort after '%s'", name, d.path, d.last)
				}
				d.last = name
				if err := nr.expect("node"); err != nil {
					return nil, err
				}
				return nr.node(childPath(d.path, name))
			default:
				return nil, nr.corrupt("expected \"entry\" or \")\", got %q", tok)
			}
		case stEOF:
			return nil, io.EOF
		}
	}
}

// node reads a node's opening up to its contents.
func (nr *Reader) node(p string) (*Entry, error) {
	if err := nr.expect("("); err != nil {
		return nil, err
	}
	if err := nr.expect("type"); err != nil {
		return nil, err
	}
	typ, err := nr.str(maxToken)
	if err != nil {
		return nil, err
	}
	nr.cur = Entry{Path: p}
	switch typ {
	case "regular":
		nr.cur.Type = Regular
		tok, err := nr.str(maxToken)
		if err != nil {
			return nil, err
		}
		if tok == "executable" {
			nr.cur.Executable = true
			if err := nr.expect(""); err != nil {
				return nil, err
			}
			if tok, err = nr.str(maxToken); err != nil {
				return nil, err
			}
		}
		if tok != "contents" {
			return nil, nr.corrupt("expected \"contents\", got %q", tok)
		}
		n, err := nr.u64()
		if err != nil {
			return nil, err
		}
		if n > math.MaxInt64 {
			return nil, nr.corrupt("file size %d too large", n)
		}
		nr.cur.Size, nr.left = int64(n), int64(n)
		nr.state = stContent
	case "symlink":
		nr.cur.Type = Symlink
		if err := nr.expect("target"); err != nil {
			return nil, err
		}
		if nr.cur.Target, err = nr.str(maxTarget); err != nil {
			return nil, err
		}
		if err := validTarget(nr.cur.Target); err != nil {
			return nil, nr.corrupt("%s: %v", p, err)
		}
		nr.state = stEnded
	case "directory":
		nr.cur.Type = Directory
		nr.dirs = append(nr.dirs, openDir{path: p})
		nr.state = stDir
	default:
		return nil, nr.corrupt("unknown file type %q", typ)
	}
	e := nr.cur
	return &e, nil
}

// Read reads the contents of the current regular file; it returns io.EOF
// at their end and for other entries.
func (nr *Reader) Read(p []byte) (int, error) {
	if nr.state != stContent || nr.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > nr.left {
		p = p[:nr.left]
	}
	n, err := nr.r.Read(p)
	nr.off += int64(n)
	nr.left -= int64(n)
	if err == io.EOF {
		if nr.left > 0 {
			err = nr.corrupt("unexpected end of archive in contents of %s", nr.cur.Path)
			nr.err = err
		} else {
			err = nil
		}
	}
	return n, err
}

// Copy reads a whole NAR from r and writes it to w through a Writer,
// which checks it and reproduces it byte for byte. It returns the number
// of bytes of r consumed.
func Copy(w io.Writer, r io.Reader) (int64, error) {
	nr := NewReader(r)
	nw := NewWriter(w)
	for {
		e, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nr.off, err
		}
		if err := nw.WriteEntry(*e); err != nil {
			return nr.off, err
		}
		if e.Type == Regular {
			if _, err := nw.ReadFrom(nr); err != nil {
				return nr.off, err
			}
		}
	}
	return nr.off, nw.Close()
}
