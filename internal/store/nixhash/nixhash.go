// Package nixhash implements Nix's hash values: the algorithms Nix knows
// (md5, sha1, sha256, sha512), its base-32 alphabet, hash compression, and
// the parsing rules Nix applies to hashes written by users (base 16, base 32,
// base 64 and SRI, with or without an "algo:" prefix).
package nixhash

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
)

// Algo is a hash algorithm Nix supports.
type Algo int

// The algorithms, in the order Nix lists them.
const (
	MD5 Algo = iota + 1
	SHA1
	SHA256
	SHA512
)

// ParseAlgo parses an algorithm name as Nix prints it ("sha256").
func ParseAlgo(s string) (Algo, error) {
	switch s {
	case "md5":
		return MD5, nil
	case "sha1":
		return SHA1, nil
	case "sha256":
		return SHA256, nil
	case "sha512":
		return SHA512, nil
	}
	return 0, fmt.Errorf("unknown hash algorithm '%s'", s)
}

// String returns the algorithm's name ("sha256").
func (a Algo) String() string {
	switch a {
	case MD5:
		return "md5"
	case SHA1:
		return "sha1"
	case SHA256:
		return "sha256"
	case SHA512:
		return "sha512"
	}
	return fmt.Sprintf("Algo(%d)", int(a))
}

// Size is the digest length in bytes.
func (a Algo) Size() int {
	switch a {
	case MD5:
		return md5.Size
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	case SHA512:
		return sha512.Size
	}
	return 0
}

// New returns a hash.Hash computing the algorithm.
func (a Algo) New() hash.Hash {
	switch a {
	case MD5:
		return md5.New()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	case SHA512:
		return sha512.New()
	}
	panic("nixhash: invalid algorithm " + a.String())
}

// Hash is a digest together with its algorithm.
type Hash struct {
	Algo   Algo
	Digest []byte
}

// File hashes the contents of the regular file at path (a flat
// ingestion, as Nix hashes fixed-output files and `builtins.path` with
// recursive = false).
func File(path string, algo Algo) (Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return Hash{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Hash{}, err
	}
	if !fi.Mode().IsRegular() {
		return Hash{}, fmt.Errorf("'%s' is not a regular file (flat hashing needs one)", path)
	}
	h := algo.New()
	if _, err := io.Copy(h, f); err != nil {
		return Hash{}, err
	}
	return Hash{Algo: algo, Digest: h.Sum(nil)}, nil
}

// Sum hashes data with algo.
func Sum(algo Algo, data []byte) Hash {
	h := algo.New()
	h.Write(data)
	return Hash{Algo: algo, Digest: h.Sum(nil)}
}

// Hex returns the digest in base 16.
func (h Hash) Hex() string { return hex.EncodeToString(h.Digest) }

// Base32 returns the digest in Nix's base 32.
func (h Hash) Base32() string { return EncodeBase32(h.Digest) }

// Base64 returns the digest in standard base 64 with padding.
func (h Hash) Base64() string { return base64.StdEncoding.EncodeToString(h.Digest) }

// SRI returns the hash as a Subresource Integrity string ("sha256-...").
func (h Hash) SRI() string { return h.Algo.String() + "-" + h.Base64() }

// String returns "algo:base32", the form Nix prints in narinfo files and
// path-info.
func (h Hash) String() string { return h.Algo.String() + ":" + h.Base32() }

// Equal reports whether two hashes have the same algorithm and digest.
func (h Hash) Equal(o Hash) bool {
	return h.Algo == o.Algo && string(h.Digest) == string(o.Digest)
}

// Compress folds digest into size bytes by xor, as Nix's compressHash does
// to make the 20-byte hash part of a store path.
func Compress(digest []byte, size int) []byte {
	out := make([]byte, size)
	for i, b := range digest {
		out[i%size] ^= b
	}
	return out
}

// Parse parses a hash as Nix's Hash::parseAny does: s may carry an
// "algo:" prefix or be an SRI string ("algo-base64"); otherwise algo (0 for
// unknown) names the algorithm. Without a prefix the encoding is told by
// the length: base 16, Nix base 32 or base 64.
func Parse(s string, algo Algo) (Hash, error) {
	rest := s
	sri := false
	var prefix Algo
	if i := strings.IndexByte(s, ':'); i >= 0 {
		a, err := ParseAlgo(s[:i])
		if err != nil {
			return Hash{}, fmt.Errorf("hash '%s': %w", s, err)
		}
		prefix, rest = a, s[i+1:]
	} else if i := strings.IndexByte(s, '-'); i >= 0 {
		a, err := ParseAlgo(s[:i])
		if err != nil {
			return Hash{}, fmt.Errorf("hash '%s': %w", s, err)
		}
		prefix, rest, sri = a, s[i+1:], true
	}
	switch {
	case prefix == 0 && algo == 0:
		return Hash{}, fmt.Errorf("hash '%s' does not include a type, nor is the type otherwise known from context", s)
	case prefix != 0 && algo != 0 && prefix != algo:
		return Hash{}, fmt.Errorf("hash '%s' should have type '%s'", s, algo)
	case prefix != 0:
		algo = prefix
	}
	return decode(rest, algo, sri)
}

// ParseAlgoHash parses a hash whose algorithm is named separately, as a
// derivation's outputHashAlgo is: an empty algo means the hash must carry
// its own (SRI or prefix).
func ParseAlgoHash(s, algo string) (Hash, error) {
	var a Algo
	if algo != "" {
		var err error
		if a, err = ParseAlgo(algo); err != nil {
			return Hash{}, err
		}
	}
	return Parse(s, a)
}

func decode(rest string, algo Algo, sri bool) (Hash, error) {
	size := algo.Size()
	h := Hash{Algo: algo}
	switch {
	case !sri && len(rest) == 2*size:
		d, err := hex.DecodeString(rest)
		if err != nil {
			return Hash{}, fmt.Errorf("invalid base-16 hash '%s'", rest)
		}
		h.Digest = d
	case !sri && len(rest) == Base32Len(size):
		d, err := DecodeBase32(rest, size)
		if err != nil {
			return Hash{}, fmt.Errorf("invalid base-32 hash '%s'", rest)
		}
		h.Digest = d
	case sri || len(rest) == base64.StdEncoding.EncodedLen(size):
		d, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(d) != size {
			kind := "base-64"
			if sri {
				kind = "SRI"
			}
			return Hash{}, fmt.Errorf("invalid %s hash '%s'", kind, rest)
		}
		h.Digest = d
	default:
		return Hash{}, fmt.Errorf("hash '%s' has wrong length for hash type '%s'", rest, algo)
	}
	return h, nil
}
