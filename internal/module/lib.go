// Package module holds cairn's module system and `lib`: NixOS-compatible
// configuration semantics, written in the Nix language (lib/*.nix) and
// embedded in the binary, where `import <cairn/lib>` finds them.
package module

import (
	"embed"
	"io/fs"
)

//go:embed lib/*.nix
var libFiles embed.FS

// MountPoint is the virtual folder under which the evaluator sees cairn's
// own Nix files; the search path entry cairn=MountPoint makes
// `<cairn/lib>` resolve to MountPoint/lib.
const MountPoint = "/__cairn"

// Files returns cairn's Nix files, to be mounted at MountPoint.
func Files() fs.FS { return libFiles }
