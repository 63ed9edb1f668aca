package xz

import "errors"

var errCorrupt = errors.New("xz: corrupt LZMA2 data")

// The LZMA model, as in the LZMA SDK and XZ Embedded.
const (
	numStates      = 12
	posBitsMax     = 4
	lenLowSyms     = 8
	lenMidSyms     = 8
	lenHighSyms    = 256
	distStates     = 4
	distSlots      = 64
	distModelStart = 4
	distModelEnd   = 14
	fullDistances  = 128
	alignBits      = 4
	matchLenMin    = 2
	literalCoders  = 0x300
	probInit       = 1 << 10
	// symbolInput is more than the range decoder reads for one symbol
	// (a match with a 32-bit distance: under 50 bytes); a chunk's input is
	// padded with it so the decoder checks overruns once per symbol.
	symbolInput = 64
)

// rangeDec is the range decoder of one LZMA chunk, reading in[pos:].
type rangeDec struct {
	rng, code uint32
	in        []byte // the chunk, then symbolInput zero bytes
	pos       int
}

// init starts the decoder on the chunk in[:n] (in has room for the
// padding).
func (rc *rangeDec) init(in []byte, n int) error {
	if n < 5 || in[0] != 0 {
		return errCorrupt
	}
	clear(in[n : n+symbolInput])
	rc.in = in[:n+symbolInput]
	rc.rng = 0xFFFFFFFF
	rc.code = uint32(in[1])<<24 | uint32(in[2])<<16 | uint32(in[3])<<8 | uint32(in[4])
	rc.pos = 5
	if rc.code == rc.rng {
		return errCorrupt
	}
	return nil
}

// bit decodes one bit with the probability *p and adapts it.
func (rc *rangeDec) bit(p *uint16) uint32 {
	if rc.rng < 1<<24 {
		rc.rng <<= 8
		rc.code = rc.code<<8 | uint32(rc.in[rc.pos])
		rc.pos++
	}
	bound := (rc.rng >> 11) * uint32(*p)
	if rc.code < bound {
		rc.rng = bound
		*p += (2048 - *p) >> 5
		return 0
	}
	rc.rng -= bound
	rc.code -= bound
	*p -= *p >> 5
	return 1
}

// tree decodes a bit tree of len(probs) leaves (a power of two). It
// and the literal decoders keep the decoder in local variables: they
// decode most of the bits.
func (rc *rangeDec) tree(probs []uint16) uint32 {
	n := uint32(len(probs))
	sym := uint32(1)
	rng, code, in, pos := rc.rng, rc.code, rc.in, rc.pos
	for sym < n {
		if rng < 1<<24 {
			rng <<= 8
			code = code<<8 | uint32(in[pos])
			pos++
		}
		p := &probs[sym]
		bound := (rng >> 11) * uint32(*p)
		if code < bound {
			rng = bound
			*p += (2048 - *p) >> 5
			sym <<= 1
		} else {
			rng -= bound
			code -= bound
			*p -= *p >> 5
			sym = sym<<1 | 1
		}
	}
	rc.rng, rc.code, rc.pos = rng, code, pos
	return sym - n
}

// literal decodes a literal with probs (0x300 of them).
func (rc *rangeDec) literal(probs []uint16) byte {
	probs = probs[:0x100]
	sym := uint32(1)
	rng, code, in, pos := rc.rng, rc.code, rc.in, rc.pos
	for sym < 0x100 {
		if rng < 1<<24 {
			rng <<= 8
			code = code<<8 | uint32(in[pos])
			pos++
		}
		p := &probs[sym]
		bound := (rng >> 11) * uint32(*p)
		if code < bound {
			rng = bound
			*p += (2048 - *p) >> 5
			sym <<= 1
		} else {
			rng -= bound
			code -= bound
			*p -= *p >> 5
			sym = sym<<1 | 1
		}
	}
	rc.rng, rc.code, rc.pos = rng, code, pos
	return byte(sym)
}

// matchedLiteral decodes a literal after a match, with the byte at the
// match distance as context.
func (rc *rangeDec) matchedLiteral(probs []uint16, matchByte byte) byte {
	probs = probs[:0x300]
	sym := uint32(1)
	match := uint32(matchByte) << 1
	offset := uint32(0x100)
	rng, code, in, pos := rc.rng, rc.code, rc.in, rc.pos
	for sym < 0x100 {
		if rng < 1<<24 {
			rng <<= 8
			code = code<<8 | uint32(in[pos])
			pos++
		}
		mbit := match & offset
		match <<= 1
		p := &probs[offset+mbit+sym]
		bound := (rng >> 11) * uint32(*p)
		if code < bound {
			rng = bound
			*p += (2048 - *p) >> 5
			sym <<= 1
			offset &^= mbit
		} else {
			rng -= bound
			code -= bound
			*p -= *p >> 5
			sym = sym<<1 | 1
			offset &= mbit
		}
	}
	rc.rng, rc.code, rc.pos = rng, code, pos
	return byte(sym)
}

// reverse decodes bits bits, least significant first, with the
// probabilities of the tree's nodes 1, 2, ... in probs[0], probs[1], ...
func (rc *rangeDec) reverse(probs []uint16, bits int) uint32 {
	sym, res := uint32(1), uint32(0)
	for i := 0; i < bits; i++ {
		b := rc.bit(&probs[sym-1])
		sym = sym<<1 | b
		res |= b << i
	}
	return res
}

// direct decodes bits bits of equal probability.
func (rc *rangeDec) direct(bits int) uint32 {
	var res uint32
	for ; bits > 0; bits-- {
		if rc.rng < 1<<24 {
			rc.rng <<= 8
			rc.code = rc.code<<8 | uint32(rc.in[rc.pos])
			rc.pos++
		}
		rc.rng >>= 1
		rc.code -= rc.rng
		mask := 0 - (rc.code >> 31)
		rc.code += rc.rng & mask
		res = res<<1 + mask + 1
	}
	return res
}

// lenDec is a length decoder (matches and repeated matches each have one).
type lenDec struct {
	choice, choice2 uint16
	low             [1 << posBitsMax][lenLowSyms]uint16
	mid             [1 << posBitsMax][lenMidSyms]uint16
	high            [lenHighSyms]uint16
}

func (l *lenDec) decode(rc *rangeDec, posState uint32) uint32 {
	if rc.bit(&l.choice) == 0 {
		return rc.tree(l.low[posState][:]) + matchLenMin
	}
	if rc.bit(&l.choice2) == 0 {
		return rc.tree(l.mid[posState][:]) + matchLenMin + lenLowSyms
	}
	return rc.tree(l.high[:]) + matchLenMin + lenLowSyms + lenMidSyms
}

// window is the dictionary and the output: bytes are decoded into
// buf[pos], and buf[start:pos] is not yet read. It grows up to size, then
// wraps.
type window struct {
	buf   []byte
	size  int // the dictionary size
	start int
	pos   int
	full  int // bytes of history, at most size
	limit int // decode up to here
}

// reset empties the dictionary (all output read) for a dictionary of
// size bytes; hint, when positive, is how much the block will write (so
// the buffer is allocated once, not grown).
func (w *window) reset(size, hint int) {
	w.size = size
	w.start, w.pos, w.full = 0, 0, 0
	if hint > 0 && cap(w.buf) < min(hint, size) {
		w.buf = make([]byte, min(hint, size))
	}
	if len(w.buf) > size {
		w.buf = w.buf[:size]
	}
}

// room makes room after pos, once everything has been read, and
// returns how many bytes may be written there.
func (w *window) room() int {
	if w.pos == len(w.buf) {
		if len(w.buf) < w.size {
			n := min(w.size, max(2*len(w.buf), 1<<20))
			if n <= cap(w.buf) {
				w.buf = w.buf[:n]
			} else {
				b := make([]byte, n)
				copy(b, w.buf)
				w.buf = b
			}
		} else {
			w.pos, w.start = 0, 0
		}
	}
	return len(w.buf) - w.pos
}

// get is the byte dist+1 back.
func (w *window) get(dist uint32) byte {
	i := w.pos - int(dist) - 1
	if i < 0 {
		i += len(w.buf)
	}
	return w.buf[i]
}

func (w *window) put(b byte) {
	w.buf[w.pos] = b
	w.pos++
	if w.full < w.pos {
		w.full = w.pos
	}
}

// repeat copies up to n bytes from dist+1 back, as far as limit, and
// returns how many it copied. The caller checked dist against full.
func (w *window) repeat(dist uint32, n int) int {
	n = min(n, w.limit-w.pos)
	src := w.pos - int(dist) - 1
	if src < 0 {
		src += len(w.buf)
	}
	for left := n; left > 0; {
		if src < w.pos && w.pos-src < left {
			// The copy reads what it writes: byte by byte.
			dst, from := w.buf[w.pos:w.pos+left], w.buf[src:src+left]
			for i := range dst {
				dst[i] = from[i]
			}
			w.pos += left
			break
		}
		k := left
		if src >= w.pos {
			// From the end of the buffer (a wrapped window), up to its end.
			k = min(left, len(w.buf)-src)
		}
		copy(w.buf[w.pos:w.pos+k], w.buf[src:src+k])
		w.pos += k
		src += k
		if src == len(w.buf) {
			src = 0
		}
		left -= k
	}
	if w.full < w.pos {
		w.full = w.pos
	}
	return n
}

// lzmaDec is the LZMA decoder's state, kept across the chunks of LZMA2.
type lzmaDec struct {
	state                  uint32
	rep0, rep1, rep2, rep3 uint32
	pending                int // bytes of the last match still to copy
	lc, lp, pbMask         uint32
	lpMask                 uint32

	isMatch    [numStates << posBitsMax]uint16
	isRep      [numStates]uint16
	isRep0     [numStates]uint16
	isRep1     [numStates]uint16
	isRep2     [numStates]uint16
	isRep0Long [numStates << posBitsMax]uint16
	distSlot   [distStates][distSlots]uint16
	distSpec   [fullDistances - distModelEnd]uint16
	distAlign  [1 << alignBits]uint16
	matchLen   lenDec
	repLen     lenDec
	literal    [literalCoders << 4]uint16
}

// props sets lc, lp and pb from an LZMA properties byte.
func (d *lzmaDec) props(b byte) error {
	if b > (4*5+4)*9+8 {
		return errCorrupt
	}
	pb := uint32(b) / 45
	lp := uint32(b) % 45 / 9
	lc := uint32(b) % 9
	if lc+lp > 4 {
		return errors.New("xz: LZMA2 with lc+lp > 4")
	}
	d.lc, d.lp, d.pbMask, d.lpMask = lc, lp, 1<<pb-1, 1<<lp-1
	return nil
}

// reset resets the state and the probabilities.
func (d *lzmaDec) reset() {
	d.state, d.rep0, d.rep1, d.rep2, d.rep3, d.pending = 0, 0, 0, 0, 0, 0
	for _, p := range [][]uint16{d.isMatch[:], d.isRep[:], d.isRep0[:], d.isRep1[:], d.isRep2[:], d.isRep0Long[:],
		d.distSpec[:], d.distAlign[:], d.literal[:literalCoders<<(d.lc+d.lp)]} {
		for i := range p {
			p[i] = probInit
		}
	}
	for i := range d.distSlot {
		for j := range d.distSlot[i] {
			d.distSlot[i][j] = probInit
		}
	}
	for _, l := range []*lenDec{&d.matchLen, &d.repLen} {
		l.choice, l.choice2 = probInit, probInit
		for i := range l.low {
			for j := range l.low[i] {
				l.low[i][j] = probInit
				l.mid[i][j] = probInit
			}
		}
		for i := range l.high {
			l.high[i] = probInit
		}
	}
}

// decode decodes symbols into w until w.limit, or until the chunk's
// input (n bytes) may be exhausted.
func (d *lzmaDec) decode(rc *rangeDec, w *window, n int) error {
	if d.pending > 0 {
		d.pending -= w.repeat(d.rep0, d.pending)
	}
	for w.pos < w.limit {
		if rc.pos > n {
			return errCorrupt
		}
		posState := uint32(w.pos) & d.pbMask
		s := d.state
		if rc.bit(&d.isMatch[s<<posBitsMax+posState]) == 0 {
			var prev uint32
			if w.full > 0 {
				prev = uint32(w.get(0))
			}
			base := literalCoders * ((uint32(w.pos)&d.lpMask)<<d.lc + prev>>(8-d.lc))
			probs := d.literal[base : base+literalCoders]
			var b byte
			if s < 7 {
				b = rc.literal(probs)
			} else {
				b = rc.matchedLiteral(probs, w.get(d.rep0))
			}
			w.put(b)
			switch {
			case s < 4:
				d.state = 0
			case s < 10:
				d.state = s - 3
			default:
				d.state = s - 6
			}
			continue
		}
		var length uint32
		if rc.bit(&d.isRep[s]) == 0 {
			// A match with a new distance.
			if s < 7 {
				d.state = 7
			} else {
				d.state = 10
			}
			d.rep3, d.rep2, d.rep1 = d.rep2, d.rep1, d.rep0
			length = d.matchLen.decode(rc, posState)
			ds := min(length-matchLenMin, distStates-1)
			slot := rc.tree(d.distSlot[ds][:])
			if slot < distModelStart {
				d.rep0 = slot
			} else {
				bits := int(slot>>1) - 1
				dist := (2 | slot&1) << bits
				if slot < distModelEnd {
					dist += rc.reverse(d.distSpec[dist-slot:], bits)
				} else {
					dist += rc.direct(bits-alignBits) << alignBits
					dist += rc.reverse(d.distAlign[1:], alignBits)
				}
				d.rep0 = dist
			}
		} else {
			if rc.bit(&d.isRep0[s]) == 0 {
				if rc.bit(&d.isRep0Long[s<<posBitsMax+posState]) == 0 {
					// A short repeat: one byte at rep0.
					if uint32(w.full) <= d.rep0 {
						return errCorrupt
					}
					if s < 7 {
						d.state = 9
					} else {
						d.state = 11
					}
					w.put(w.get(d.rep0))
					continue
				}
			} else {
				var dist uint32
				if rc.bit(&d.isRep1[s]) == 0 {
					dist = d.rep1
				} else {
					if rc.bit(&d.isRep2[s]) == 0 {
						dist = d.rep2
					} else {
						dist = d.rep3
						d.rep3 = d.rep2
					}
					d.rep2 = d.rep1
				}
				d.rep1 = d.rep0
				d.rep0 = dist
			}
			if s < 7 {
				d.state = 8
			} else {
				d.state = 11
			}
			length = d.repLen.decode(rc, posState)
		}
		if uint32(w.full) <= d.rep0 || d.rep0 >= uint32(w.size) {
			return errCorrupt
		}
		d.pending = int(length) - w.repeat(d.rep0, int(length))
	}
	// Normalised between calls, the decoder has read all of a finished
	// chunk.
	if rc.rng < 1<<24 {
		rc.rng <<= 8
		rc.code = rc.code<<8 | uint32(rc.in[rc.pos])
		rc.pos++
	}
	if rc.pos > n {
		return errCorrupt
	}
	return nil
}
