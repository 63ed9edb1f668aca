// Package refscan finds the store paths that a build output refers to, as
// Nix's scanForReferences does: it searches the NAR serialisation of the
// output (file contents, symlink targets and entry names) for the 32
// character hash parts of candidate store paths.
//
// The search skips ahead over bytes outside Nix's base-32 alphabet: a
// window of 32 bytes is checked from its last byte backwards, and a byte
// that cannot occur in a hash moves the window past it, so text that is
// not base 32 is passed over without looking at most of its bytes.
package refscan

import (
	"context"
	"fmt"
	"path"
	"sort"

	"cairn.dev/cairn/internal/store/nar"
)

// HashLen is the length of a store path's hash part in characters.
const HashLen = 32

const alphabet = "0123456789abcdfghijklmnpqrsvwxyz"

var isBase32 = func() (t [256]bool) {
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = true
	}
	return t
}()

// Scanner searches a byte stream written to it in pieces of any size for
// the hash parts of candidate store paths. It is an io.Writer, so a NAR
// can be teed into it while it is hashed.
type Scanner struct {
	want  map[string]int // hash part -> index in paths, while not yet seen
	paths []string
	seen  []bool
	tail  []byte // up to HashLen-1 last bytes of the stream
	buf   []byte
}

// NewScanner returns a Scanner for the given store paths. A path whose
// base name is shorter than a hash part, or two paths with the same hash
// part, are an error.
func NewScanner(candidates []string) (*Scanner, error) {
	s := &Scanner{want: make(map[string]int, len(candidates)), paths: candidates, seen: make([]bool, len(candidates))}
	for i, p := range candidates {
		base := path.Base(p)
		if len(base) < HashLen+1 || base[HashLen] != '-' {
			return nil, fmt.Errorf("refscan: %q is not a store path", p)
		}
		h := base[:HashLen]
		for j := 0; j < HashLen; j++ {
			if !isBase32[h[j]] {
				return nil, fmt.Errorf("refscan: %q has an invalid hash part", p)
			}
		}
		if j, dup := s.want[h]; dup {
			return nil, fmt.Errorf("refscan: %q and %q have the same hash part", candidates[j], p)
		}
		s.want[h] = i
	}
	return s, nil
}

// Write scans p; it never fails.
func (s *Scanner) Write(p []byte) (int, error) {
	if len(s.want) == 0 {
		return len(p), nil
	}
	// A hash may span the previous piece and this one: search the
	// previous tail joined with the start of p.
	if len(s.tail) > 0 {
		head := min(len(p), HashLen-1)
		s.buf = append(append(s.buf[:0], s.tail...), p[:head]...)
		s.search(s.buf)
	}
	s.search(p)
	if len(p) >= HashLen-1 {
		s.tail = append(s.tail[:0], p[len(p)-(HashLen-1):]...)
	} else {
		s.tail = append(s.tail, p...)
		if n := len(s.tail); n > HashLen-1 {
			s.tail = append(s.tail[:0], s.tail[n-(HashLen-1):]...)
		}
	}
	return len(p), nil
}

func (s *Scanner) search(b []byte) {
	for i := 0; i+HashLen <= len(b); {
		j := HashLen - 1
		for ; j >= 0; j-- {
			if !isBase32[b[i+j]] {
				break
			}
		}
		if j >= 0 {
			i += j + 1
			continue
		}
		if k, ok := s.want[string(b[i:i+HashLen])]; ok {
			s.seen[k] = true
			delete(s.want, string(b[i:i+HashLen]))
			if len(s.want) == 0 {
				return
			}
		}
		i++
	}
}

// Found returns the candidates seen so far, sorted.
func (s *Scanner) Found() []string {
	var out []string
	for i, ok := range s.seen {
		if ok {
			out = append(out, s.paths[i])
		}
	}
	sort.Strings(out)
	return out
}

// Scan returns the candidates whose hash parts occur in the NAR
// serialisation of the file or tree at root, sorted. Files of a kind a NAR
// cannot hold (sockets, devices) are an error, as in Nix.
func Scan(ctx context.Context, root string, candidates []string) ([]string, error) {
	s, err := NewScanner(candidates)
	if err != nil {
		return nil, err
	}
	if err := nar.Dump(ctx, s, root, nil); err != nil {
		return nil, fmt.Errorf("refscan: scanning %s: %w", root, err)
	}
	return s.Found(), nil
}
