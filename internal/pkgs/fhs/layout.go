// Package fhs runs unmodified Debian programs from unpacked packages in
// the store: a command runs in its own mount namespace whose root is a
// fresh tmpfs holding the union of the packages' trees (/usr, /etc, /var,
// ...), with Debian's merged /usr (/bin, /sbin, /lib* are links into
// /usr), /etc from a given folder, /proc, /dev, /tmp and /run, and the
// folders the caller binds (the state folder, writable). Nothing of the
// host's root is visible: the root is pivoted and the old one detached.
//
// The union is made as NixOS's buildFHSEnv and bubblewrap make theirs,
// without an overlay: a folder that only one package provides is bind
// mounted read-only from that package; a folder several provide is a
// folder of the tmpfs, whose files are symbolic links into the store
// paths (bind mounted read-only at their own place) and whose symbolic
// links are copied. Layout computes this as data; Run applies it.
// docs/design/packages-runtime.md describes the design.
package fhs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Package is one unpacked package: its logical store path and the host
// folder holding it.
type Package struct {
	Path string // e.g. /nix/store/...-hello
	Real string // where it is on this host
}

// Step kinds of a Plan.
const (
	Dir     = "dir"     // make a folder in the tmpfs
	Symlink = "symlink" // make a symbolic link (Source is its target)
	Bind    = "bind"    // bind mount the host folder Source, read-only
)

// Step is one action that builds the root, Target relative to it.
type Step struct {
	Kind   string
	Target string
	Source string
}

func (s Step) String() string {
	if s.Kind == Dir {
		return s.Kind + " /" + s.Target
	}
	return fmt.Sprintf("%s /%s <- %s", s.Kind, s.Target, s.Source)
}

// Plan is the union of the packages as steps, in order.
type Plan struct {
	Steps []Step
	// Collisions names paths several packages give different things at;
	// the first package (in the order given) wins.
	Collisions []string
}

// mergedUsr are the top-level folders that merged /usr makes links into
// /usr, as Debian does since bookworm.
var mergedUsr = []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"}

func isMerged(name string) bool {
	for _, m := range mergedUsr {
		if name == m {
			return true
		}
	}
	return false
}

// node is one path of the union.
type node struct {
	dir      bool
	children map[string]*node
	// providers of a folder: the host folders (one per package and
	// source path) that hold it; of a file or link: the first one.
	providers []provider
	link      string // a link's target
}

type provider struct {
	pkg  int
	real string // host path
	log  string // logical path (in the store)
}

// Layout computes the union of pkgs. reserved are paths (relative, e.g.
// "etc", "proc", "var/lib/app") the caller mounts something at: no
// package content is laid out there or below, and their parents are
// folders of the tmpfs.
func Layout(pkgs []Package, reserved []string) (*Plan, error) {
	root := &node{dir: true, children: map[string]*node{}}
	res := map[string]bool{}
	for _, r := range reserved {
		res[strings.Trim(path.Clean("/"+r), "/")] = true
	}
	plan := &Plan{}
	for i, p := range pkgs {
		ents, err := os.ReadDir(p.Real)
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", p.Path, err)
		}
		for _, e := range ents {
			name := e.Name()
			target := name
			if isMerged(name) {
				if e.Type()&fs.ModeSymlink != 0 {
					continue // the package's own merged-/usr link
				}
				target = "usr/" + name
				// Merged /usr: the package's bin/ goes to usr/bin, so
				// /usr is a folder of the tmpfs.
				usr := ensureDir(root, "usr")
				usr.providers = append(usr.providers, provider{pkg: -1})
			}
			if err := add(plan, root, i, filepath.Join(p.Real, name), path.Join(p.Path, name), target, res); err != nil {
				return nil, fmt.Errorf("package %s: %w", p.Path, err)
			}
		}
	}
	// The parents of the reserved paths are folders of the tmpfs; the
	// caller makes the reserved paths themselves.
	for r := range res {
		n := root
		parts := strings.Split(r, "/")
		for _, part := range parts[:len(parts)-1] {
			c := n.children[part]
			if c == nil || !c.dir {
				c = &node{dir: true, children: map[string]*node{}}
				n.children[part] = c
			}
			c.providers = append(c.providers, provider{pkg: -1})
			n = c
		}
		delete(n.children, parts[len(parts)-1])
	}
	for _, m := range mergedUsr {
		if _, ok := root.children[m]; !ok {
			plan.Steps = append(plan.Steps, Step{Kind: Symlink, Target: m, Source: "usr/" + m})
		}
	}
	emit(plan, root, "")
	sort.Strings(plan.Collisions)
	return plan, nil
}

// add puts the host path real (logical log) at rel in the union.
func add(plan *Plan, root *node, pkg int, real, log, rel string, reserved map[string]bool) error {
	if reserved[rel] {
		return nil
	}
	fi, err := os.Lstat(real)
	if err != nil {
		return err
	}
	parent, name := root, rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		parent, name = lookup(root, rel[:i]), rel[i+1:]
	}
	n := parent.children[name]
	pv := provider{pkg: pkg, real: real, log: log}
	switch {
	case fi.IsDir():
		if n == nil {
			n = &node{dir: true, children: map[string]*node{}}
			parent.children[name] = n
		}
		if !n.dir {
			plan.Collisions = append(plan.Collisions, rel)
			return nil
		}
		n.providers = append(n.providers, pv)
		ents, err := os.ReadDir(real)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := add(plan, root, pkg, filepath.Join(real, e.Name()), path.Join(log, e.Name()), rel+"/"+e.Name(), reserved); err != nil {
				return err
			}
		}
		return nil
	case fi.Mode()&fs.ModeSymlink != 0, fi.Mode().IsRegular():
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(real); err != nil {
				return err
			}
		}
		if n != nil {
			if n.dir || n.link != link || (link == "" && !sameFile(n.providers[0].real, real)) {
				plan.Collisions = append(plan.Collisions, rel)
			}
			return nil
		}
		parent.children[name] = &node{providers: []provider{pv}, link: link}
		return nil
	}
	return fmt.Errorf("%s: unsupported file type %s", log, fi.Mode().Type())
}

func ensureDir(root *node, name string) *node {
	n := root.children[name]
	if n == nil {
		n = &node{dir: true, children: map[string]*node{}}
		root.children[name] = n
	}
	return n
}

// lookup returns the folder node at rel, which add made before its
// children.
func lookup(root *node, rel string) *node {
	n := root
	for _, part := range strings.Split(rel, "/") {
		n = n.children[part]
	}
	return n
}

// sameFile reports whether two files have the same content (two
// packages may ship one file, e.g. a shared licence text).
func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil || fa.Size() != fb.Size() || fa.Mode() != fb.Mode() {
		return false
	}
	if fa.Size() > 1<<20 {
		return false
	}
	da, err1 := os.ReadFile(a)
	db, err2 := os.ReadFile(b)
	return err1 == nil && err2 == nil && string(da) == string(db)
}

// emit appends the steps making the children of n (at rel).
func emit(plan *Plan, n *node, rel string) {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c, p := n.children[name], path.Join(rel, name)
		switch {
		case c.dir && len(c.providers) == 1 && c.providers[0].pkg >= 0:
			plan.Steps = append(plan.Steps, Step{Kind: Bind, Target: p, Source: c.providers[0].real})
		case c.dir:
			plan.Steps = append(plan.Steps, Step{Kind: Dir, Target: p})
			emit(plan, c, p)
		case c.link != "":
			plan.Steps = append(plan.Steps, Step{Kind: Symlink, Target: p, Source: c.link})
		default:
			plan.Steps = append(plan.Steps, Step{Kind: Symlink, Target: p, Source: c.providers[0].log})
		}
	}
}
