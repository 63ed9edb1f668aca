package module

import "strings"

// Modules returns the paths, under MountPoint, of the modules cairn
// itself declares options in; `cairn option` evaluates them with the
// user's configuration and `cairn options` documents them. It is one
// module, nixos/modules/module-list.nix, which imports all the others
// (the same list `<cairn/nixos>` evaluates).
func Modules() []string {
	return []string{MountPoint + "/nixos/modules/module-list.nix"}
}

// SystemOptions are what the command that builds a system adds to the
// configuration.
type SystemOptions struct {
	// System is the platform (nixpkgs.system); "" means x86_64-linux.
	System string
	// CairnVersion is written to the toplevel's cairn-version.
	CairnVersion string
	// Revision is the configuration's git revision (40 hex digits), ""
	// when it is not in a repository; Dirty marks uncommitted changes.
	// It is the default of system.configurationRevision, so a
	// configuration that sets the option wins.
	Revision string
	Dirty    bool
}

// SystemExpr is the Nix expression that evaluates the configuration
// file at the absolute path file with cairn's modules, as
// `import <nixpkgs/nixos> { configuration = file; }` does: its attribute
// `toplevel` is the system's derivation (build it, then `cairn switch
// --toplevel` its output), `config` and `options` the evaluated
// configuration.
func SystemExpr(file string, o SystemOptions) string {
	var b strings.Builder
	b.WriteString("import <cairn/nixos> { configuration = /. + " + nixString(file) + ";")
	if o.System != "" {
		b.WriteString(" system = " + nixString(o.System) + ";")
	}
	if o.CairnVersion != "" {
		b.WriteString(" cairnVersion = " + nixString(o.CairnVersion) + ";")
	}
	if o.Revision != "" {
		rev := o.Revision
		if o.Dirty {
			rev += "-dirty"
		}
		b.WriteString(" extraModules = [ ({ lib, ... }: { system.configurationRevision = lib.mkDefault " + nixString(rev) + "; }) ];")
	}
	b.WriteString(" }")
	return b.String()
}

// nixString quotes s as a Nix string literal.
func nixString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}
