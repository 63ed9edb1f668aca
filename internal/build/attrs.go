package build

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/store/derivation"
)

// Structured attributes (__structuredAttrs = true, the derivation's
// attributes as JSON in __json) reach the builder as files, as in Nix
// 2.8: /build/.attrs.json holds the attributes with "outputs" replaced by
// a map of output names to paths, and /build/.attrs.sh declares the
// attributes that bash can represent. None of the attributes is in the
// environment then; NIX_ATTRS_JSON_FILE and NIX_ATTRS_SH_FILE name the
// files.

// structuredAttrs returns the environment and the build files of d when
// it has structured attributes (ok false otherwise).
func structuredAttrs(d *derivation.Derivation) (env map[string]string, files map[string][]byte, ok bool, err error) {
	raw, ok := d.Env["__json"]
	if !ok {
		return nil, nil, false, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var attrs map[string]any
	if err := dec.Decode(&attrs); err != nil {
		return nil, nil, true, fmt.Errorf("cannot process __json attribute: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, true, fmt.Errorf("cannot process __json attribute: data after the JSON value")
	}
	if attrs == nil {
		return nil, nil, true, fmt.Errorf("cannot process __json attribute: not an object")
	}
	outs := map[string]any{}
	for name, o := range d.Outputs {
		outs[name] = o.Path
	}
	attrs["outputs"] = outs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(attrs); err != nil {
		return nil, nil, true, err
	}
	js := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// Nix 2.8 points these at its build folder on the host, which the
	// builder cannot see; cairn names the files where the builder sees them.
	env = map[string]string{
		"NIX_ATTRS_JSON_FILE": "/build/.attrs.json",
		"NIX_ATTRS_SH_FILE":   "/build/.attrs.sh",
	}
	return env, map[string][]byte{
		".attrs.json": js,
		".attrs.sh":   []byte(attrsShell(attrs)),
	}, true, nil
}

var shVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// attrsShell writes the declarations of .attrs.sh: strings, integers,
// nulls and Booleans, and lists and sets of those, in key order.
func attrsShell(attrs map[string]any) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if !shVarName.MatchString(k) {
			continue
		}
		v := attrs[k]
		if s, ok := shellSimple(v); ok {
			fmt.Fprintf(&b, "declare %s=%s\n", k, s)
			continue
		}
		switch x := v.(type) {
		case []any:
			var s2 strings.Builder
			good := true
			for _, e := range x {
				s3, ok := shellSimple(e)
				if !ok {
					good = false
					break
				}
				s2.WriteString(s3)
				s2.WriteByte(' ')
			}
			if good {
				fmt.Fprintf(&b, "declare -a %s=(%s)\n", k, s2.String())
			}
		case map[string]any:
			ks := make([]string, 0, len(x))
			for k2 := range x {
				ks = append(ks, k2)
			}
			sort.Strings(ks)
			var s2 strings.Builder
			good := true
			for _, k2 := range ks {
				s3, ok := shellSimple(x[k2])
				if !ok {
					good = false
					break
				}
				fmt.Fprintf(&s2, "[%s]=%s ", shellEscape(k2), s3)
			}
			if good {
				fmt.Fprintf(&b, "declare -A %s=(%s)\n", k, s2.String())
			}
		}
	}
	return b.String()
}

// shellSimple renders a scalar as Nix's handleSimpleType does: numbers
// only when integral (through a float and a C int, as Nix converts them).
func shellSimple(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return shellEscape(x), true
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return "", false
		}
		f32 := float64(float32(f))
		if math.Ceil(f32) != f32 {
			return "", false
		}
		if i, err := x.Int64(); err == nil {
			return fmt.Sprint(int32(i)), true
		}
		return fmt.Sprint(int32(int64(f))), true
	case nil:
		return "''", true
	case bool:
		if x {
			return "1", true
		}
		return "", true
	}
	return "", false
}

// shellEscape quotes s for a POSIX shell as Nix does.
func shellEscape(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
