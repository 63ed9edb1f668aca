package debexpr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"cairn.dev/cairn/internal/pkgs/channel"
	"cairn.dev/cairn/internal/pkgs/debian"
	"cairn.dev/cairn/internal/spelling"
)

// Source loads the pinned index of a channel; channel.Channel.Index with
// the CLI's cache is one.
type Source func(ctx context.Context, c *channel.Channel) (*debian.Index, error)

// FS is the virtual folder `<cairn/debian>`: the packages of the channels
// of a lock as Nix files, each written when the evaluator first reads it.
// A channel's index is loaded on first use, so an evaluation that names
// no Debian package reads no index.
//
//	default.nix          { system }: { packages; channels; order; }
//	channels.nix         the channel names, in the lock's order
//	c/NAME/info.nix      suite, architecture, date, pins of channel NAME
//	c/NAME/pkgs/         one file per package name and alias
//	c/NAME/debs/N_V      the fetched and unpacked .deb of package N version V
//
// A package file is a function of `{ package, deb }` listing its resolved
// Depends/Pre-Depends closure; a dependency that cannot be resolved makes
// the file a `throw` with the chain, raised only if the package is used.
type FS struct {
	err   error // the lock could not be read: every evaluation of default.nix fails with it
	ctx   context.Context
	lock  *channel.Lock
	load  Source
	mu    sync.Mutex
	chans map[string]*chanState
}

type chanState struct {
	once    sync.Once
	c       *channel.Channel
	idx     *debian.Index
	err     error
	names   []string          // sorted: package names and aliases
	aliases map[string]string // alias -> Debian name
}

// NewFS returns the folder for the channels of lock; load reads a
// channel's index.
func NewFS(ctx context.Context, lock *channel.Lock, load Source) *FS {
	f := &FS{ctx: ctx, lock: lock, load: load, chans: map[string]*chanState{}}
	for i := range lock.Channels {
		c := &lock.Channels[i]
		f.chans[c.Name] = &chanState{c: c}
	}
	return f
}

// NewErrorFS returns the folder for a lock that could not be read: its
// default.nix throws err, so that only evaluations that use Debian
// packages fail, with the reason.
func NewErrorFS(err error) *FS {
	return &FS{err: err, lock: &channel.Lock{Version: 1}, chans: map[string]*chanState{}}
}

// Alias returns the NixOS-style attribute name of a Debian package name
// ('-' and '.' become '_': postgresql-15 -> postgresql_15), or "" when
// the name has neither.
func Alias(name string) string {
	if !strings.ContainsAny(name, "-.") {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, name)
}

// channel returns the loaded state of channel name.
func (f *FS) channel(name string) (*chanState, error) {
	f.mu.Lock()
	cs := f.chans[name]
	f.mu.Unlock()
	if cs == nil {
		return nil, fs.ErrNotExist
	}
	cs.once.Do(func() {
		cs.idx, cs.err = f.load(f.ctx, cs.c)
		if cs.err != nil {
			return
		}
		names := cs.idx.Names()
		have := make(map[string]bool, len(names))
		for _, n := range names {
			have[n] = true
		}
		cs.aliases = map[string]string{}
		ambiguous := map[string]bool{}
		for _, n := range names {
			a := Alias(n)
			if a == "" || have[a] {
				continue
			}
			if _, dup := cs.aliases[a]; dup {
				ambiguous[a] = true
				continue
			}
			cs.aliases[a] = n
		}
		for a := range ambiguous {
			delete(cs.aliases, a) // foo-bar and foo.bar: neither wins
		}
		aliases := make([]string, 0, len(cs.aliases))
		for a := range cs.aliases {
			aliases = append(aliases, a)
		}
		sort.Strings(aliases)
		// Both sorted, disjoint: merge.
		all := make([]string, 0, len(names)+len(aliases))
		i, j := 0, 0
		for i < len(names) || j < len(aliases) {
			if j == len(aliases) || i < len(names) && names[i] < aliases[j] {
				all = append(all, names[i])
				i++
			} else {
				all = append(all, aliases[j])
				j++
			}
		}
		cs.names = all
	})
	return cs, cs.err
}

// Lookup returns the Debian name an attribute of channel c stands for, or
// "" when the channel has no such package.
func (f *FS) Lookup(c, attr string) (string, error) {
	cs, err := f.channel(c)
	if err != nil {
		return "", err
	}
	if len(cs.idx.Lookup(attr)) > 0 {
		return attr, nil
	}
	return cs.aliases[attr], nil
}

// Names returns the attribute names of channel c (packages and aliases).
func (f *FS) Names(c string) ([]string, error) {
	cs, err := f.channel(c)
	if err != nil {
		return nil, err
	}
	return cs.names, nil
}

// Channels returns the channels of the lock, in order.
func (f *FS) Channels() []*channel.Channel {
	out := make([]*channel.Channel, len(f.lock.Channels))
	for i := range f.lock.Channels {
		out[i] = &f.lock.Channels[i]
	}
	return out
}

// node is what a path of the folder names.
type node struct {
	dir     bool
	entries func() ([]string, error) // for folders
	content func() (string, error)   // for files
}

func (f *FS) resolve(name string) (*node, error) {
	if !fs.ValidPath(name) {
		return nil, fs.ErrInvalid
	}
	parts := strings.Split(name, "/")
	switch {
	case name == ".":
		return &node{dir: true, entries: func() ([]string, error) {
			return []string{"c", "channels.nix", "default.nix"}, nil
		}}, nil
	case name == "default.nix":
		return &node{content: func() (string, error) {
			if f.err != nil {
				return "{ ... }: throw " + quote(f.err.Error()) + "\n", nil
			}
			return defaultNix, nil
		}}, nil
	case name == "channels.nix":
		return &node{content: func() (string, error) { return f.channelsNix(), nil }}, nil
	case name == "c":
		return &node{dir: true, entries: func() ([]string, error) {
			var out []string
			for _, c := range f.lock.Channels {
				out = append(out, c.Name)
			}
			sort.Strings(out)
			return out, nil
		}}, nil
	}
	if parts[0] != "c" || f.chans[parts[1]] == nil {
		return nil, fs.ErrNotExist
	}
	cname := parts[1]
	switch {
	case len(parts) == 2:
		return &node{dir: true, entries: func() ([]string, error) { return []string{"debs", "info.nix", "pkgs"}, nil }}, nil
	case len(parts) == 3 && parts[2] == "info.nix":
		return &node{content: func() (string, error) { return f.infoNix(cname), nil }}, nil
	case len(parts) == 3 && parts[2] == "pkgs":
		return &node{dir: true, entries: func() ([]string, error) { return f.Names(cname) }}, nil
	case len(parts) == 3 && parts[2] == "debs":
		// Listing every version of every package is never needed: the
		// package files name their .debs.
		return &node{dir: true, entries: func() ([]string, error) { return nil, nil }}, nil
	case len(parts) == 4 && parts[2] == "pkgs":
		deb, err := f.Lookup(cname, parts[3])
		if err != nil {
			return nil, err
		}
		if deb == "" {
			return nil, fs.ErrNotExist
		}
		return &node{content: func() (string, error) { return f.packageNix(cname, parts[3], deb) }}, nil
	case len(parts) == 4 && parts[2] == "debs":
		n, v, ok := strings.Cut(parts[3], "_")
		if !ok {
			return nil, fs.ErrNotExist
		}
		cs, err := f.channel(cname)
		if err != nil {
			return nil, err
		}
		for _, p := range cs.idx.Lookup(n) {
			if p.Version == v {
				return &node{content: func() (string, error) { return debNix(cs.c, p) }}, nil
			}
		}
	}
	return nil, fs.ErrNotExist
}

func (f *FS) channelsNix() string {
	var b strings.Builder
	b.WriteString("# The channels of cairn.lock, in order: a name comes from the first that has it.\n[")
	for _, c := range f.lock.Channels {
		b.WriteString(" " + quote(c.Name))
	}
	b.WriteString(" ]\n")
	return b.String()
}

func (f *FS) infoNix(name string) string {
	c := f.lock.Find(name)
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  name = %s;\n  suite = %s;\n  architecture = %s;\n  mirror = %s;\n  inRelease = %s;\n",
		quote(c.Name), quote(c.Suite), quote(c.Architecture), quote(c.Mirror), quote(c.InRelease))
	if !c.Date.IsZero() {
		fmt.Fprintf(&b, "  date = %s;\n", quote(c.Date.UTC().Format(time.RFC3339)))
	}
	b.WriteString("}\n")
	return b.String()
}

// packageNix writes attribute attr of channel cname, Debian package deb
// with its closure.
func (f *FS) packageNix(cname, attr, deb string) (string, error) {
	cs, err := f.channel(cname)
	if err != nil {
		return "", err
	}
	c := cs.c
	var b strings.Builder
	fmt.Fprintf(&b, "# pkgs.%s: Debian package %s of channel %s (%s %s), with its Depends/Pre-Depends closure.\n{ package, deb }:\n", attr, deb, c.Name, c.Suite, c.Architecture)
	cl, err := cs.idx.Resolve(deb)
	if err != nil {
		fmt.Fprintf(&b, "throw %s\n", quote(fmt.Sprintf("pkgs.%s: channel %s (%s %s): %v", attr, c.Name, c.Suite, c.Architecture, err)))
		return b.String(), nil
	}
	root := cs.idx.Lookup(deb)[0]
	for _, p := range cl.Packages {
		if p.Name == deb {
			root = p
		}
	}
	fmt.Fprintf(&b, "package %s %s %s [\n  (deb %s %s)\n", quote(deb), quote(root.Version), quote(c.Name), quote(root.Name), quote(root.Version))
	for _, p := range cl.Packages {
		if p != root {
			fmt.Fprintf(&b, "  (deb %s %s)\n", quote(p.Name), quote(p.Version))
		}
	}
	b.WriteString("]\n")
	return b.String(), nil
}

// debNix writes the fetched and unpacked .deb of p.
func debNix(c *channel.Channel, p *debian.Package) (string, error) {
	if p.Filename == "" || p.SHA256 == "" {
		return "", fmt.Errorf("channel %s: %s %s has no Filename or SHA256 in the index (line %d)", c.Name, p.Name, p.Version, p.Line)
	}
	if _, err := p.StorePath("/nix/store"); err != nil {
		return "", fmt.Errorf("channel %s: %w (line %d)", c.Name, err, p.Line)
	}
	mirror := strings.TrimSuffix(c.Mirror, "/")
	return fmt.Sprintf("# %s %s from channel %s, sha256 from its pinned index.\n{ fetch, unpack }:\nunpack %s (fetch %s %s %s)\n",
		p.Name, p.Version, c.Name, quote(strings.TrimSuffix(p.DebName(), ".deb")), quote(p.DebName()), quote(mirror+"/"+p.Filename), quote(p.SHA256)), nil
}

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	n, err := f.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if n.dir {
		ents, err := f.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &dirFile{info: info{name: path.Base(name), dir: true}, ents: ents}, nil
	}
	text, err := n.content()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{info: info{name: path.Base(name), size: int64(len(text))}, r: strings.NewReader(text)}, nil
}

// Stat implements fs.StatFS without writing the file.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return info{name: path.Base(name), dir: n.dir}, nil
}

// ReadDir implements fs.ReadDirFS.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.resolve(name)
	if err == nil && !n.dir {
		err = errors.New("not a directory")
	}
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	names, err := n.entries()
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	sub := name == "." || name == "c" || strings.Count(name, "/") == 1
	out := make([]fs.DirEntry, len(names))
	for i, e := range names {
		dir := sub && !strings.HasSuffix(e, ".nix")
		out[i] = fs.FileInfoToDirEntry(info{name: e, dir: dir})
	}
	return out, nil
}

type info struct {
	name string
	size int64
	dir  bool
}

func (i info) Name() string { return i.name }
func (i info) Size() int64  { return i.size }
func (i info) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i info) ModTime() time.Time { return time.Time{} }
func (i info) IsDir() bool        { return i.dir }
func (i info) Sys() any           { return nil }

type file struct {
	info info
	r    *strings.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *file) Close() error               { return nil }

type dirFile struct {
	info info
	ents []fs.DirEntry
	off  int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *dirFile) Close() error { return nil }
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.ents[d.off:]
	if n <= 0 {
		d.off = len(d.ents)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}

// defaultNix is `<cairn/debian>`: the packages of every channel, merged
// (the first channel that has a name wins), and each channel on its own.
const defaultNix = `# The Debian packages of the channels pinned in cairn.lock: <cairn/debian>.
# cairn writes this folder during evaluation from the pinned indexes;
# a package's file is written when it is first read.
{
  system ? "x86_64-linux",
}:
let
  # A .deb: a fixed-output download whose sha256 is the pinned index's.
  fetch =
    name: url: sha256:
    derivation {
      inherit name url system;
      builder = "builtin:cairn-fetchurl";
      outputHashMode = "flat";
      outputHashAlgo = "sha256";
      outputHash = sha256;
    };
  # Its data.tar, unpacked reproducibly.
  unpack =
    name: deb:
    derivation {
      inherit name system deb;
      builder = "builtin:cairn-unpack-deb";
    };
  # A package: the union of its unpacked closure, its own files first (a
  # folder one package provides is one link to it).
  package =
    name: version: channel: closure:
    derivation {
      inherit system;
      name = "${name}-${version}";
      builder = "builtin:cairn-files";
      entries = builtins.toJSON [
        {
          type = "union";
          path = "";
          sources = closure;
          collisions = "first";
          linkFolders = true;
        }
      ];
    }
    // {
      inherit version closure channel;
      pname = name;
    };
  channel =
    name:
    let
      dir = ./c + "/${name}";
      deb = n: v: import (dir + "/debs/${n}_${v}") { inherit fetch unpack; };
    in
    builtins.mapAttrs (n: _: import (dir + "/pkgs/${n}") { inherit package deb; }) (
      builtins.readDir (dir + "/pkgs")
    );
  order = import ./channels.nix;
  channels = builtins.listToAttrs (
    map (name: {
      inherit name;
      value = channel name;
    }) order
  );
in
{
  inherit channels order;
  packages = builtins.foldl' (acc: c: channels.${c} // acc) { } order;
}
`

// MissingHint explains a missing attribute name of a package set: when
// the channels loaded in this evaluation lack it, it names each channel
// with its nearest package ("pkgs.postgresql_16 is not in channel
// bookworm (has postgresql_15) nor in channel trixie (has
// postgresql_17)"). It returns "" when no channel was loaded (the set
// was not a package set) or one of them has the name.
func (f *FS) MissingHint(name string) string {
	var parts []string
	for _, c := range f.lock.Channels {
		cs := f.chans[c.Name]
		if cs == nil || cs.names == nil {
			continue // not loaded: this evaluation did not use it
		}
		if len(cs.idx.Lookup(name)) > 0 || cs.aliases[name] != "" {
			return ""
		}
		part := "channel " + c.Name
		if near := nearest(name, cs.names); near != "" {
			part += " (has " + near + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ""
	}
	return "pkgs." + name + " is not in " + strings.Join(parts, " nor in ")
}

// nearest returns the name of names closest to name (edit distance at
// most 2, ties by order), or "".
func nearest(name string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := spelling.Distance(name, n, bestD); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}
