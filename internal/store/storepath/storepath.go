// Package storepath parses and validates Nix store paths and computes them
// exactly as Nix does: every store path is
//
//	STOREDIR/HASH-NAME
//
// where HASH is the Nix base-32 encoding of a 20-byte compression of
// sha256("TYPE:sha256:HEX:STOREDIR:NAME"). The TYPE string says what kind
// of object the path holds: "text:REFS..." for builtins.toFile and .drv
// files, "source" for recursively hashed sources, "output:NAME" for
// derivation outputs and fixed-output paths.
package storepath

import (
	"fmt"
	"path"
	"strings"

	"cairn.dev/cairn/internal/store/nixhash"
)

// DefaultStoreDir is the logical store directory Nix uses unless told
// otherwise.
const DefaultStoreDir = "/nix/store"

// HashLen is the length of the hash part of a store path's base name.
const HashLen = 32

// MaxNameLen is the longest name Nix accepts.
const MaxNameLen = 211

// Path is a parsed store path.
type Path struct {
	StoreDir string // "/nix/store"
	Hash     string // 32 base-32 characters
	Name     string
}

// String returns the absolute path.
func (p Path) String() string { return p.StoreDir + "/" + p.Base() }

// Base returns "HASH-NAME".
func (p Path) Base() string { return p.Hash + "-" + p.Name }

// ValidateName checks a store path name as Nix does: 1 to 211 characters
// from [0-9a-zA-Z+-._?=].
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("store path name is empty")
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("store path name '%s' is longer than %d characters", name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if !nameChar(name[i]) {
			return fmt.Errorf("store path name '%s' contains illegal character '%c'", name, name[i])
		}
	}
	return nil
}

func nameChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		strings.IndexByte("+-._?=", c) >= 0
}

// ParseBase parses a base name "HASH-NAME".
func ParseBase(storeDir, base string) (Path, error) {
	if len(base) < HashLen+2 || base[HashLen] != '-' {
		return Path{}, fmt.Errorf("'%s' is not a valid store path base name (want HASH-NAME with a %d-character hash)", base, HashLen)
	}
	h := base[:HashLen]
	for i := 0; i < len(h); i++ {
		if !nixhash.IsBase32Char(h[i]) {
			return Path{}, fmt.Errorf("store path '%s' contains illegal base-32 character '%c'", base, h[i])
		}
	}
	name := base[HashLen+1:]
	if err := ValidateName(name); err != nil {
		return Path{}, fmt.Errorf("store path '%s': %w", base, err)
	}
	return Path{StoreDir: storeDir, Hash: h, Name: name}, nil
}

// Parse parses an absolute store path directly inside storeDir.
func Parse(storeDir, s string) (Path, error) {
	dir, base := path.Split(s)
	if strings.TrimSuffix(dir, "/") != storeDir || dir == "" {
		return Path{}, fmt.Errorf("path '%s' is not in the Nix store %s", s, storeDir)
	}
	return ParseBase(storeDir, base)
}

// ParseInStore parses a path that is a store path or lies below one
// ("/nix/store/HASH-NAME/bin/sh") and returns the store path and the rest
// ("/bin/sh" or "").
func ParseInStore(storeDir, s string) (Path, string, error) {
	prefix := storeDir + "/"
	if !strings.HasPrefix(s, prefix) {
		return Path{}, "", fmt.Errorf("path '%s' is not in the Nix store %s", s, storeDir)
	}
	base, rest := s[len(prefix):], ""
	if i := strings.IndexByte(base, '/'); i >= 0 {
		base, rest = base[:i], base[i:]
	}
	p, err := ParseBase(storeDir, base)
	return p, rest, err
}
