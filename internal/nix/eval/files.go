package eval

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// The evaluator reads files through one layer: mounted virtual folders
// (Options.Mounts, e.g. cairn's own lib embedded in the binary) and
// otherwise the real file system.

// mount finds the virtual folder holding p: of nested mounts, the
// innermost.
func (ev *Evaluator) mount(p string) (fs.FS, string, bool) {
	var best string
	var found fs.FS
	for prefix, fsys := range ev.opts.Mounts {
		if (p == prefix || strings.HasPrefix(p, prefix+"/")) && len(prefix) > len(best) {
			best, found = prefix, fsys
		}
	}
	if found == nil {
		return nil, "", false
	}
	if p == best {
		return found, ".", true
	}
	return found, p[len(best)+1:], true
}

func (ev *Evaluator) readFileBytes(p string) ([]byte, error) {
	if fsys, rel, ok := ev.mount(p); ok {
		return fs.ReadFile(fsys, rel)
	}
	return os.ReadFile(p)
}

// fileType returns "regular", "directory", "symlink" or "unknown" for p
// (without following a final symlink when lstat is set).
func (ev *Evaluator) fileType(p string, lstat bool) (string, error) {
	if fsys, rel, ok := ev.mount(p); ok {
		st, err := fs.Stat(fsys, rel)
		if err != nil {
			return "", err
		}
		if st.IsDir() {
			return "directory", nil
		}
		return "regular", nil
	}
	var st os.FileInfo
	var err error
	if lstat {
		st, err = os.Lstat(p)
	} else {
		st, err = os.Stat(p)
	}
	if err != nil {
		return "", err
	}
	return modeType(st.Mode()), nil
}

func modeType(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "unknown"
}

// readDirEntries returns the entries of folder p as attributes (name ->
// "regular", "directory", "symlink" or "unknown"), sorted by name as
// fs.ReadDir and os.ReadDir give them.
func (ev *Evaluator) readDirEntries(p string) ([]Attr, error) {
	types := map[string]Value{}
	typ := func(t string) Value {
		v, ok := types[t]
		if !ok {
			v = mkString(t)
			types[t] = v
		}
		return v
	}
	var ents []fs.DirEntry
	var err error
	fsys, rel, mounted := ev.mount(p)
	if mounted {
		ents, err = fs.ReadDir(fsys, rel)
	} else {
		ents, err = os.ReadDir(p)
	}
	if err != nil {
		return nil, err
	}
	out := make([]Attr, len(ents))
	for i, e := range ents {
		t := modeType(e.Type())
		if mounted {
			t = "regular"
			if e.IsDir() {
				t = "directory"
			}
		}
		out[i] = Attr{Name: e.Name(), Value: typ(t)}
	}
	if !sort.SliceIsSorted(out, func(i, j int) bool { return out[i].Name < out[j].Name }) {
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	}
	return out, nil
}

func (ev *Evaluator) pathExists(p string) bool {
	_, err := ev.fileType(p, false)
	return err == nil
}

// resolveImport turns an imported path into the file to read: a folder
// means its default.nix.
func (ev *Evaluator) resolveImport(p string) string {
	if t, err := ev.fileType(p, false); err == nil && t == "directory" {
		return path.Join(p, "default.nix")
	}
	return p
}

// importFile evaluates the file at p once per evaluation.
func (ev *Evaluator) importFile(p Path, pos token.Pos) Value {
	file := ev.resolveImport(string(p))
	if v, ok := ev.imports[file]; ok {
		return ev.force(v, pos)
	}
	src, err := ev.readFileBytes(file)
	if err != nil {
		throwf(pos, "reading '%s': %s", file, errText(err))
	}
	e, err := ev.parse(file, src, path.Dir(file))
	if err != nil {
		panic(parseErrorToEval(err))
	}
	n := ev.compileTop(e)
	t := newThunk(n, ev.baseEnv)
	ev.imports[file] = t
	return ev.force(t, pos)
}

// scopedImport evaluates a file with the attributes of scope as extra
// variables in front of the builtins.
func (ev *Evaluator) scopedImport(scopeAttrs *Attrs, p Path, pos token.Pos) Value {
	file := ev.resolveImport(string(p))
	src, err := ev.readFileBytes(file)
	if err != nil {
		throwf(pos, "reading '%s': %s", file, errText(err))
	}
	e, err := ev.parse(file, src, path.Dir(file))
	if err != nil {
		panic(parseErrorToEval(err))
	}
	sc := &scope{up: ev.baseScope, names: map[string]int{}}
	en := newEnv(ev.baseEnv, len(scopeAttrs.List))
	for i, a := range scopeAttrs.List {
		sc.names[a.Name] = i
		en.vals[i] = a.Value
	}
	c := &compiler{ev: ev}
	return c.compile(e, sc).eval(ev, en)
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// searchPathEntries returns the search path: -I entries, then NIX_PATH's,
// then the built-in ones.
func (ev *Evaluator) searchPathEntries() [][2]string {
	var raw []string
	raw = append(raw, ev.opts.SearchPath...)
	if np := ev.opts.Getenv("NIX_PATH"); np != "" {
		raw = append(raw, splitNixPath(np)...)
	}
	return ev.parseSearchPath(raw)
}

// parseSearchPath splits prefix=path entries, resolving relative paths.
func (ev *Evaluator) parseSearchPath(raw []string) [][2]string {
	var out [][2]string
	for _, r := range raw {
		prefix, p := "", r
		if i := strings.IndexByte(r, '='); i >= 0 {
			prefix, p = r[:i], r[i+1:]
		}
		if !strings.Contains(p, "://") && !strings.HasPrefix(p, "/") {
			p = path.Join(ev.opts.Dir, p)
		}
		out = append(out, [2]string{prefix, p})
	}
	return out
}

// splitNixPath splits NIX_PATH at colons that do not belong to a URL.
func splitNixPath(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, ':')
		for i >= 0 && strings.HasPrefix(s[i:], "://") {
			j := strings.IndexByte(s[i+3:], ':')
			if j < 0 {
				i = -1
			} else {
				i = i + 3 + j
			}
		}
		if i < 0 {
			out = append(out, s)
			break
		}
		if i > 0 {
			out = append(out, s[:i])
		}
		s = s[i+1:]
	}
	return out
}

func (ev *Evaluator) nixPathValue() Value {
	var elems []Value
	for _, e := range ev.searchPathEntries() {
		elems = append(elems, &Attrs{List: []Attr{
			{Name: "path", Value: mkString(e[1])},
			{Name: "prefix", Value: mkString(e[0])},
		}})
	}
	return &List{Elems: elems}
}

// findFile looks name up in a search path given as Nix's __nixPath list.
func (ev *Evaluator) findFile(list *List, name string, pos token.Pos) Value {
	for _, x := range list.Elems {
		e := ev.forceAttrs(x, pos)
		prefix := ""
		if p, ok := e.Get("prefix"); ok {
			prefix = ev.forceStringNoCtx(p.Value, pos)
		}
		pa, ok := e.Get("path")
		if !ok {
			throwf(pos, "attribute 'path' missing")
		}
		base, _ := ev.coerceToString(pa.Value, pos, coerceOpts{})
		var cand string
		switch {
		case prefix == "":
			cand = path.Join(base, name)
		case name == prefix:
			cand = base
		case strings.HasPrefix(name, prefix+"/"):
			cand = path.Join(base, name[len(prefix)+1:])
		default:
			continue
		}
		if strings.Contains(cand, "://") {
			continue
		}
		if ev.pathExists(cand) {
			return Path(canonPath(cand))
		}
	}
	// Built-in entries come last and stay out of __nixPath, so that the
	// search path a user sees is the one they configured.
	for _, e := range ev.parseSearchPath(ev.opts.ExtraSearchPath) {
		prefix, base := e[0], e[1]
		var cand string
		switch {
		case name == prefix:
			cand = base
		case strings.HasPrefix(name, prefix+"/"):
			cand = path.Join(base, name[len(prefix)+1:])
		default:
			continue
		}
		if ev.pathExists(cand) {
			return Path(canonPath(cand))
		}
	}
	if name == "nix/fetchurl.nix" {
		return ev.corepkg("fetchurl.nix")
	}
	panic(&Error{Msg: fmt.Sprintf("file '%s' was not found in the Nix search path (add it using $NIX_PATH or -I)", name), Pos: pos, kind: errThrow})
}

// fileBuiltins read the file system and import files.
func fileBuiltins() []*Primop {
	return []*Primop{
		prim("import", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			p := ev.realisePath(a[0], pos)
			return ev.importFile(Path(p), pos)
		}),
		prim("scopedImport", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			sc := ev.forceAttrs(a[0], pos)
			p := ev.realisePath(a[1], pos)
			return ev.scopedImport(sc, Path(p), pos)
		}),
		prim("readFile", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			p := ev.realisePath(a[0], pos)
			b, err := ev.readFileBytes(p)
			if err != nil {
				throwf(pos, "reading '%s': %s", p, errText(err))
			}
			return mkString(string(b))
		}),
		prim("pathExists", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			raw, _ := ev.coerceToPath(a[0], pos)
			p := canonPath(raw)
			if strings.HasSuffix(raw, "/") || strings.HasSuffix(raw, "/.") {
				// A trailing slash asks for a directory.
				t, err := ev.fileType(p, false)
				return err == nil && t == "directory"
			}
			// The path itself: a dangling symlink exists.
			_, err := ev.fileType(p, true)
			return err == nil
		}),
		prim("readDir", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			p := ev.realisePath(a[0], pos)
			ents, err := ev.readDirEntries(p)
			if err != nil {
				throwf(pos, "reading directory '%s': %s", p, errText(err))
			}
			return &Attrs{List: ents}
		}),
		prim("readFileType", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			p := ev.realisePath(a[0], pos)
			t, err := ev.fileType(p, true)
			if err != nil {
				throwf(pos, "getting status of '%s': %s", p, errText(err))
			}
			return mkString(t)
		}),
		prim("findFile", 2, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			l := ev.forceList(a[0], pos)
			name := ev.forceStringNoCtx(a[1], pos)
			return ev.findFile(l, name, pos)
		}),
		prim("toPath", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			p, ctx := ev.coerceToPath(a[0], pos)
			return &String{S: canonPath(p), Ctx: ctx}
		}),
	}
}

// realisePath coerces v to an absolute path to read. Store paths named in
// a string's context would have to be built first, which evaluation
// alone does not do.
func (ev *Evaluator) realisePath(v Value, pos token.Pos) string {
	p, _ := ev.coerceToPath(v, pos)
	return canonPath(p)
}

var _ = sort.Strings
