package storepath

import (
	"crypto/sha256"
	"fmt"
	"sort"

	"cairn.dev/cairn/internal/store/nixhash"
)

// Make computes the store path of an object as Nix's makeStorePath does:
// the hash part is the base-32 compression of
// sha256("TYP:ALGO:HEX:STOREDIR:NAME").
func Make(storeDir, typ string, h nixhash.Hash, name string) (Path, error) {
	if err := ValidateName(name); err != nil {
		return Path{}, err
	}
	s := typ + ":" + h.Algo.String() + ":" + h.Hex() + ":" + storeDir + ":" + name
	sum := sha256.Sum256([]byte(s))
	return Path{StoreDir: storeDir, Hash: nixhash.EncodeBase32(nixhash.Compress(sum[:], 20)), Name: name}, nil
}

// Type builds the type string of a path with references, as Nix's
// makeType: "TYP:REF1:REF2...[:self]" with the references (absolute store
// paths) sorted.
func Type(typ string, refs []string, self bool) string {
	sorted := append([]string(nil), refs...)
	sort.Strings(sorted)
	prev := ""
	for i, r := range sorted {
		if i > 0 && r == prev {
			continue
		}
		typ += ":" + r
		prev = r
	}
	if self {
		typ += ":self"
	}
	return typ
}

// Method is how a fixed-output object's content is hashed.
type Method int

// The ingestion methods.
const (
	Flat      Method = iota // the hash of a single file's bytes
	Recursive               // the hash of the NAR serialisation
)

// Prefix returns "r:" for Recursive and "" for Flat, as Nix writes before
// the algorithm in fixed-output hashes.
func (m Method) Prefix() string {
	if m == Recursive {
		return "r:"
	}
	return ""
}

// Text computes the path of a text object (builtins.toFile, .drv files):
// Make("text:REFS", sha256(text), name).
func Text(storeDir, name string, text []byte, refs []string) (Path, error) {
	sum := sha256.Sum256(text)
	return Make(storeDir, Type("text", refs, false), nixhash.Hash{Algo: nixhash.SHA256, Digest: sum[:]}, name)
}

// FixedOutput computes the path of a content-addressed object whose
// content hash is h, as Nix's makeFixedOutputPath: recursive sha256 hashes
// give "source" paths, everything else "output:out" paths over
// "fixed:out:[r:]ALGO:HEX:". Only "source" paths may have references.
func FixedOutput(storeDir string, m Method, h nixhash.Hash, name string, refs []string, self bool) (Path, error) {
	if m == Recursive && h.Algo == nixhash.SHA256 {
		return Make(storeDir, Type("source", refs, self), h, name)
	}
	if len(refs) > 0 || self {
		return Path{}, fmt.Errorf("fixed-output path '%s' hashed with %s%s cannot have references", name, m.Prefix(), h.Algo)
	}
	inner := sha256.Sum256([]byte("fixed:out:" + m.Prefix() + h.Algo.String() + ":" + h.Hex() + ":"))
	return Make(storeDir, "output:out", nixhash.Hash{Algo: nixhash.SHA256, Digest: inner[:]}, name)
}

// OutputName returns the name of a derivation output's path: the
// derivation's name for "out", NAME-OUTPUT otherwise.
func OutputName(drvName, output string) string {
	if output == "out" {
		return drvName
	}
	return drvName + "-" + output
}

// Output computes the path of output of an input-addressed derivation
// named drvName whose hash modulo is h, as Nix's makeOutputPath.
func Output(storeDir, output string, h nixhash.Hash, drvName string) (Path, error) {
	return Make(storeDir, "output:"+output, h, OutputName(drvName, output))
}
