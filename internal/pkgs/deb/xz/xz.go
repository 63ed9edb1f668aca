// Package xz decompresses the .xz format (xz-file-format 1.2) with the
// LZMA2 filter, the compression of most Debian packages' data.tar.xz.
// It reads one or more concatenated streams, checks every header, block
// size, integrity check (CRC32, CRC64, SHA-256) and index against the
// blocks read, and refuses other filters (BCJ, delta), which dpkg-deb
// does not use.
//
// It exists for speed: decoding Debian's archives is most of unpacking
// them, and this decoder reads each LZMA2 chunk (at most 64 KiB) into
// memory and decodes it from a byte slice, into a dictionary that is
// also the output buffer, which makes it about twice as fast as
// github.com/ulikunitz/xz (figures in docs/benchmarks.md, bench/pkgs).
package xz

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
)

// maxDict bounds the dictionary a stream may ask for (xz -9 uses 64 MiB).
const maxDict = 1 << 30

var (
	headerMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0}
	footerMagic = []byte{'Y', 'Z'}
	crc64Table  = crc64.MakeTable(crc64.ECMA)
)

// Reader decompresses an .xz file.
type Reader struct {
	r   *bufio.Reader
	err error // sticky

	// The stream.
	inStream bool
	flags    [2]byte // stream flags: the check type in flags[1]
	records  [][2]uint64

	// The block.
	inBlock          bool
	check            hash.Hash // nil for no check
	checkSize        int
	headerSize       int64
	compressed       int64 // compressed bytes of the block so far
	uncompressed     uint64
	wantCompressed   int64  // -1: not given
	wantUncompressed uint64 // ^0: not given

	// LZMA2.
	w           window
	lz          lzmaDec
	rc          rangeDec
	in          []byte
	chunkLeft   int  // uncompressed bytes of the current chunk still to decode
	chunkLZMA   bool // the current chunk is LZMA (else stored)
	chunkIn     int  // the LZMA chunk's compressed size
	needDictRst bool
	needProps   bool
	dictSize    int
}

// NewReader returns a Reader of the .xz data in r.
func NewReader(r io.Reader) (*Reader, error) {
	z := &Reader{r: bufio.NewReaderSize(r, 64<<10), in: make([]byte, 1<<16+symbolInput)}
	if err := z.streamHeader(); err != nil {
		return nil, err
	}
	return z, nil
}

func (z *Reader) fail(err error) error {
	if z.err == nil {
		z.err = err
	}
	return z.err
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("xz: "+format, args...)
}

// full reads len(b) bytes, an unexpected EOF being corruption.
func (z *Reader) full(b []byte) error {
	if _, err := io.ReadFull(z.r, b); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return corrupt("truncated")
		}
		return err
	}
	return nil
}

func (z *Reader) streamHeader() error {
	var h [12]byte
	if err := z.full(h[:]); err != nil {
		return err
	}
	if !bytes.Equal(h[:6], headerMagic) {
		return corrupt("not an .xz stream")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return corrupt("stream header CRC32 mismatch")
	}
	if h[6] != 0 || h[7]&0xF0 != 0 {
		return corrupt("unsupported stream flags %#x%02x", h[6], h[7])
	}
	z.flags = [2]byte{h[6], h[7]}
	switch h[7] {
	case 0x00, 0x01, 0x04, 0x0A:
	default:
		return corrupt("unsupported integrity check type %d", h[7])
	}
	z.inStream, z.records = true, z.records[:0]
	return nil
}

func (z *Reader) newCheck() {
	switch z.flags[1] {
	case 0x01:
		z.check, z.checkSize = crc32.NewIEEE(), 4
	case 0x04:
		z.check, z.checkSize = crc64.New(crc64Table), 8
	case 0x0A:
		z.check, z.checkSize = sha256.New(), 32
	default:
		z.check, z.checkSize = nil, 0
	}
}

// uvarint decodes a multibyte integer of a header from b.
func uvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 9; i++ {
		v |= uint64(b[i]&0x7F) << (7 * i)
		if b[i]&0x80 == 0 {
			if b[i] == 0 && i > 0 {
				return 0, 0, corrupt("non-minimal integer")
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, corrupt("bad integer")
}

// blockHeader reads the rest of a block header whose first byte is size.
func (z *Reader) blockHeader(size byte) error {
	n := (int(size) + 1) * 4
	h := make([]byte, n)
	h[0] = size
	if err := z.full(h[1:]); err != nil {
		return err
	}
	if crc32.ChecksumIEEE(h[:n-4]) != binary.LittleEndian.Uint32(h[n-4:]) {
		return corrupt("block header CRC32 mismatch")
	}
	flags := h[1]
	if flags&0x3C != 0 {
		return corrupt("unsupported block flags %#x", flags)
	}
	if flags&3 != 0 {
		return corrupt("a filter chain other than LZMA2 alone")
	}
	b := h[2 : n-4]
	z.wantCompressed, z.wantUncompressed = -1, ^uint64(0)
	if flags&0x40 != 0 {
		v, k, err := uvarint(b)
		if err != nil {
			return err
		}
		if v == 0 || v > 1<<62 {
			return corrupt("bad compressed size")
		}
		z.wantCompressed, b = int64(v), b[k:]
	}
	if flags&0x80 != 0 {
		v, k, err := uvarint(b)
		if err != nil {
			return err
		}
		z.wantUncompressed, b = v, b[k:]
	}
	id, k, err := uvarint(b)
	if err != nil {
		return err
	}
	b = b[k:]
	if id != 0x21 {
		return corrupt("unsupported filter %#x (cairn reads LZMA2 alone)", id)
	}
	psize, k, err := uvarint(b)
	if err != nil {
		return err
	}
	b = b[k:]
	if psize != 1 || len(b) < 1 {
		return corrupt("bad LZMA2 properties")
	}
	p := b[0]
	if p > 40 {
		return corrupt("bad LZMA2 dictionary size")
	}
	for _, c := range b[1:] {
		if c != 0 {
			return corrupt("block header padding is not zero")
		}
	}
	dict := uint64(0xFFFFFFFF)
	if p < 40 {
		dict = uint64(2|p&1) << (p/2 + 11)
	}
	if dict > maxDict {
		return corrupt("dictionary of %d bytes is too large", dict)
	}
	z.dictSize = int(dict)
	z.headerSize = int64(n)
	z.compressed, z.uncompressed = 0, 0
	z.needDictRst, z.needProps = true, true
	z.chunkLeft = 0
	z.inBlock = true
	z.newCheck()
	z.w.reset(z.dictSize, z.sizeHint())
	return nil
}

// sizeHint is the block's uncompressed size when its header gives it,
// at most 16 MiB (a header is not trusted with more memory than that
// before the data comes), else 0.
func (z *Reader) sizeHint() int {
	if z.wantUncompressed == ^uint64(0) {
		return 0
	}
	return int(min(z.wantUncompressed, 16<<20))
}

// endBlock reads the block's padding and check.
func (z *Reader) endBlock() error {
	if z.wantCompressed >= 0 && z.compressed != z.wantCompressed {
		return corrupt("block compressed size mismatch")
	}
	if z.wantUncompressed != ^uint64(0) && z.uncompressed != z.wantUncompressed {
		return corrupt("block uncompressed size mismatch")
	}
	for pad := (4 - z.compressed%4) % 4; pad > 0; pad-- {
		c, err := z.r.ReadByte()
		if err != nil {
			return corrupt("truncated")
		}
		if c != 0 {
			return corrupt("block padding is not zero")
		}
	}
	if z.check != nil {
		var got [32]byte
		if err := z.full(got[:z.checkSize]); err != nil {
			return err
		}
		sum := z.check.Sum(nil)
		if z.checkSize != 32 {
			// CRCs are stored little-endian; Sum gives them big-endian.
			for i, j := 0, len(sum)-1; i < j; i, j = i+1, j-1 {
				sum[i], sum[j] = sum[j], sum[i]
			}
		}
		if !bytes.Equal(sum, got[:z.checkSize]) {
			return corrupt("integrity check mismatch")
		}
	}
	unpadded := uint64(z.headerSize + z.compressed + int64(z.checkSize))
	z.records = append(z.records, [2]uint64{unpadded, z.uncompressed})
	z.inBlock = false
	return nil
}

// index reads the index (its indicator byte read) and the footer, and
// checks them against the blocks read.
func (z *Reader) index() error {
	crc := crc32.NewIEEE()
	crc.Write([]byte{0})
	size := 1
	read := func(n int) ([]byte, error) {
		b := make([]byte, n)
		if err := z.full(b); err != nil {
			return nil, err
		}
		crc.Write(b)
		size += n
		return b, nil
	}
	varint := func() (uint64, error) {
		var b [9]byte
		for i := range b {
			c, err := read(1)
			if err != nil {
				return 0, err
			}
			b[i] = c[0]
			if c[0]&0x80 == 0 {
				v, _, err := uvarint(b[:i+1])
				return v, err
			}
		}
		return 0, corrupt("bad integer in the index")
	}
	count, err := varint()
	if err != nil {
		return err
	}
	if count != uint64(len(z.records)) {
		return corrupt("the index lists %d blocks, the stream has %d", count, len(z.records))
	}
	for _, r := range z.records {
		for _, want := range r {
			v, err := varint()
			if err != nil {
				return err
			}
			if v != want {
				return corrupt("the index does not match the blocks")
			}
		}
	}
	if pad := (4 - size%4) % 4; pad > 0 {
		b, err := read(pad)
		if err != nil {
			return err
		}
		for _, c := range b {
			if c != 0 {
				return corrupt("index padding is not zero")
			}
		}
	}
	var sum [4]byte
	if err := z.full(sum[:]); err != nil {
		return err
	}
	if crc.Sum32() != binary.LittleEndian.Uint32(sum[:]) {
		return corrupt("index CRC32 mismatch")
	}
	size += 4
	var f [12]byte
	if err := z.full(f[:]); err != nil {
		return err
	}
	if crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f[:4]) {
		return corrupt("stream footer CRC32 mismatch")
	}
	if int64(binary.LittleEndian.Uint32(f[4:8])+1)*4 != int64(size) {
		return corrupt("the stream footer's index size does not match")
	}
	if f[8] != z.flags[0] || f[9] != z.flags[1] || !bytes.Equal(f[10:], footerMagic) {
		return corrupt("the stream footer does not match the header")
	}
	z.inStream = false
	return nil
}

// nextStream skips stream padding and starts the next stream; io.EOF
// when there is none.
func (z *Reader) nextStream() error {
	for {
		b, err := z.r.Peek(4)
		if len(b) == 0 && err == io.EOF {
			return io.EOF
		}
		if len(b) < 4 {
			return corrupt("truncated stream padding")
		}
		if !bytes.Equal(b, []byte{0, 0, 0, 0}) {
			return z.streamHeader()
		}
		z.r.Discard(4)
	}
}

// chunkHeader reads the next LZMA2 chunk header; false at the block's
// end marker.
func (z *Reader) chunkHeader() (bool, error) {
	c, err := z.r.ReadByte()
	if err != nil {
		return false, corrupt("truncated")
	}
	z.compressed++
	if c == 0 {
		return false, nil
	}
	if c >= 0xE0 || c == 1 {
		z.needProps, z.needDictRst = true, false
		if z.w.start != z.w.pos {
			return false, corrupt("internal: dictionary reset with unread output")
		}
		z.w.reset(z.dictSize, z.sizeHint())
	} else if z.needDictRst {
		return false, corrupt("the first LZMA2 chunk does not reset the dictionary")
	}
	var h [5]byte
	if c < 0x80 {
		if c > 2 {
			return false, corrupt("bad LZMA2 control byte %#x", c)
		}
		if err := z.full(h[:2]); err != nil {
			return false, err
		}
		z.compressed += 2
		z.chunkLeft = int(binary.BigEndian.Uint16(h[:2])) + 1
		z.chunkLZMA = false
		return true, nil
	}
	n := 4
	if c >= 0xC0 {
		n = 5
	}
	if err := z.full(h[:n]); err != nil {
		return false, err
	}
	z.compressed += int64(n)
	z.chunkLeft = int(c&0x1F)<<16 + int(binary.BigEndian.Uint16(h[:2])) + 1
	z.chunkIn = int(binary.BigEndian.Uint16(h[2:4])) + 1
	if c >= 0xC0 {
		z.needProps = false
		if err := z.lz.props(h[4]); err != nil {
			return false, err
		}
		z.lz.reset()
	} else if z.needProps {
		return false, corrupt("an LZMA2 chunk without properties")
	} else if c >= 0xA0 {
		z.lz.reset()
	}
	if err := z.full(z.in[:z.chunkIn]); err != nil {
		return false, err
	}
	z.compressed += int64(z.chunkIn)
	if err := z.rc.init(z.in, z.chunkIn); err != nil {
		return false, err
	}
	z.chunkLZMA = true
	return true, nil
}

// decode decodes at least one byte of output into z.w, or ends the block
// (false).
func (z *Reader) decode() (bool, error) {
	for z.chunkLeft == 0 {
		if z.chunkLZMA {
			// The finished LZMA chunk: all input used, nothing pending.
			if z.lz.pending != 0 || z.rc.pos != z.chunkIn || z.rc.code != 0 {
				return false, errCorrupt
			}
			z.chunkLZMA = false
		}
		ok, err := z.chunkHeader()
		if err != nil || !ok {
			return false, err
		}
	}
	room := z.w.room()
	n := min(room, z.chunkLeft)
	z.w.limit = z.w.pos + n
	if z.chunkLZMA {
		before := z.w.pos
		if err := z.lz.decode(&z.rc, &z.w, z.chunkIn); err != nil {
			return false, err
		}
		n = z.w.pos - before
	} else {
		if err := z.full(z.w.buf[z.w.pos : z.w.pos+n]); err != nil {
			return false, err
		}
		z.compressed += int64(n)
		z.w.pos += n
		if z.w.full < z.w.pos {
			z.w.full = z.w.pos
		}
	}
	z.chunkLeft -= n
	z.uncompressed += uint64(n)
	return true, nil
}

// Read reads decompressed data.
func (z *Reader) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	for z.w.start == z.w.pos {
		var err error
		switch {
		case z.inBlock:
			var ok bool
			ok, err = z.decode()
			if err == nil && !ok {
				err = z.endBlock()
			}
		case z.inStream:
			var c byte
			c, err = z.r.ReadByte()
			switch {
			case err != nil:
				err = corrupt("truncated")
			case c == 0:
				err = z.index()
			default:
				err = z.blockHeader(c)
			}
		default:
			err = z.nextStream()
		}
		if err != nil {
			return 0, z.fail(err)
		}
	}
	n := copy(p, z.w.buf[z.w.start:z.w.pos])
	if z.check != nil {
		z.check.Write(z.w.buf[z.w.start : z.w.start+n])
	}
	z.w.start += n
	return n, nil
}
