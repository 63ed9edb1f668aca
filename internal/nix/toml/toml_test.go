package toml

import (
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// suiteDir is the upstream Nix language suite, beside the repository.
const suiteDir = "../../../../shared/nix-lang-tests"

// indentedStrings returns the text of every `fromTOML ”...”` in a Nix
// file, with Nix's indented-string rules applied (common indentation
// removed, a first empty line dropped, ”' and ”$ unescaped).
func indentedStrings(t *testing.T, src string) []string {
	t.Helper()
	var out []string
	for {
		i := strings.Index(src, "fromTOML ''")
		if i < 0 {
			return out
		}
		src = src[i+len("fromTOML ''"):]
		var raw strings.Builder
		for {
			if src == "" {
				t.Fatal("unterminated indented string")
			}
			switch {
			case strings.HasPrefix(src, "'''"):
				raw.WriteString("''")
				src = src[3:]
				continue
			case strings.HasPrefix(src, "''$"):
				raw.WriteString("$")
				src = src[3:]
				continue
			case strings.HasPrefix(src, "''"):
				src = src[2:]
			default:
				raw.WriteByte(src[0])
				src = src[1:]
				continue
			}
			break
		}
		out = append(out, unindent(raw.String()))
	}
}

func unindent(s string) string {
	lines := strings.Split(s, "\n")
	minIndent := -1
	for _, l := range lines {
		if strings.TrimLeft(l, " ") == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if minIndent < 0 || n < minIndent {
			minIndent = n
		}
	}
	for i, l := range lines {
		if len(l) >= minIndent && minIndent > 0 {
			lines[i] = l[minIndent:]
		} else {
			lines[i] = strings.TrimLeft(l, " ")
		}
	}
	if len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

// nixPrint prints a tree as `nix-instantiate --eval --strict` prints the
// value fromTOML makes of it.
func nixPrint(b *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{ }")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{ ")
		for _, k := range keys {
			if isIdent(k) {
				b.WriteString(k)
			} else {
				b.WriteString(strconv.Quote(k))
			}
			b.WriteString(" = ")
			nixPrint(b, x[k])
			b.WriteString("; ")
		}
		b.WriteString("}")
	case []any:
		if len(x) == 0 {
			b.WriteString("[ ]")
			return
		}
		b.WriteString("[ ")
		for _, e := range x {
			nixPrint(b, e)
			b.WriteString(" ")
		}
		b.WriteString("]")
	case string:
		r := strings.NewReplacer(`"`, `\"`, `\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "${", `\${`)
		b.WriteString(`"` + r.Replace(x) + `"`)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', 6, 64))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case Datetime:
		b.WriteString("<datetime " + x.Text + ">")
	}
}

func isIdent(s string) bool {
	if s == "" || !(s[0] == '_' || s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '\'' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// TestUpstreamFromTOML parses the documents of the suite's
// eval-okay-fromTOML.nix and compares with its expected output (which
// Nix 2.8 prints too).
func TestUpstreamFromTOML(t *testing.T) {
	src, err := os.ReadFile(suiteDir + "/eval-okay-fromTOML.nix")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := os.ReadFile(suiteDir + "/eval-okay-fromTOML.exp")
	if err != nil {
		t.Fatal(err)
	}
	docs := indentedStrings(t, string(src))
	if len(docs) != 4 {
		t.Fatalf("found %d documents, want 4", len(docs))
	}
	var b strings.Builder
	b.WriteString("[ ")
	for i, d := range docs {
		tree, err := Parse(d)
		if err != nil {
			t.Fatalf("document %d: %v\n%s", i, err, d)
		}
		nixPrint(&b, tree)
		b.WriteString(" ")
	}
	b.WriteString("]\n")
	if got := b.String(); got != string(exp) {
		t.Errorf("got:\n%s\nwant:\n%s", got, exp)
	}
}

// TestUpstreamTimestamps parses the suite's date-time document: every
// kind of TOML date-time is recognised (Nix 2.8 then refuses them).
func TestUpstreamTimestamps(t *testing.T) {
	src, err := os.ReadFile(suiteDir + "/eval-okay-fromTOML-timestamps.nix")
	if err != nil {
		t.Fatal(err)
	}
	docs := indentedStrings(t, string(src))
	if len(docs) != 1 {
		t.Fatalf("found %d documents, want 1", len(docs))
	}
	tree, err := Parse(docs[0])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Datetime{
		"odt1": {OffsetDatetime, "1979-05-27T07:32:00Z"},
		"odt2": {OffsetDatetime, "1979-05-27T00:32:00-07:00"},
		"odt4": {OffsetDatetime, "1979-05-27 07:32:00Z"},
		"ldt1": {LocalDatetime, "1979-05-27T07:32:00"},
		"ld1":  {LocalDate, "1979-05-27"},
		"lt1":  {LocalTime, "07:32:00"},
		"lt2":  {LocalTime, "00:32:00.1"},
	}
	for k, w := range want {
		if got, ok := tree[k].(Datetime); !ok || got != w {
			t.Errorf("%s = %#v, want %#v", k, tree[k], w)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"a = 1\nb.c = 'x'\n", `{ a = 1; b = { c = "x"; }; }`},
		{"a.b = 1\n[a]\nc = 2", `{ a = { b = 1; c = 2; }; }`},
		{"[[a]]\nb = 1\n[a.c]\nd = 1", `{ a = [ { b = 1; c = { d = 1; }; } ]; }`},
		{"[a.b]\n[[a.c]]\n[a]", `{ a = { b = { }; c = [ { } ]; }; }`},
		{"[a]\nb.c = 1\n[a.b]\nd = 2", `{ a = { b = { c = 1; d = 2; }; }; }`},
		{"a = [1, \"a\", [true], {x = 1.5}]", `{ a = [ 1 "a" [ true ] { x = 1.5; } ]; }`},
		{"a = 9223372036854775807\nb = -9223372036854775808\nc = 0x7FFFFFFFFFFFFFFF", `{ a = 9223372036854775807; b = -9223372036854775808; c = 9223372036854775807; }`},
		{"a = 1e400\nb = 1e-400\nc = -1e400", `{ a = 1.79769e+308; b = 0; c = -1.79769e+308; }`},
		{"a = \"\"\"\nx\\\n   y\"\"\"", `{ a = "xy"; }`},
		{"a = \"\"\"\"\"x\"\"\"\"\"", `{ a = "\"\"x\"\""; }`},
		{"a = '''\nraw \\n'''", `{ a = "raw \\n"; }`},
		{"\"\" = 1\n'k' = 2", `{ "" = 1; k = 2; }`},
		{"a = \"\\u00e9\\U0001F600\"", `{ a = "é😀"; }`},
		{"# comment\r\na = 1 # trailing\r\n", `{ a = 1; }`},
		{"a = 1979-05-27 07:32:00Z", `{ a = <datetime 1979-05-27 07:32:00Z>; }`},
	} {
		tree, err := Parse(c.src)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		var b strings.Builder
		nixPrint(&b, tree)
		if b.String() != c.want {
			t.Errorf("%q:\ngot  %s\nwant %s", c.src, b.String(), c.want)
		}
	}
	if tree, err := Parse("a = nan\nb = -inf"); err != nil || !math.IsNaN(tree["a"].(float64)) || !math.IsInf(tree["b"].(float64), -1) {
		t.Errorf("nan/inf: %v %v", tree, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"a = 1\na = 2", `line 2, column 6: key "a" is defined twice`},
		{"[a]\n[a]", `line 2, column 4: table "a" is defined twice`},
		{"a = { b = 1 }\na.c = 2", `line 2, column 8: inline table "a" cannot be extended`},
		{"a = 01", `line 1, column 5: invalid value "01"`},
		{"a = 1__0", `line 1, column 5: invalid value "1__0"`},
		{"a = -0x1", `line 1, column 5: invalid value "-0x1"`},
		{"a = [1,,2]", `line 1, column 8: expected a value`},
		{"a = { b = 1, }", `line 1, column 14: expected a key`},
		{"a = \"\\x\"", `line 1, column 6: invalid escape '\x'`},
		{"a = \"x", `line 1, column 7: unterminated string`},
		{"a = [ 1 ]\n[[a]]", `line 2, column 6: array "a" cannot be extended by a header`},
		{"a = 1 b = 2", `line 1, column 7: expected the end of the line, found 'b'`},
		{"a = \"\\uD800\"", `line 1, column 6: escape is not a Unicode scalar value`},
		{"a = 1979-13-01", `line 1, column 5: invalid value "1979-13-01"`},
		{"a = \xff", `line 1, column 5: invalid UTF-8`},
		{"[[a.b]]\n[a]", `line 2, column 4: table "a" is defined twice`},
		{"[a.b]\n[[a.c.d]]\n[a.c]", `line 3, column 6: table "a.c" is defined twice`},
	} {
		_, err := Parse(c.src)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got error %v, want %s", c.src, err, c.want)
		}
	}
}

// FuzzParse parses arbitrary text: an error or a tree, never a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a = 1", "[a.b]\nc = [1, 2.5, 'x', \"\"\"y\"\"\"]", "[[x]]\n[[x]]\ny = {z = true}",
		"a = 1979-05-27T07:32:00Z", "a = \"\\U0001F600\"", "a.b.c = inf", "'k' = '''\nv'''",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tree, err := Parse(src)
		if err == nil && tree == nil {
			t.Fatal("nil tree without an error")
		}
	})
}
