package eval

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseJSONErrors(t *testing.T) {
	// Messages as nlohmann::json words them in Nix 2.8.
	for _, c := range []struct{ src, want string }{
		{"", "[json.exception.parse_error.101] parse error at line 1, column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal"},
		{"tru", "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing value - invalid literal; last read: 'tru'"},
		{"[1,]", "[json.exception.parse_error.101] parse error at line 1, column 4: syntax error while parsing value - unexpected ']'; expected '[', '{', or a literal"},
		{`{"a":1} x`, "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while parsing value - invalid literal; last read: '1} x'; expected end of input"},
		{"1e400", "[json.exception.out_of_range.406] number overflow parsing '1e400'"},
		{"01", "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing value - unexpected number literal; expected end of input"},
		{`"\ud800"`, `[json.exception.parse_error.101] parse error at line 1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: '"\ud800"'`},
	} {
		_, err := parseJSON(c.src)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v\nwant %s", c.src, err, c.want)
		}
	}
}

// FuzzFromJSON parses arbitrary text: never a panic, and nothing that is
// not JSON is accepted.
func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,null,true,"x\u00e9\ud83d\ude00"]}`, `-0`, `18446744073709551615`, `"a\u0000b"`, `[[[]]]`, `{"a":1,"a":2}`, ` 1e-400 `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseJSON(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "[json.exception.") && !strings.HasPrefix(err.Error(), "input string '") && !strings.HasPrefix(err.Error(), "unsigned json number ") {
				t.Fatalf("%q: error %q not worded as nlohmann's", s, err)
			}
			return
		}
		if !json.Valid([]byte(strings.TrimPrefix(s, "\xEF\xBB\xBF"))) {
			t.Fatalf("%q accepted (as %v) but is not JSON", s, v)
		}
	})
}
