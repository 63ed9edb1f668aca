package deb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const arMagic = "!<arch>\n"

// maxMemberSize bounds the size an ar header may declare (a .deb of
// more than 16 GiB is refused rather than read).
const maxMemberSize = 1 << 34

// member is one file of an ar archive.
type member struct {
	Name   string
	Size   int64
	Offset int64 // of the header, for error messages
}

// arReader reads the members of an ar archive (the common format, as
// dpkg writes it: 16-byte names, optionally ending in "/").
type arReader struct {
	r       *bufio.Reader
	off     int64 // offset of the next unread byte
	pending int64 // bytes of the current member (and its padding) not yet read
	cur     io.Reader
}

func newArReader(r io.Reader) (*arReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic := make([]byte, len(arMagic))
	if _, err := io.ReadFull(br, magic); err != nil {
		return nil, fmt.Errorf("reading the ar header: %w", noEOF(err))
	}
	if string(magic) != arMagic {
		return nil, errors.New("not an ar archive (a .deb starts with \"!<arch>\\n\")")
	}
	return &arReader{r: br, off: int64(len(arMagic))}, nil
}

// next returns the next member, io.EOF after the last; its content is
// read from a.cur.
func (a *arReader) next() (*member, error) {
	if a.pending > 0 {
		n, err := io.CopyN(io.Discard, a.r, a.pending)
		a.off += n
		if err != nil {
			return nil, fmt.Errorf("offset %d: skipping a member: %w", a.off, noEOF(err))
		}
		a.pending = 0
	}
	var h [60]byte
	n, err := io.ReadFull(a.r, h[:])
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("offset %d: reading a member header: %w", a.off, noEOF(err))
	}
	m := &member{Offset: a.off}
	a.off += int64(n)
	if h[58] != '`' || h[59] != '\n' {
		return nil, fmt.Errorf("offset %d: bad member header (no terminator)", m.Offset)
	}
	name := strings.TrimRight(string(h[0:16]), " ")
	name = strings.TrimSuffix(name, "/")
	if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return nil, fmt.Errorf("offset %d: bad member name %q", m.Offset, string(h[0:16]))
	}
	m.Name = name
	size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
	if err != nil || size < 0 || size > maxMemberSize {
		return nil, fmt.Errorf("offset %d: member %s: bad size %q", m.Offset, name, bytes.TrimSpace(h[48:58]))
	}
	m.Size = size
	a.pending = size + size%2
	a.cur = &memberReader{a: a, left: size}
	return m, nil
}

// memberReader reads the content of the current member and counts what
// it consumed so next can skip the rest.
type memberReader struct {
	a    *arReader
	left int64
}

func (m *memberReader) Read(p []byte) (int, error) {
	if m.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > m.left {
		p = p[:m.left]
	}
	n, err := m.a.r.Read(p)
	m.left -= int64(n)
	m.a.pending -= int64(n)
	m.a.off += int64(n)
	if err == io.EOF && m.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
