// Package builtin runs cairn's builtin builders: derivations whose
// builder is "builtin:NAME" are built by Go code in cairn rather than by a
// program in the sandbox, as Nix builds builtin:fetchurl and
// builtin:buildenv. There are three: builtin:cairn-fetchurl downloads a
// file for a fixed-output derivation (fetchurl.go),
// builtin:cairn-unpack-deb unpacks a Debian package into its output
// (deb.go), and builtin:cairn-files makes
// an output from a list of entries: files with their text, folders,
// symbolic links and unions of folders (the trivial builders of
// `<cairn/pkgs>` and the system toplevel use it; the build sandbox has
// no program to make folders or links).
//
// docs/design/toplevel.md describes the entries and why they exist.
package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Prefix starts the builder of every builtin derivation.
const Prefix = "builtin:"

// Files is the builder of the file-arranging derivations.
const Files = Prefix + "cairn-files"

// UnpackDeb is the builder that unpacks a Debian package (deb.go).
const UnpackDeb = Prefix + "cairn-unpack-deb"

// Request is one build of a builtin derivation.
type Request struct {
	Builder string            // the derivation's builder, e.g. Files
	Env     map[string]string // the derivation's environment
	// Outputs maps output names to their logical store paths.
	Outputs map[string]string
	// StoreDir is the logical store directory (/nix/store); RealStoreDir
	// where its paths are on this host, to read the inputs.
	StoreDir, RealStoreDir string
	// OutDir is the host folder in which the outputs are made, each under
	// its store path's base name (the build's scratch store directory).
	OutDir string
	// Inputs are the logical store paths of the input closure; a union
	// reads only below them.
	Inputs []string
}

// Run builds r. On failure the outputs may be partly written; the caller
// removes OutDir, as after a failed sandboxed build.
func Run(ctx context.Context, r *Request) error {
	switch r.Builder {
	case Files:
	case UnpackDeb:
		return unpackDeb(ctx, r)
	case FetchURL:
		return fetchURL(ctx, r)
	default:
		return fmt.Errorf("unknown builtin builder %q (cairn has %s, %s, %s)", r.Builder, Files, UnpackDeb, FetchURL)
	}
	out, ok := r.Outputs["out"]
	if !ok || len(r.Outputs) != 1 {
		return fmt.Errorf("%s: the derivation must have exactly the output \"out\"", Files)
	}
	entries, err := ParseEntries([]byte(r.Env["entries"]))
	if err != nil {
		return fmt.Errorf("%s: %w", Files, err)
	}
	b := &filesBuild{ctx: ctx, r: r, root: filepath.Join(r.OutDir, path.Base(out)), inputs: map[string]bool{}}
	for _, in := range r.Inputs {
		b.inputs[path.Base(in)] = true
	}
	for i, e := range entries {
		if err := b.make(e); err != nil {
			return fmt.Errorf("%s: entries[%d] (%s %q): %w", Files, i, e.Type, e.Path, err)
		}
	}
	if _, err := os.Lstat(b.root); err != nil {
		return fmt.Errorf("%s: no entries: the output was not made", Files)
	}
	return nil
}

// Entry is one thing builtin:cairn-files makes, at Path relative to the
// output ("" is the output itself).
type Entry struct {
	Type string `json:"type"` // "file", "directory", "symlink" or "union"
	Path string `json:"path"`

	Text       string `json:"text"`       // file: the content
	Executable bool   `json:"executable"` // file: mode 0555 rather than 0444

	Target string `json:"target"` // symlink: where it points

	// union: every file and link below PathsToLink (default "/") of each
	// source is linked from the same place in the output; folders are
	// made. Collisions "error" (buildEnv) fails on two different files at
	// one place, "first" (symlinkJoin) keeps the first.
	Sources     []string `json:"sources"`
	PathsToLink []string `json:"pathsToLink"`
	Collisions  string   `json:"collisions"`
	// LinkFolders: a folder that only one source provides is one link
	// to that folder rather than a folder of links (as nixpkgs'
	// buildEnv does); further entries cannot be made inside it.
	LinkFolders bool `json:"linkFolders"`

	// fhs: the Sources (unpacked Debian packages) laid out as a Debian
	// root (merged /usr) of links into the store, with empty folders at
	// MountPoints (relative: "proc", "nix/store", "var/lib/app") for
	// what a service's namespace mounts there (fhs.go).
	MountPoints []string `json:"mountPoints"`
}

// ParseEntries decodes and checks the `entries` variable of a
// builtin:cairn-files derivation.
func ParseEntries(data []byte) ([]Entry, error) {
	var entries []Entry
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("decoding entries: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decoding entries: data after the list")
	}
	for i, e := range entries {
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("entries[%d]: %w", i, err)
		}
		if e.Path == "" && len(entries) > 1 && e.Type != "directory" {
			return nil, fmt.Errorf("entries[%d]: a %s as the output itself must be the only entry", i, e.Type)
		}
	}
	return entries, nil
}

func (e *Entry) check() error {
	if e.Path != "" {
		c := path.Clean(e.Path)
		if path.IsAbs(e.Path) || c != e.Path || c == "." || c == ".." || strings.HasPrefix(c, "../") {
			return fmt.Errorf("path %q is not a clean relative path", e.Path)
		}
	}
	switch e.Type {
	case "file", "directory":
	case "symlink":
		if e.Target == "" {
			return errors.New("a symlink needs a target")
		}
	case "union":
		switch e.Collisions {
		case "error", "first":
		default:
			return fmt.Errorf("collisions must be \"error\" or \"first\", not %q", e.Collisions)
		}
		for _, p := range e.PathsToLink {
			if !path.IsAbs(p) {
				return fmt.Errorf("pathsToLink: %q is not absolute", p)
			}
		}
	case "fhs":
		for _, m := range e.MountPoints {
			c := path.Clean(m)
			if m == "" || path.IsAbs(m) || c != m || c == "." || c == ".." || strings.HasPrefix(c, "../") {
				return fmt.Errorf("mountPoints: %q is not a clean relative path", m)
			}
		}
	default:
		return fmt.Errorf("unknown type %q (file, directory, symlink, union, fhs)", e.Type)
	}
	return nil
}

type filesBuild struct {
	// folders counts, for a union with LinkFolders, the sources that
	// provide each folder (by its host path in the output).
	folders map[string]int
	ctx     context.Context
	r       *Request
	root    string // host path of the output
	inputs  map[string]bool
}

func (b *filesBuild) make(e Entry) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	dest := b.root
	if e.Path != "" {
		// The output is a folder holding the entries; no entry is made
		// through a link an earlier entry made.
		if err := b.mkdirs(path.Dir(e.Path)); err != nil {
			return err
		}
		dest = filepath.Join(b.root, e.Path)
	}
	switch e.Type {
	case "file":
		mode := os.FileMode(0o444)
		if e.Executable {
			mode = 0o555
		}
		f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(e.Text); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "directory":
		if fi, err := os.Lstat(dest); err == nil && fi.IsDir() {
			return nil
		}
		return os.Mkdir(dest, 0o755)
	case "symlink":
		return os.Symlink(e.Target, dest)
	case "union":
		return b.union(e, dest)
	case "fhs":
		return b.fhs(e, dest)
	}
	return fmt.Errorf("unknown type %q", e.Type)
}

// mkdirs makes the output folder and the folder rel below it, refusing
// to pass through a symbolic link.
func (b *filesBuild) mkdirs(rel string) error {
	dir := b.root
	parts := []string{}
	if rel != "." {
		parts = strings.Split(rel, "/")
	}
	for i := -1; i < len(parts); i++ {
		if i >= 0 {
			dir = filepath.Join(dir, parts[i])
		}
		fi, err := os.Lstat(dir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
		case err != nil:
			return err
		case fi.Mode()&os.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link", strings.Join(parts[:i+1], "/"))
		case !fi.IsDir():
			return fmt.Errorf("%s is not a directory", strings.Join(parts[:i+1], "/"))
		}
	}
	return nil
}

// source checks a source of an entry (a store path or a path below one,
// of an input of the derivation) and returns where it is on this host.
func (b *filesBuild) source(src string) (string, error) {
	rel, ok := strings.CutPrefix(src, b.r.StoreDir+"/")
	if !ok || rel == "" {
		return "", fmt.Errorf("source %q is not in %s", src, b.r.StoreDir)
	}
	if b.r.Inputs != nil && !b.inputs[strings.SplitN(rel, "/", 2)[0]] {
		return "", fmt.Errorf("source %s is not an input of the derivation", src)
	}
	return filepath.Join(b.r.RealStoreDir, rel), nil
}

// union links the files of e.Sources below dest.
func (b *filesBuild) union(e Entry, dest string) error {
	rel := e.Path
	if rel == "" {
		rel = "."
	}
	if err := b.mkdirs(rel); err != nil {
		return err
	}
	links := e.PathsToLink
	if len(links) == 0 {
		links = []string{"/"}
	}
	hosts := make([]string, len(e.Sources))
	for i, src := range e.Sources {
		host, err := b.source(src)
		if err != nil {
			return err
		}
		fi, err := os.Stat(host)
		if err != nil {
			return fmt.Errorf("source %s: %w", src, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("source %s is not a folder (a union links the contents of folders)", src)
		}
		hosts[i] = host
	}
	b.folders = nil
	if e.LinkFolders {
		// How many sources provide each folder (by its path in dest).
		b.folders = map[string]int{}
		var count func(host, at string) error
		count = func(host, at string) error {
			b.folders[at]++
			ents, err := os.ReadDir(host)
			if err != nil {
				return err
			}
			for _, d := range ents {
				if d.IsDir() {
					if err := count(host+"/"+d.Name(), at+"/"+d.Name()); err != nil {
						return err
					}
				}
			}
			return nil
		}
		for _, host := range hosts {
			for _, p := range links {
				sub := strings.Trim(path.Clean(p), "/")
				if fi, err := os.Lstat(filepath.Join(host, sub)); err == nil && fi.IsDir() {
					if err := count(filepath.Join(host, sub), filepath.Join(dest, sub)); err != nil {
						return err
					}
				}
			}
		}
		// The union's own folder is never a link.
		b.folders[dest] += 2
	}
	for i, src := range e.Sources {
		host := hosts[i]
		for _, p := range links {
			sub := strings.Trim(path.Clean(p), "/")
			fi, err := os.Lstat(filepath.Join(host, sub))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			if err := b.link(e.Collisions, path.Join(src, sub), filepath.Join(host, sub), filepath.Join(dest, sub), fi.IsDir()); err != nil {
				return err
			}
		}
	}
	return nil
}

// link puts into dest a link to the logical path src (host path host,
// a folder if dir), recursing into folders. It creates first and looks
// at what is there only when something is (the output is new, so that is
// rare): one system call per file linked.
func (b *filesBuild) link(collisions, src, host, dest string, dir bool) error {
	if !dir {
		err := os.Symlink(src, dest)
		if errors.Is(err, fs.ErrExist) {
			if t, err := os.Readlink(dest); err == nil && t == src {
				return nil
			}
			return b.collide(collisions, src, dest)
		}
		return err
	}
	if b.folders != nil && b.folders[dest] == 1 {
		// Only this source has the folder: link it whole.
		err := os.Symlink(src, dest)
		if errors.Is(err, fs.ErrExist) {
			return b.collide(collisions, src, dest)
		}
		return err
	}
	if err := os.Mkdir(dest, 0o755); errors.Is(err, fs.ErrExist) {
		have, err := os.Lstat(dest)
		if err != nil {
			return err
		}
		if !have.IsDir() {
			return b.collide(collisions, src, dest)
		}
	} else if err != nil {
		return err
	}
	ents, err := os.ReadDir(host)
	if err != nil {
		return err
	}
	for _, d := range ents {
		if err := b.link(collisions, src+"/"+d.Name(), host+"/"+d.Name(), dest+"/"+d.Name(), d.IsDir()); err != nil {
			return err
		}
	}
	return nil
}

func (b *filesBuild) collide(collisions, src, dest string) error {
	if collisions == "first" {
		return nil
	}
	rel, _ := filepath.Rel(b.root, dest)
	prev, err := os.Readlink(dest)
	if err != nil {
		prev = "a folder"
	}
	return fmt.Errorf("collision at %s: %s and %s", rel, prev, src)
}

// Sandboxed runs a builtin builder inside the build sandbox (it has the
// signature of sandbox.BuiltinFunc): the store directory there holds the
// inputs and is where the outputs, named in the environment as Nix names
// them ($outputs, $out, ...), are made.
func Sandboxed(builder string, env map[string]string, storeDir string, inputs []string) error {
	outputs := map[string]string{}
	names := strings.Fields(env["outputs"])
	if len(names) == 0 {
		names = []string{"out"}
	}
	for _, name := range names {
		p, ok := env[name]
		if !ok {
			return fmt.Errorf("the environment names no path for output '%s'", name)
		}
		outputs[name] = p
	}
	return Run(context.Background(), &Request{
		Builder: builder, Env: env, Outputs: outputs,
		StoreDir: storeDir, RealStoreDir: storeDir, OutDir: storeDir, Inputs: inputs,
	})
}
