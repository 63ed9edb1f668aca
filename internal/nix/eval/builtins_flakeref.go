package eval

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// flakeRefBuiltins convert flake references between their URL form and
// their attribute form, as Nix's parseFlakeRef and flakeRefToString do.
// cairn fetches no flakes; these are string conversions only, for the
// forges (github, gitlab, sourcehut), paths, git, mercurial and tarball
// or file URLs.
func flakeRefBuiltins() []*Primop {
	return []*Primop{
		prim("parseFlakeRef", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			ref := ev.forceStringNoCtx(a[0], pos)
			attrs, err := parseFlakeRef(ref)
			if err != "" {
				throwf(pos, "'%s' is not a valid flake reference: %s", ref, err)
			}
			list := make([]Attr, 0, len(attrs))
			for _, k := range sortedKeys(attrs) {
				list = append(list, Attr{Name: k, Value: attrs[k]})
			}
			return &Attrs{List: list}
		}),
		prim("flakeRefToString", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			attrs := ev.forceAttrs(a[0], pos)
			fields := map[string]string{}
			for _, at := range attrs.List {
				switch v := ev.force(at.Value, pos).(type) {
				case *String:
					fields[at.Name] = v.S
				case bool:
					fields[at.Name] = strconv.FormatBool(v)
				case int64:
					if v < 0 {
						throwf(pos, "negative value given for flake ref attr %s: %d", at.Name, v)
					}
					fields[at.Name] = strconv.FormatInt(v, 10)
				default:
					throwf(pos, "flake reference attribute sets may only contain integers, Booleans, and strings, but attribute '%s' is %s", at.Name, typeName(v))
				}
			}
			s, err := flakeRefToString(fields)
			if err != "" {
				throwf(pos, "%s", err)
			}
			return mkString(s)
		}),
	}
}

var forges = map[string]bool{"github": true, "gitlab": true, "sourcehut": true}

// parseFlakeRef turns "github:owner/repo/ref?dir=x" and the other forms
// into attributes; the error is "" on success.
func parseFlakeRef(ref string) (map[string]Value, string) {
	out := map[string]Value{}
	body, query, _ := strings.Cut(ref, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, err.Error()
	}
	scheme, rest, ok := strings.Cut(body, ":")
	switch {
	case strings.HasPrefix(body, "/") || strings.HasPrefix(body, "."):
		out["type"], out["path"] = mkString("path"), mkString(body)
	case ok && forges[scheme]:
		parts := strings.Split(rest, "/")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return nil, "a " + scheme + " reference needs OWNER/REPO[/REF-OR-REV]"
		}
		out["type"], out["owner"], out["repo"] = mkString(scheme), mkString(parts[0]), mkString(parts[1])
		if len(parts) == 3 {
			if isRev(parts[2]) {
				out["rev"] = mkString(parts[2])
			} else {
				out["ref"] = mkString(parts[2])
			}
		}
	case ok && scheme == "path":
		out["type"], out["path"] = mkString("path"), mkString(rest)
	case ok && (strings.HasPrefix(scheme, "git+") || scheme == "git"):
		out["type"], out["url"] = mkString("git"), mkString(strings.TrimPrefix(body, "git+"))
	case ok && (strings.HasPrefix(scheme, "hg+")):
		out["type"], out["url"] = mkString("hg"), mkString(strings.TrimPrefix(body, "hg+"))
	case ok && (strings.HasPrefix(scheme, "tarball+") || isArchive(body)):
		out["type"], out["url"] = mkString("tarball"), mkString(strings.TrimPrefix(body, "tarball+"))
	case ok && strings.HasPrefix(scheme, "file+"):
		out["type"], out["url"] = mkString("file"), mkString(strings.TrimPrefix(body, "file+"))
	default:
		return nil, "unsupported flake reference type"
	}
	for k, vs := range params {
		v := vs[len(vs)-1]
		switch k {
		case "revCount", "lastModified":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, "invalid " + k
			}
			out[k] = n
		case "submodules", "shallow", "allRefs":
			out[k] = v == "1" || v == "true"
		default:
			out[k] = mkString(v)
		}
	}
	return out, ""
}

// flakeRefToString is the inverse of parseFlakeRef.
func flakeRefToString(f map[string]string) (string, string) {
	typ := f["type"]
	var body string
	used := map[string]bool{"type": true}
	switch {
	case forges[typ]:
		body = typ + ":" + f["owner"] + "/" + f["repo"]
		used["owner"], used["repo"] = true, true
		if r := f["rev"]; r != "" {
			body += "/" + r
			used["rev"] = true
		} else if r := f["ref"]; r != "" {
			body += "/" + r
			used["ref"] = true
		}
	case typ == "path":
		body, used["path"] = "path:"+f["path"], true
	case typ == "git", typ == "hg", typ == "tarball", typ == "file":
		prefix := typ + "+"
		if typ == "git" && strings.HasPrefix(f["url"], "git:") {
			prefix = ""
		}
		body, used["url"] = prefix+f["url"], true
	default:
		return "", "unsupported flake reference type '" + typ + "'"
	}
	var keys []string
	for k := range f {
		if !used[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var q []string
	for _, k := range keys {
		q = append(q, url.QueryEscape(k)+"="+url.QueryEscape(f[k]))
	}
	if len(q) > 0 {
		body += "?" + strings.Join(q, "&")
	}
	return body, ""
}

func isRev(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func isArchive(s string) bool {
	for _, ext := range []string{".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}
