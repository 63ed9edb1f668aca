package eval

import (
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/nix/toml"
	"strings"
)

// formatBuiltins convert between values and JSON, TOML and XML.
func formatBuiltins() []*Primop {
	return []*Primop{
		prim("toJSON", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			return ev.toJSON(args[0], pos)
		}),
		prim("fromJSON", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			return ev.fromJSON(ev.forceStringNoCtx(args[0], pos), pos)
		}),
		prim("fromTOML", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			tree, err := toml.Parse(ev.forceStringNoCtx(args[0], pos))
			if err != nil {
				throwf(pos, "while parsing a TOML string: %s", err.Error())
			}
			return tomlValue(tree, pos, ev.feature("parse-toml-timestamps"))
		}),
		prim("toXML", 1, func(ev *Evaluator, pos token.Pos, args []Value) Value {
			return ev.toXML(args[0], pos)
		}),
	}
}

// tomlValue converts a parsed TOML tree. Nix 2.8 has no date-time values
// and fails on them. Strings and names with NUL bytes are an error, as in
// later Nix (2.8 cut strings at the NUL).
func tomlValue(v any, pos token.Pos, timestamps bool) Value {
	switch x := v.(type) {
	case map[string]any:
		attrs := make([]Attr, 0, len(x))
		for _, k := range sortedKeys(x) {
			checkNul(k, pos, "while parsing TOML: ")
			attrs = append(attrs, Attr{Name: k, Value: tomlValue(x[k], pos, timestamps)})
		}
		return &Attrs{List: attrs}
	case []any:
		elems := make([]Value, len(x))
		for i, e := range x {
			elems[i] = tomlValue(e, pos, timestamps)
		}
		return &List{Elems: elems}
	case string:
		checkNul(x, pos, "while parsing TOML: ")
		return mkString(x)
	case int64, float64, bool:
		return x
	case toml.Datetime:
		if timestamps {
			return &Attrs{List: []Attr{
				{Name: "_type", Value: mkString("timestamp")},
				{Name: "value", Value: mkString(tomlTimestamp(x.Text))},
			}}
		}
		throwf(pos, "while parsing a TOML string: Dates and times are not supported")
	}
	throwf(pos, "while parsing a TOML string: unsupported value")
	return nil
}

// checkNul refuses a decoded string that a Nix string cannot hold.
func checkNul(s string, pos token.Pos, prefix string) {
	if strings.IndexByte(s, 0) >= 0 {
		throwf(pos, "%sinput string '%s' cannot be represented as Nix string because it contains null bytes", prefix, strings.ReplaceAll(s, "\x00", "␀"))
	}
}

// tomlTimestamp writes a TOML date-time as Nix does with the
// parse-toml-timestamps feature: "T" between date and time, fractions of
// a second in 3, 6 or 9 digits, "Z" in capitals.
func tomlTimestamp(s string) string {
	date, clock := "", s
	if len(s) >= 10 && s[4] == '-' {
		date, clock = s[:10], ""
		if len(s) > 11 {
			clock = s[11:]
		}
	}
	if clock == "" {
		return date
	}
	// clock: HH:MM:SS[.frac][Z|+hh:mm|-hh:mm]
	t, rest := clock, ""
	if i := strings.IndexAny(clock, "Zz+-"); i >= 0 {
		t, rest = clock[:i], clock[i:]
	}
	if rest == "z" {
		rest = "Z"
	}
	if i := strings.IndexByte(t, '.'); i >= 0 {
		frac := t[i+1:]
		if len(frac) > 9 {
			frac = frac[:9]
		}
		width := 9
		if len(frac) <= 3 {
			width = 3
		} else if len(frac) <= 6 {
			width = 6
		}
		t = t[:i+1] + frac + strings.Repeat("0", width-len(frac))
	}
	if date == "" {
		return t + rest
	}
	return date + "T" + t + rest
}
