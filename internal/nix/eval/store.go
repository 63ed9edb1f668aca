package eval

import "context"

// Store is what evaluation needs of a Nix store. The evaluator never
// touches a store itself: `cairn eval` passes one that only computes paths,
// `cairn build` one that writes them. Implementations live in
// internal/store; the interface lives here so that the language core
// depends on the standard library alone.
type Store interface {
	// StoreDir is the logical store directory, "/nix/store" by default.
	StoreDir() string

	// AddText adds a text file (builtins.toFile) whose content refers to
	// the store paths refs and returns its store path.
	AddText(ctx context.Context, name, text string, refs []string) (string, error)

	// AddPath adds the file or tree at src (a path value coerced to a
	// string, builtins.path, filterSource) and returns its store path.
	AddPath(ctx context.Context, req AddPathRequest) (string, error)

	// Derivation finalises a derivation (computes its output paths, writes
	// the .drv when the store is writable) and returns the .drv path and the
	// output paths by output name.
	Derivation(ctx context.Context, drv *DerivationRequest) (drvPath string, outputs map[string]string, err error)
}

// AddPathRequest describes a path to add to the store.
type AddPathRequest struct {
	Name      string // store path name; defaults to the base name of Src
	Src       string // absolute filesystem path
	Recursive bool   // NAR serialisation (true) or flat file hash (false)
	// Filter, when set, is called for every entry below Src with its
	// absolute path and type ("regular", "directory", "symlink", "unknown")
	// and keeps the entry when it returns true.
	Filter func(path, typ string) (bool, error)
	// ExpectedSHA256, when set (hex), must equal the content hash.
	ExpectedSHA256 string
}

// DerivationRequest is a derivation as evaluation produced it: every
// attribute already coerced to a string, and the inputs collected from the
// string contexts. Output paths are left for the Store to compute.
type DerivationRequest struct {
	Name    string
	System  string
	Builder string
	Args    []string
	// Env holds every attribute as passed to the builder (including name,
	// system, builder, outputs), except that output paths are filled in by
	// the Store.
	Env     map[string]string
	Outputs []string // output names, "out" by default
	// InputDrvs maps .drv paths to the names of the outputs used.
	InputDrvs map[string][]string
	// InputSrcs are plain store paths the derivation refers to.
	InputSrcs []string
	// Fixed-output derivations: outputHash, outputHashAlgo (may be empty
	// for SRI hashes) and outputHashMode ("flat" or "recursive").
	OutputHash     string
	OutputHashAlgo string
	OutputHashMode string
}
