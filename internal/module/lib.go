// Package module holds cairn's module system and `lib`: NixOS-compatible
// configuration semantics, written in the Nix language (lib/*.nix) and
// embedded in the binary, where `import <cairn/lib>` finds them. Beside
// lib it embeds cairn's system modules (`<cairn/nixos>`, nixos/) and its
// package set with the trivial builders (`<cairn/pkgs>`, pkgs/).
package module

import (
	"embed"
	"io/fs"
)

//go:embed lib/*.nix nixos/*.nix nixos/modules pkgs/*.nix debian/*.nix
var libFiles embed.FS

// MountPoint is the virtual folder under which the evaluator sees cairn's
// own Nix files; the search path entry cairn=MountPoint makes
// `<cairn/lib>` resolve to MountPoint/lib, `<cairn/nixos>` to
// MountPoint/nixos and `<cairn/pkgs>` to MountPoint/pkgs.
const MountPoint = "/__cairn"

// Files returns cairn's Nix files, to be mounted at MountPoint.
func Files() fs.FS { return libFiles }
