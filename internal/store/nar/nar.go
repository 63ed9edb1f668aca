// Package nar reads and writes Nix archives (NAR), the canonical
// serialisation of a file system tree that Nix hashes and ships:
//
//	nar   = str("nix-archive-1") node
//	node  = str("(") str("type") ( regular | symlink | directory ) str(")")
//	regular   = str("regular") [str("executable") str("")] str("contents") str(BYTES)
//	symlink   = str("symlink") str("target") str(TARGET)
//	directory = str("directory") { str("entry") str("(") str("name") str(NAME) str("node") node str(")") }
//
// where str(s) is s's length as a little-endian uint64, s, and zero
// padding to a multiple of 8 bytes. Directory entries are sorted by name
// (byte order) and unique. Only the executable bit of a file's mode is
// kept, so equal trees have equal NARs.
//
// The Reader accepts exactly the canonical form (anything it accepts, the
// Writer writes back byte for byte); Dump serialises a tree on disk as
// nix-store --dump does; HashPath computes what nix-hash --type sha256
// prints, overlapping reads with hashing.
package nar

import (
	"fmt"
	"path"
	"strings"
)

// magic opens every NAR.
const magic = "nix-archive-1"

// Limits on the strings a NAR may hold.
const (
	maxName   = 255  // NAME_MAX
	maxTarget = 4095 // PATH_MAX without the NUL
	maxToken  = 16   // the longest keyword is "nix-archive-1"
)

// Type is the type of a NAR node.
type Type int

// The node types.
const (
	Regular Type = iota + 1
	Directory
	Symlink
)

func (t Type) String() string {
	switch t {
	case Regular:
		return "regular"
	case Directory:
		return "directory"
	case Symlink:
		return "symlink"
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// Entry is one node of a NAR.
type Entry struct {
	// Path is "/" for the root and "/a/b" below it.
	Path       string
	Type       Type
	Executable bool   // regular files
	Size       int64  // regular files: length of the contents
	Target     string // symlinks
}

// ValidName reports whether name may name a directory entry: not empty,
// not "." or "..", no "/" and no NUL.
func ValidName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("invalid file name '%s'", name)
	case len(name) > maxName:
		return fmt.Errorf("file name '%s...' is longer than %d bytes", name[:32], maxName)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("invalid file name %q", name)
	}
	return nil
}

func validTarget(target string) error {
	switch {
	case target == "":
		return fmt.Errorf("empty symlink target")
	case len(target) > maxTarget:
		return fmt.Errorf("symlink target longer than %d bytes", maxTarget)
	case strings.IndexByte(target, 0) >= 0:
		return fmt.Errorf("symlink target %q contains NUL", target)
	}
	return nil
}

// childPath joins a directory's NAR path and an entry name.
func childPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// splitPath splits a NAR path into its directory and name; the root has
// no name.
func splitPath(p string) (dir, name string) {
	dir, name = path.Split(p)
	if dir != "/" {
		dir = strings.TrimSuffix(dir, "/")
	}
	return dir, name
}

// padLen is the padding after n bytes.
func padLen(n uint64) int { return int((8 - n%8) % 8) }
