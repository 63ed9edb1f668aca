// Package narinfo reads and writes the .narinfo files of Nix binary
// caches and signs and verifies them with ed25519 keys in Nix's format
// ("NAME:BASE64"). A signature covers the fingerprint
//
//	1;STOREPATH;NARHASH;NARSIZE;REF1,REF2,...
//
// of a store object (references as absolute paths, sorted), so it vouches
// for the contents and the references whatever cache serves them.
package narinfo

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/store/nixhash"
	"cairn.dev/cairn/internal/store/storepath"
)

// NarInfo is one .narinfo file.
type NarInfo struct {
	StorePath   string // absolute
	URL         string // of the (compressed) NAR, relative to the cache
	Compression string // "xz", "zstd", "bzip2", "none", ...
	FileHash    *nixhash.Hash
	FileSize    int64
	NarHash     nixhash.Hash
	NarSize     int64
	References  []string // base names, sorted
	Deriver     string   // base name; empty when unknown
	System      string
	Sigs        []string // "KEYNAME:BASE64", sorted
	CA          string   // content address, e.g. "fixed:r:sha256:..."
}

// maxSize bounds what Parse reads; real .narinfo files are a few KiB.
const maxSize = 1 << 20

// Parse parses a .narinfo as Nix does: "Key: value" lines, unknown keys
// ignored, StorePath, URL, NarHash and NarSize required, Compression
// "bzip2" when missing, Deriver "unknown-deriver" meaning none.
func Parse(storeDir string, data []byte) (*NarInfo, error) {
	if len(data) > maxSize {
		return nil, fmt.Errorf("narinfo: %d bytes is too large", len(data))
	}
	n := &NarInfo{}
	s := string(data)
	line := 0
	var haveRefs, haveNarHash bool
	for pos := 0; pos < len(s); {
		line++
		eol := strings.IndexByte(s[pos:], '\n')
		if eol < 0 {
			return nil, fmt.Errorf("narinfo: line %d: missing newline", line)
		}
		l := s[pos : pos+eol]
		pos += eol + 1
		key, value, ok := strings.Cut(l, ": ")
		if !ok {
			return nil, fmt.Errorf("narinfo: line %d: expected 'Key: value', got %q", line, l)
		}
		bad := func(err error) error { return fmt.Errorf("narinfo: line %d: %s: %w", line, key, err) }
		switch key {
		case "StorePath":
			if _, err := storepath.Parse(storeDir, value); err != nil {
				return nil, bad(err)
			}
			n.StorePath = value
		case "URL":
			n.URL = value
		case "Compression":
			n.Compression = value
		case "FileHash":
			h, err := parseHash(value)
			if err != nil {
				return nil, bad(err)
			}
			n.FileHash = &h
		case "FileSize":
			v, err := strconv.ParseInt(value, 10, 64)
			if err != nil || v < 0 {
				return nil, bad(fmt.Errorf("invalid size %q", value))
			}
			n.FileSize = v
		case "NarHash":
			h, err := parseHash(value)
			if err != nil {
				return nil, bad(err)
			}
			n.NarHash, haveNarHash = h, true
		case "NarSize":
			v, err := strconv.ParseInt(value, 10, 64)
			if err != nil || v < 0 {
				return nil, bad(fmt.Errorf("invalid size %q", value))
			}
			n.NarSize = v
		case "References":
			if haveRefs {
				return nil, bad(fmt.Errorf("given twice"))
			}
			haveRefs = true
			for _, r := range strings.Fields(value) {
				if _, err := storepath.ParseBase(storeDir, r); err != nil {
					return nil, bad(err)
				}
				n.References = append(n.References, r)
			}
		case "Deriver":
			if value != "unknown-deriver" {
				if _, err := storepath.ParseBase(storeDir, value); err != nil {
					return nil, bad(err)
				}
				n.Deriver = value
			}
		case "System":
			n.System = value
		case "Sig":
			n.Sigs = append(n.Sigs, value)
		case "CA":
			if n.CA != "" {
				return nil, bad(fmt.Errorf("given twice"))
			}
			n.CA = value
		}
	}
	if n.Compression == "" {
		n.Compression = "bzip2"
	}
	switch {
	case n.StorePath == "":
		return nil, fmt.Errorf("narinfo: no StorePath")
	case n.URL == "":
		return nil, fmt.Errorf("narinfo: no URL")
	case !haveNarHash:
		return nil, fmt.Errorf("narinfo: no NarHash")
	case n.NarSize == 0:
		return nil, fmt.Errorf("narinfo: no NarSize")
	}
	n.References = sortedSet(n.References)
	n.Sigs = sortedSet(n.Sigs)
	return n, nil
}

// parseHash parses "ALGO:HASH" in any encoding Nix accepts.
func parseHash(s string) (nixhash.Hash, error) {
	if !strings.Contains(s, ":") && !strings.Contains(s, "-") {
		return nixhash.Hash{}, fmt.Errorf("hash '%s' has no algorithm", s)
	}
	return nixhash.Parse(s, 0)
}

// String formats the .narinfo as Nix writes it.
func (n *NarInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "StorePath: %s\n", n.StorePath)
	fmt.Fprintf(&b, "URL: %s\n", n.URL)
	fmt.Fprintf(&b, "Compression: %s\n", n.Compression)
	if n.FileHash != nil {
		fmt.Fprintf(&b, "FileHash: %s\n", n.FileHash)
		fmt.Fprintf(&b, "FileSize: %d\n", n.FileSize)
	}
	fmt.Fprintf(&b, "NarHash: %s\n", n.NarHash)
	fmt.Fprintf(&b, "NarSize: %d\n", n.NarSize)
	fmt.Fprintf(&b, "References: %s\n", strings.Join(sortedSet(n.References), " "))
	if n.Deriver != "" {
		fmt.Fprintf(&b, "Deriver: %s\n", n.Deriver)
	}
	for _, s := range sortedSet(n.Sigs) {
		fmt.Fprintf(&b, "Sig: %s\n", s)
	}
	if n.CA != "" {
		fmt.Fprintf(&b, "CA: %s\n", n.CA)
	}
	return b.String()
}

// Fingerprint returns what a signature of the path covers:
// 1;PATH;sha256:NARHASH;NARSIZE;REFS with the references as absolute
// paths, sorted, separated by commas.
func Fingerprint(storeDir, storePath string, narHash nixhash.Hash, narSize int64, refs []string) (string, error) {
	if narHash.Algo != nixhash.SHA256 || narSize == 0 {
		return "", fmt.Errorf("cannot compute the fingerprint of '%s': its NAR hash or size is unknown", storePath)
	}
	abs := make([]string, len(refs))
	for i, r := range refs {
		if !strings.HasPrefix(r, "/") {
			r = storeDir + "/" + r
		}
		abs[i] = r
	}
	return "1;" + storePath + ";" + narHash.String() + ";" + strconv.FormatInt(narSize, 10) + ";" + strings.Join(sortedSet(abs), ","), nil
}

// Fingerprint returns the fingerprint of the store object n describes.
func (n *NarInfo) Fingerprint(storeDir string) (string, error) {
	return Fingerprint(storeDir, n.StorePath, n.NarHash, n.NarSize, n.References)
}

func sortedSet(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	k := 0
	for i, s := range out {
		if i > 0 && s == out[k-1] {
			continue
		}
		out[k] = s
		k++
	}
	return out[:k]
}
