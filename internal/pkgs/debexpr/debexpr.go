// Package debexpr writes Debian packages as Nix expressions: FS is the
// virtual folder `<cairn/debian>` that the evaluator mounts when a
// cairn.lock pins channels, so that `pkgs.nginx` (and the NixOS-style
// alias `pkgs.postgresql_15` for postgresql-15) is a derivation built from
// the channel's pinned Packages index. Evaluation reads only the lock and
// the cached index, never the network, and only the files of the names
// it uses are written.
//
// Every .deb of a closure is a fixed-output builtin:cairn-fetchurl
// derivation (flat sha256 from the index, so its store path is
// debian.Package.StorePath), unpacked by a builtin:cairn-unpack-deb
// derivation; the package itself is a builtin:cairn-files union of the
// unpacked closure, which refers to every member, so that its store
// closure is the runtime closure. docs/design/packages.md ("Packages as
// derivations") gives the reasons.
package debexpr

import "strings"

// quote returns s as a Nix string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
