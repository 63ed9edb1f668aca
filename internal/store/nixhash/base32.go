package nixhash

import (
	"fmt"
	"strings"
)

// base32Chars is Nix's base-32 alphabet: digits and lower-case letters
// without e, o, u and t.
const base32Chars = "0123456789abcdfghijklmnpqrsvwxyz"

// Base32Len is the length of the base-32 encoding of size bytes.
func Base32Len(size int) int {
	if size <= 0 {
		return 0
	}
	return (size*8-1)/5 + 1
}

// EncodeBase32 encodes b in Nix's base 32, which reads the bytes from
// the end (it is not RFC 4648).
func EncodeBase32(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	n := Base32Len(len(b))
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		bit := uint(i * 5)
		j, k := bit/8, bit%8
		c := b[j] >> k
		if int(j)+1 < len(b) {
			c |= b[j+1] << (8 - k)
		}
		out[n-1-i] = base32Chars[c&0x1f]
	}
	return string(out)
}

// IsBase32Char reports whether c is in Nix's base-32 alphabet.
func IsBase32Char(c byte) bool { return strings.IndexByte(base32Chars, c) >= 0 }

// DecodeBase32 decodes s, which must be the encoding of exactly size
// bytes; bits beyond size bytes must be zero.
func DecodeBase32(s string, size int) ([]byte, error) {
	if len(s) != Base32Len(size) {
		return nil, fmt.Errorf("base-32 string of length %d does not encode %d bytes", len(s), size)
	}
	out := make([]byte, size)
	for n := 0; n < len(s); n++ {
		c := s[len(s)-n-1]
		x := strings.IndexByte(base32Chars, c)
		if x < 0 {
			return nil, fmt.Errorf("invalid base-32 character %q", c)
		}
		d := byte(x)
		bit := uint(n * 5)
		i, j := bit/8, bit%8
		out[i] |= d << j
		carry := d >> (8 - j)
		if int(i) < size-1 {
			out[i+1] |= carry
		} else if carry != 0 {
			return nil, fmt.Errorf("base-32 string %q has bits beyond %d bytes", s, size)
		}
	}
	return out, nil
}
