package eval

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"os"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// stringBuiltins are the builtins on strings, versions and string
// contexts, written after Nix 2.8's primops.cc and primops/context.cc.
func stringBuiltins() []*Primop {
	return []*Primop{
		prim("toString", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			s, ctx := ev.coerceToString(args[0], pos, coerceOpts{coerceMore: true})
			return &String{S: s, Ctx: ctx}
		}),
		prim("substring", 3, primSubstring),
		prim("stringLength", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			s, _ := ev.coerceToString(args[0], pos, coerceOpts{copyToStore: true})
			return int64(len(s))
		}),
		prim("hashString", 2, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			h := hashByName(ev, args[0], pos)
			s := ev.forceString(args[1], pos)
			h.Write([]byte(s.S))
			return mkString(hex.EncodeToString(h.Sum(nil)))
		}),
		prim("hashFile", 2, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			h := hashByName(ev, args[0], pos)
			p := ev.realisePath(args[1], pos)
			data, err := ev.readFileForHash(p)
			if err != nil {
				throwf(pos, "opening file '%s': %s", p, errnoText(err))
			}
			h.Write(data)
			return mkString(hex.EncodeToString(h.Sum(nil)))
		}),
		prim("match", 2, primMatch),
		prim("split", 2, primSplit),
		prim("concatStringsSep", 2, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			sep := ev.forceString(args[0], pos)
			l := ev.forceList(args[1], pos)
			ctx := sep.Ctx
			// Coerce first, then join into a buffer of the final size.
			parts := make([]string, len(l.Elems))
			size := len(sep.S) * max(len(l.Elems)-1, 0)
			for i, e := range l.Elems {
				s, c := ev.coerceToString(e, pos, coerceOpts{copyToStore: true})
				parts[i] = s
				size += len(s)
				ctx = ctx.Merge(c)
			}
			var b strings.Builder
			b.Grow(size)
			for i, s := range parts {
				if i > 0 {
					b.WriteString(sep.S)
				}
				b.WriteString(s)
			}
			return &String{S: b.String(), Ctx: ctx}
		}),
		prim("replaceStrings", 3, primReplaceStrings),
		prim("parseDrvName", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			name, version := parseDrvName(ev.forceStringNoCtx(args[0], pos))
			return &Attrs{List: []Attr{
				{Name: "name", Value: mkString(name)},
				{Name: "version", Value: mkString(version)},
			}}
		}),
		prim("compareVersions", 2, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			a := ev.forceStringNoCtx(args[0], pos)
			b := ev.forceStringNoCtx(args[1], pos)
			return int64(compareVersions(a, b))
		}),
		prim("splitVersion", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			v := ev.forceStringNoCtx(args[0], pos)
			var out []Value
			for p := 0; p < len(v); {
				var c string
				c, p = nextVersionComponent(v, p)
				if c == "" {
					break
				}
				out = append(out, mkString(c))
			}
			return &List{Elems: out}
		}),
		prim("baseNameOf", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			s, ctx := ev.coerceToString(args[0], pos, coerceOpts{})
			return &String{S: nixBaseNameOf(s), Ctx: ctx}
		}),
		prim("dirOf", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			v := ev.force(args[0], pos)
			s, ctx := ev.coerceToString(v, pos, coerceOpts{})
			dir := nixDirOf(s)
			if _, isPath := v.(Path); isPath {
				return Path(dir)
			}
			return &String{S: dir, Ctx: ctx}
		}),
		prim("unsafeDiscardStringContext", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			s, _ := ev.coerceToString(args[0], pos, coerceOpts{copyToStore: true})
			return mkString(s)
		}),
		prim("unsafeDiscardOutputDependency", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			s, ctx := ev.coerceToString(args[0], pos, coerceOpts{copyToStore: true})
			elems := make([]string, len(ctx))
			for i, c := range ctx {
				elems[i] = strings.TrimPrefix(c, "=")
			}
			return &String{S: s, Ctx: contextOf(elems...)}
		}),
		prim("hasContext", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			return len(ev.forceString(args[0], pos).Ctx) > 0
		}),
		prim("getContext", 1, primGetContext),
		prim("appendContext", 2, primAppendContext),
	}
}

// primSubstring is builtins.substring. Nix reads start and length as C
// ints and copies a path argument to the store.
func primSubstring(ev *Evaluator, pos token.Pos, args []Value) Value {
	start := int32(ev.forceInt(args[0], pos))
	length := int32(ev.forceInt(args[1], pos))
	s, ctx := ev.coerceToString(args[2], pos, coerceOpts{copyToStore: true})
	if start < 0 {
		throwf(pos, "negative start position in 'substring'")
	}
	if int(start) >= len(s) {
		return &String{S: "", Ctx: ctx}
	}
	end := len(s)
	if length >= 0 && int(start)+int(length) < end {
		end = int(start) + int(length)
	}
	return &String{S: s[start:end], Ctx: ctx}
}

// hashByName returns a new hash for Nix's name of an algorithm.
func hashByName(ev *Evaluator, v Value, pos token.Pos) hash.Hash {
	name := ev.forceStringNoCtx(v, pos)
	switch name {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	case "sha512":
		return sha512.New()
	}
	throwf(pos, "unknown hash algorithm '%s'", name)
	return nil
}

// readFileForHash reads a file for builtins.hashFile (embedded files
// first, as for readFile).
func (ev *Evaluator) readFileForHash(p string) ([]byte, error) {
	return ev.readFileBytes(p)
}

// errnoText is the strerror text of a file error, as Nix prints it.
func errnoText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

func primMatch(ev *Evaluator, pos token.Pos, args []Value) Value {
	re := ev.regex(args[0], pos)
	s := ev.forceString(args[1], pos)
	m := re.matchFull(s.S)
	if m == nil {
		return nil
	}
	return &List{Elems: groupValues(s.S, m)}
}

// groupValues returns the groups of a match: strings without context,
// null for groups that did not take part.
func groupValues(s string, m regexMatch) []Value {
	out := make([]Value, 0, len(m)/2-1)
	for i := 2; i+1 < len(m); i += 2 {
		if m[i] < 0 {
			out = append(out, nil)
		} else {
			out = append(out, mkString(s[m[i]:m[i+1]]))
		}
	}
	return out
}

func primSplit(ev *Evaluator, pos token.Pos, args []Value) Value {
	re := ev.regex(args[0], pos)
	s := ev.forceString(args[1], pos)
	ms := re.findAll(s.S)
	if len(ms) == 0 {
		// Nix returns the argument itself, context included.
		return &List{Elems: []Value{s}}
	}
	out := make([]Value, 0, 2*len(ms)+1)
	prev := 0
	for _, m := range ms {
		out = append(out, mkString(s.S[prev:m[0]]))
		out = append(out, &List{Elems: groupValues(s.S, m)})
		prev = m[1]
	}
	out = append(out, mkString(s.S[prev:]))
	return &List{Elems: out}
}

// regex compiles the regular expression v (a string without context).
func (ev *Evaluator) regex(v Value, pos token.Pos) *nixRegex {
	pattern := ev.forceStringNoCtx(v, pos)
	re, err := ev.regexes().get(pattern)
	if err == errRegexSpace {
		throwf(pos, "memory limit exceeded by regular expression '%s'", pattern)
	}
	if err != nil {
		throwf(pos, "invalid regular expression '%s'", pattern)
	}
	return re
}

// regexes returns the evaluator's cache of compiled expressions. Until
// the Evaluator has a field for it, expressions are compiled each time.
func (ev *Evaluator) regexes() *regexCache { return &ev.regexCache }

// primReplaceStrings is builtins.replaceStrings with Nix 2.8's algorithm:
// at each position the patterns are tried in order, an empty pattern
// matches everywhere (the end included) and the character after it is
// kept. A replacement is forced only when used (Nix 2.8 forced them all;
// later Nix, and the upstream suite, force lazily).
func primReplaceStrings(ev *Evaluator, pos token.Pos, args []Value) Value {
	fromL := ev.forceList(args[0], pos)
	toL := ev.forceList(args[1], pos)
	if len(fromL.Elems) != len(toL.Elems) {
		throwf(pos, "'from' and 'to' arguments to 'replaceStrings' have different lengths")
	}
	from := make([]string, len(fromL.Elems))
	for i, e := range fromL.Elems {
		from[i] = ev.forceString(e, pos).S
	}
	to := make([]*String, len(toL.Elems))
	repl := func(i int) *String {
		if to[i] == nil {
			to[i] = ev.forceString(toL.Elems[i], pos)
		}
		return to[i]
	}
	str := ev.forceString(args[2], pos)
	s := str.S
	ctx := str.Ctx
	used := make([]bool, len(to))
	var b strings.Builder
	for p := 0; p <= len(s); {
		found := false
		for i, f := range from {
			if !strings.HasPrefix(s[p:], f) {
				continue
			}
			found = true
			b.WriteString(repl(i).S)
			if f == "" {
				if p < len(s) {
					b.WriteByte(s[p])
				}
				p++
			} else {
				p += len(f)
			}
			if !used[i] {
				ctx = ctx.Merge(to[i].Ctx)
				used[i] = true
			}
			break
		}
		if !found {
			if p < len(s) {
				b.WriteByte(s[p])
			}
			p++
		}
	}
	return &String{S: b.String(), Ctx: ctx}
}

// parseDrvName splits a derivation name at the first dash not followed
// by a letter.
func parseDrvName(s string) (name, version string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '-' && i+1 < len(s) && !isAlpha(s[i+1]) {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// nextVersionComponent returns the version component starting at or
// after p (skipping dots and dashes) and the position after it.
func nextVersionComponent(s string, p int) (string, int) {
	for p < len(s) && (s[p] == '.' || s[p] == '-') {
		p++
	}
	if p == len(s) {
		return "", p
	}
	start := p
	if isDigit(s[p]) {
		for p < len(s) && isDigit(s[p]) {
			p++
		}
	} else {
		for p < len(s) && !isDigit(s[p]) && s[p] != '.' && s[p] != '-' {
			p++
		}
	}
	return s[start:p], p
}

// versionInt parses a component as Nix's string2Int<int>: all digits (an
// optional minus sign is impossible here) and within a C int.
func versionInt(c string) (int64, bool) {
	if c == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(c, 10, 32)
	return n, err == nil
}

func versionComponentLess(c1, c2 string) bool {
	n1, ok1 := versionInt(c1)
	n2, ok2 := versionInt(c2)
	switch {
	case ok1 && ok2:
		return n1 < n2
	case c1 == "" && ok2:
		return true
	case c1 == "pre" && c2 != "pre":
		return true
	case c2 == "pre":
		return false
	case ok2:
		return true
	case ok1:
		return false
	}
	return c1 < c2
}

// compareVersions is Nix's version order: -1, 0 or 1.
func compareVersions(v1, v2 string) int {
	p1, p2 := 0, 0
	for p1 < len(v1) || p2 < len(v2) {
		var c1, c2 string
		c1, p1 = nextVersionComponent(v1, p1)
		c2, p2 = nextVersionComponent(v2, p2)
		if versionComponentLess(c1, c2) {
			return -1
		}
		if versionComponentLess(c2, c1) {
			return 1
		}
	}
	return 0
}

// nixBaseNameOf is Nix's baseNameOf: the part after the last slash,
// ignoring one trailing slash.
func nixBaseNameOf(s string) string {
	if s == "" {
		return ""
	}
	last := len(s) - 1
	if s[last] == '/' && last > 0 {
		last--
	}
	pos := strings.LastIndexByte(s[:last+1], '/') + 1
	return s[pos : last+1]
}

// nixDirOf is Nix's dirOf: everything before the last slash, "/" for a
// top-level name and "." without a slash.
func nixDirOf(s string) string {
	i := strings.LastIndexByte(s, '/')
	switch {
	case i < 0:
		return "."
	case i == 0:
		return "/"
	}
	return s[:i]
}

// contextInfo is what getContext reports about one store path.
type contextInfo struct {
	path       bool
	allOutputs bool
	outputs    []string
}

func primGetContext(ev *Evaluator, pos token.Pos, args []Value) Value {
	s := ev.forceString(args[0], pos)
	infos := map[string]*contextInfo{}
	for _, c := range s.Ctx {
		var key, output string
		isPath, all := false, false
		switch {
		case strings.HasPrefix(c, "="):
			key, all = c[1:], true
		case strings.HasPrefix(c, "!"):
			i := strings.IndexByte(c[1:], '!')
			if i < 0 {
				key = c
				isPath = true
				break
			}
			output, key = c[1:1+i], c[2+i:]
		default:
			key, isPath = c, true
		}
		info := infos[key]
		if info == nil {
			info = &contextInfo{}
			infos[key] = info
		}
		switch {
		case isPath:
			info.path = true
		case all:
			info.allOutputs = true
		default:
			info.outputs = append(info.outputs, output)
		}
	}
	attrs := make([]Attr, 0, len(infos))
	for _, key := range sortedKeys(infos) {
		info := infos[key]
		var l []Attr
		if info.allOutputs {
			l = append(l, Attr{Name: "allOutputs", Value: true})
		}
		if len(info.outputs) > 0 {
			outs := make([]Value, len(info.outputs))
			for i, o := range info.outputs {
				outs[i] = mkString(o)
			}
			l = append(l, Attr{Name: "outputs", Value: &List{Elems: outs}})
		}
		if info.path {
			l = append(l, Attr{Name: "path", Value: true})
		}
		attrs = append(attrs, Attr{Name: key, Value: &Attrs{List: l}})
	}
	return &Attrs{List: attrs}
}

func primAppendContext(ev *Evaluator, pos token.Pos, args []Value) Value {
	s := ev.forceString(args[0], pos)
	set := ev.forceAttrs(args[1], pos)
	var elems []string
	for _, a := range set.List {
		apos := a.Pos
		if !apos.IsValid() {
			apos = pos
		}
		if !isStorePathIn(ev.storeDir(), a.Name) {
			throwf(apos, "Context key '\"%s\"' is not a store path", a.Name)
		}
		info := ev.forceAttrs(a.Value, apos)
		if p, ok := info.Get("path"); ok && ev.forceBool(p.Value, attrPos(p, apos)) {
			elems = append(elems, a.Name)
		}
		if p, ok := info.Get("allOutputs"); ok && ev.forceBool(p.Value, attrPos(p, apos)) {
			if !strings.HasSuffix(a.Name, ".drv") {
				throwf(apos, "Tried to add all-outputs context of \"%s\", which is not a derivation, to a string", a.Name)
			}
			elems = append(elems, "="+a.Name)
		}
		if p, ok := info.Get("outputs"); ok {
			opos := attrPos(p, apos)
			l := ev.forceList(p.Value, opos)
			if len(l.Elems) > 0 && !strings.HasSuffix(a.Name, ".drv") {
				throwf(apos, "Tried to add derivation output context of \"%s\", which is not a derivation, to a string", a.Name)
			}
			for _, e := range l.Elems {
				elems = append(elems, "!"+ev.forceStringNoCtx(e, opos)+"!"+a.Name)
			}
		}
	}
	return &String{S: s.S, Ctx: s.Ctx.Merge(contextOf(elems...))}
}

func attrPos(a *Attr, def token.Pos) token.Pos {
	if a.Pos.IsValid() {
		return a.Pos
	}
	return def
}

// isStorePathIn reports whether p names a store object directly in
// storeDir: a valid hash part and name, as Nix's parseStorePath checks.
func isStorePathIn(storeDir, p string) bool {
	p = canonPath(p)
	if nixDirOf(p) != storeDir {
		return false
	}
	base := nixBaseNameOf(p)
	const hashLen = 32
	if len(base) < hashLen+1 {
		return false
	}
	for i := 0; i < hashLen; i++ {
		c := base[i]
		if c == 'e' || c == 'o' || c == 'u' || c == 't' || !(isDigit(c) || (c >= 'a' && c <= 'z')) {
			return false
		}
	}
	name := base[hashLen+1:]
	if name == "" || len(name) > 211 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(isDigit(c) || isAlpha(c) || strings.IndexByte("+-._?=", c) >= 0) {
			return false
		}
	}
	return true
}
