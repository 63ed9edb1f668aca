// Package token defines source positions for the Nix language front end.
//
// A Pos is a compact offset into a FileSet: the set hands out one contiguous
// range of offsets per file, so a single int identifies file, line and column.
// Positions are resolved into a Position (file name, line, column) only when
// an error or a value such as builtins.unsafeGetAttrPos needs them.
package token

import (
	"fmt"
	"sort"
	"sync"
)

// Pos is a compact source position: an offset into a FileSet. The zero
// value NoPos means "no position".
type Pos int

// NoPos is the zero Pos: no position is known.
const NoPos Pos = 0

// IsValid reports whether p is a known position.
func (p Pos) IsValid() bool { return p != NoPos }

// Position is a resolved source position. Line and Column count from 1;
// Column counts bytes, as Nix does.
type Position struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// IsValid reports whether the position names a line.
func (p Position) IsValid() bool { return p.Line > 0 }

// String formats the position as FILE:LINE:COL, or FILE when no line is known.
func (p Position) String() string {
	if !p.IsValid() {
		if p.Filename == "" {
			return "«unknown»"
		}
		return p.Filename
	}
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// File is one source text registered in a FileSet.
type File struct {
	name  string
	base  int
	size  int
	src   []byte
	mu    sync.Mutex
	lines []int // offsets of the first byte of each line
}

// Name returns the file name as given to AddFile.
func (f *File) Name() string { return f.name }

// Base returns the Pos of the file's first byte.
func (f *File) Base() int { return f.base }

// Size returns the file's size in bytes.
func (f *File) Size() int { return f.size }

// Source returns the file's text.
func (f *File) Source() []byte { return f.src }

// Pos returns the Pos of the byte at offset.
func (f *File) Pos(offset int) Pos {
	if offset < 0 {
		offset = 0
	}
	if offset > f.size {
		offset = f.size
	}
	return Pos(f.base + offset)
}

// Offset returns the byte offset of p within f.
func (f *File) Offset(p Pos) int { return int(p) - f.base }

func (f *File) computeLines() {
	if f.lines != nil {
		return
	}
	lines := []int{0}
	for i, c := range f.src {
		// Nix counts "\r\n", "\r" and "\n" as line ends.
		if c == '\n' {
			lines = append(lines, i+1)
		} else if c == '\r' {
			if i+1 < len(f.src) && f.src[i+1] == '\n' {
				continue
			}
			lines = append(lines, i+1)
		}
	}
	f.lines = lines
}

// Position resolves p, which must belong to f.
func (f *File) Position(p Pos) Position {
	off := f.Offset(p)
	f.mu.Lock()
	f.computeLines()
	lines := f.lines
	f.mu.Unlock()
	i := sort.Search(len(lines), func(i int) bool { return lines[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return Position{Filename: f.name, Offset: off, Line: i + 1, Column: off - lines[i] + 1}
}

// Line returns the text of line n (counting from 1) without its line end.
func (f *File) Line(n int) string {
	f.mu.Lock()
	f.computeLines()
	lines := f.lines
	f.mu.Unlock()
	if n < 1 || n > len(lines) {
		return ""
	}
	start := lines[n-1]
	end := len(f.src)
	if n < len(lines) {
		end = lines[n]
	}
	s := f.src[start:end]
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return string(s)
}

// FileSet holds the files of one evaluation. It is safe for concurrent use.
type FileSet struct {
	mu    sync.RWMutex
	base  int
	files []*File
}

// NewFileSet returns an empty FileSet.
func NewFileSet() *FileSet { return &FileSet{base: 1} }

// AddFile registers src under name and returns its File.
func (s *FileSet) AddFile(name string, src []byte) *File {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &File{name: name, base: s.base, size: len(src), src: src}
	s.base += len(src) + 1
	s.files = append(s.files, f)
	return f
}

// File returns the file that contains p, or nil.
func (s *FileSet) File(p Pos) *File {
	if !p.IsValid() {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.Search(len(s.files), func(i int) bool { return s.files[i].base > int(p) }) - 1
	if i < 0 {
		return nil
	}
	f := s.files[i]
	if int(p) > f.base+f.size {
		return nil
	}
	return f
}

// Position resolves p; it returns the zero Position for NoPos or a Pos
// that belongs to no file.
func (s *FileSet) Position(p Pos) Position {
	if s == nil {
		return Position{}
	}
	f := s.File(p)
	if f == nil {
		return Position{}
	}
	return f.Position(p)
}

// FileByName returns the last file registered under name, or nil.
func (s *FileSet) FileByName(name string) *File {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := len(s.files) - 1; i >= 0; i-- {
		if s.files[i].name == name {
			return s.files[i]
		}
	}
	return nil
}
