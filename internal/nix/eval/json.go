package eval

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"cairn.dev/cairn/internal/nix/token"
)

// JSON: builtins.toJSON and `--json` output (Nix 2.8's value-to-json.cc),
// builtins.fromJSON (the nlohmann::json parser Nix 2.8 uses, with its
// number rules and error messages).

// PrintJSON returns the JSON text `nix-instantiate --eval --json` prints
// for v (without a newline). Like Nix it does not force anything: a value
// still unevaluated inside v is an error ("cannot convert a thunk to
// JSON"), so callers force v deeply first for --strict.
func (ev *Evaluator) PrintJSON(v Value) (string, error) {
	var b strings.Builder
	w := jsonWriter{ev: ev, b: &b, strict: false}
	err := ev.catch(func() { w.value(v, token.NoPos) })
	if err != nil {
		// Nix's JSON writer closes what is open while the error unwinds.
		for i := len(w.open) - 1; i >= 0; i-- {
			b.WriteByte(w.open[i])
		}
	}
	return b.String(), err
}

// toJSON renders v (forcing it) and returns the text and the context of
// the strings and store paths in it.
func (ev *Evaluator) toJSON(v Value, pos token.Pos) *String {
	var b strings.Builder
	w := jsonWriter{ev: ev, b: &b, strict: true}
	w.value(v, pos)
	return &String{S: b.String(), Ctx: w.ctx}
}

type jsonWriter struct {
	ev     *Evaluator
	b      *strings.Builder
	strict bool
	ctx    Context
	depth  int
	open   []byte // closing brackets of the arrays and objects open
}

func (w *jsonWriter) value(v Value, pos token.Pos) {
	ev := w.ev
	ev.checkInterrupt(pos)
	if w.strict {
		v = ev.force(v, pos)
	} else if t, ok := v.(*Thunk); ok {
		if !t.done() {
			throwf(pos, "cannot convert a thunk to JSON")
		}
		v = t.x
	}
	w.depth++
	if w.depth > maxDepth {
		ev.stackOverflow(pos)
	}
	defer func() { w.depth-- }()
	switch x := v.(type) {
	case int64:
		w.b.WriteString(strconv.FormatInt(x, 10))
	case bool:
		if x {
			w.b.WriteString("true")
		} else {
			w.b.WriteString("false")
		}
	case nil:
		w.b.WriteString("null")
	case float64:
		w.b.WriteString(cFloat(x))
	case *String:
		w.ctx = w.ctx.Merge(x.Ctx)
		writeJSONString(w.b, x.S)
	case Path:
		p := ev.copyPathToStore(x, pos)
		w.ctx = w.ctx.Merge(Context{p})
		writeJSONString(w.b, p)
	case *Attrs:
		if f, ok := x.Get("__toString"); ok {
			r := ev.call(ev.force(f.Value, pos), x, pos)
			s, c := ev.coerceToString(r, pos, coerceOpts{})
			w.ctx = w.ctx.Merge(c)
			writeJSONString(w.b, s)
			return
		}
		if out, ok := x.Get("outPath"); ok {
			w.value(out.Value, attrPos(out, pos))
			return
		}
		w.b.WriteByte('{')
		w.open = append(w.open, '}')
		for i := range x.List {
			a := &x.List[i]
			if i > 0 {
				w.b.WriteByte(',')
			}
			writeJSONString(w.b, a.Name)
			w.b.WriteByte(':')
			w.value(a.Value, attrPos(a, pos))
		}
		w.open = w.open[:len(w.open)-1]
		w.b.WriteByte('}')
	case *List:
		w.b.WriteByte('[')
		w.open = append(w.open, ']')
		for i, e := range x.Elems {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.value(e, pos)
		}
		w.open = w.open[:len(w.open)-1]
		w.b.WriteByte(']')
	case *Lambda:
		throwf(x.fn.pos, "cannot convert %s to JSON", showType(v))
	default:
		throwf(pos, "cannot convert %s to JSON", showType(v))
	}
}

// showType names the type of v as Nix 2.8's showType does in messages
// about conversions.
func showType(v Value) string {
	switch x := v.(type) {
	case *String:
		if len(x.Ctx) > 0 {
			return "a string with context"
		}
		return "a string"
	case *Primop:
		return fmt.Sprintf("the built-in function '%s'", x.Name)
	case *PrimopApp:
		return fmt.Sprintf("the partially applied built-in function '%s'", x.Op.Name)
	}
	return typeName(v)
}

// writeJSONString writes s as Nix does: '"' and '\\' escaped, \n \r \t,
// other control bytes as \u00xx, every other byte as it is.
func writeJSONString(b *strings.Builder, s string) {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n <= 1 {
				throwf(token.NoPos, "JSON serialization error: [json.exception.type_error.316] invalid UTF-8 byte at index %d: 0x%02X", i, s[i])
			}
			i += n
		}
	}
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 32:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// cFloat formats f as C++'s ostream does by default (%g, six
// significant digits), including inf and nan.
func cFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// fromJSON parses s into a value; errors carry nlohmann::json's message.
func (ev *Evaluator) fromJSON(s string, pos token.Pos) Value {
	v, err := parseJSON(s)
	if err != nil {
		// Nix's JSONParseError has no position of its own, only a trace.
		panic(&Error{Msg: err.Error(), Trace: []Frame{{Pos: pos, Msg: "while decoding a JSON string"}}})
	}
	return v
}

// jsonError is a parse error worded as nlohmann::json words it.
type jsonError struct{ msg string }

func (e *jsonError) Error() string { return e.msg }

// jsonTok is a token of nlohmann's lexer.
type jsonTok int

const (
	jtUninitialized jsonTok = iota
	jtTrue
	jtFalse
	jtNull
	jtString
	jtUnsigned
	jtInteger
	jtFloat
	jtBeginArray
	jtBeginObject
	jtEndArray
	jtEndObject
	jtNameSep
	jtValueSep
	jtParseError
	jtEOF
	jtLiteralOrValue
)

func (t jsonTok) String() string {
	switch t {
	case jtUninitialized:
		return "<uninitialized>"
	case jtTrue:
		return "true literal"
	case jtFalse:
		return "false literal"
	case jtNull:
		return "null literal"
	case jtString:
		return "string literal"
	case jtUnsigned, jtInteger, jtFloat:
		return "number literal"
	case jtBeginArray:
		return "'['"
	case jtBeginObject:
		return "'{'"
	case jtEndArray:
		return "']'"
	case jtEndObject:
		return "'}'"
	case jtNameSep:
		return "':'"
	case jtValueSep:
		return "','"
	case jtParseError:
		return "<parse error>"
	case jtEOF:
		return "end of input"
	}
	return "'[', '{', or a literal"
}

// jsonLexer follows nlohmann::json's lexer closely enough to report the
// same positions and "last read" text.
type jsonLexer struct {
	src     string
	next    int // index of the next byte to read
	cur     int // current byte, or -1 at the end
	unget   bool
	total   int
	line    int // chars read on the current line
	lines   int
	tok     []byte // token_string
	errMsg  string
	str     []byte // decoded string value
	num     string
	numKind jsonTok
}

const jsonEOF = -1

func (l *jsonLexer) get() int {
	l.total++
	l.line++
	if l.unget {
		l.unget = false
	} else if l.next < len(l.src) {
		l.cur = int(l.src[l.next])
		l.next++
	} else {
		l.cur = jsonEOF
	}
	if l.cur != jsonEOF {
		l.tok = append(l.tok, byte(l.cur))
	}
	if l.cur == '\n' {
		l.lines++
		l.line = 0
	}
	return l.cur
}

func (l *jsonLexer) ungetc() {
	l.unget = true
	l.total--
	if l.line == 0 {
		if l.lines > 0 {
			l.lines--
		}
	} else {
		l.line--
	}
	if l.cur != jsonEOF && len(l.tok) > 0 {
		l.tok = l.tok[:len(l.tok)-1]
	}
}

func (l *jsonLexer) reset() {
	l.tok = l.tok[:0]
	l.str = l.str[:0]
	if l.cur != jsonEOF {
		l.tok = append(l.tok, byte(l.cur))
	}
}

// tokenString is nlohmann's get_token_string: control bytes as <U+XXXX>.
func (l *jsonLexer) tokenString() string {
	var b strings.Builder
	for _, c := range l.tok {
		if c <= 0x1f {
			fmt.Fprintf(&b, "<U+%04X>", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (l *jsonLexer) scan() jsonTok {
	// Skip a BOM at the very start, as nlohmann does.
	if l.total == 0 && strings.HasPrefix(l.src, "\xEF\xBB\xBF") {
		l.next = 3
	}
	for {
		c := l.get()
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
	}
	switch l.cur {
	case '[':
		return jtBeginArray
	case ']':
		return jtEndArray
	case '{':
		return jtBeginObject
	case '}':
		return jtEndObject
	case ':':
		return jtNameSep
	case ',':
		return jtValueSep
	case 't':
		return l.literal("true", jtTrue)
	case 'f':
		return l.literal("false", jtFalse)
	case 'n':
		return l.literal("null", jtNull)
	case '"':
		return l.scanString()
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return l.scanNumber()
	case jsonEOF:
		return jtEOF
	}
	l.errMsg = "invalid literal"
	return jtParseError
}

func (l *jsonLexer) literal(lit string, t jsonTok) jsonTok {
	for i := 1; i < len(lit); i++ {
		if l.get() != int(lit[i]) {
			l.errMsg = "invalid literal"
			return jtParseError
		}
	}
	return t
}

var jsonControlNames = [32]string{"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US"}

func (l *jsonLexer) hex4() int {
	v := 0
	for i := 0; i < 4; i++ {
		c := l.get()
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | (c - '0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		default:
			return -1
		}
	}
	return v
}

func (l *jsonLexer) scanString() jsonTok {
	l.reset()
	for {
		c := l.get()
		switch {
		case c == jsonEOF:
			l.errMsg = "invalid string: missing closing quote"
			return jtParseError
		case c == '"':
			return jtString
		case c == '\\':
			e := l.get()
			switch e {
			case '"', '\\', '/':
				l.str = append(l.str, byte(e))
			case 'b':
				l.str = append(l.str, '\b')
			case 'f':
				l.str = append(l.str, '\f')
			case 'n':
				l.str = append(l.str, '\n')
			case 'r':
				l.str = append(l.str, '\r')
			case 't':
				l.str = append(l.str, '\t')
			case 'u':
				cp := l.hex4()
				if cp < 0 {
					l.errMsg = "invalid string: '\\u' must be followed by 4 hex digits"
					return jtParseError
				}
				if cp >= 0xD800 && cp <= 0xDBFF {
					if l.get() == '\\' && l.get() == 'u' {
						lo := l.hex4()
						if lo < 0 {
							l.errMsg = "invalid string: '\\u' must be followed by 4 hex digits"
							return jtParseError
						}
						if lo < 0xDC00 || lo > 0xDFFF {
							l.errMsg = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"
							return jtParseError
						}
						cp = 0x10000 + (cp-0xD800)<<10 + (lo - 0xDC00)
					} else {
						l.errMsg = "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"
						return jtParseError
					}
				} else if cp >= 0xDC00 && cp <= 0xDFFF {
					l.errMsg = "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF"
					return jtParseError
				}
				l.str = utf8.AppendRune(l.str, rune(cp))
			default:
				l.errMsg = "invalid string: forbidden character after backslash"
				return jtParseError
			}
		case c < 0x20:
			l.errMsg = fmt.Sprintf("invalid string: control character U+%04X (%s) must be escaped to \\u%04X", c, jsonControlNames[c], c)
			if c == '\n' || c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\r' || c == '\t' {
				l.errMsg = fmt.Sprintf("invalid string: control character U+%04X (%s) must be escaped to \\u%04X or %s", c, jsonControlNames[c], c, shortEscape(c))
			}
			return jtParseError
		case c < 0x80:
			l.str = append(l.str, byte(c))
		default:
			if !l.utf8Tail(c) {
				l.errMsg = "invalid string: ill-formed UTF-8 byte"
				return jtParseError
			}
		}
	}
}

func shortEscape(c int) string {
	switch c {
	case '\b':
		return `\b`
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\f':
		return `\f`
	case '\r':
		return `\r`
	}
	return ""
}

// utf8Tail reads the continuation bytes of a UTF-8 sequence starting with
// c, with the ranges nlohmann accepts (no overlongs, no surrogates).
func (l *jsonLexer) utf8Tail(c int) bool {
	l.str = append(l.str, byte(c))
	var ranges [][2]int
	switch {
	case c >= 0xC2 && c <= 0xDF:
		ranges = [][2]int{{0x80, 0xBF}}
	case c == 0xE0:
		ranges = [][2]int{{0xA0, 0xBF}, {0x80, 0xBF}}
	case (c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF:
		ranges = [][2]int{{0x80, 0xBF}, {0x80, 0xBF}}
	case c == 0xED:
		ranges = [][2]int{{0x80, 0x9F}, {0x80, 0xBF}}
	case c == 0xF0:
		ranges = [][2]int{{0x90, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}}
	case c >= 0xF1 && c <= 0xF3:
		ranges = [][2]int{{0x80, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}}
	case c == 0xF4:
		ranges = [][2]int{{0x80, 0x8F}, {0x80, 0xBF}, {0x80, 0xBF}}
	default:
		return false
	}
	for _, r := range ranges {
		d := l.get()
		if d < r[0] || d > r[1] {
			return false
		}
		l.str = append(l.str, byte(d))
	}
	return true
}

func (l *jsonLexer) scanNumber() jsonTok {
	l.reset()
	kind := jtUnsigned
	c := l.cur
	if c == '-' {
		kind = jtInteger
		c = l.get()
		if c < '0' || c > '9' {
			l.errMsg = "invalid number; expected digit after '-'"
			return jtParseError
		}
	}
	if c != '0' {
		for {
			c = l.get()
			if c < '0' || c > '9' {
				break
			}
		}
	} else {
		c = l.get()
	}
	if c == '.' {
		kind = jtFloat
		c = l.get()
		if c < '0' || c > '9' {
			l.errMsg = "invalid number; expected digit after '.'"
			return jtParseError
		}
		for {
			c = l.get()
			if c < '0' || c > '9' {
				break
			}
		}
	}
	if c == 'e' || c == 'E' {
		kind = jtFloat
		c = l.get()
		if c == '+' || c == '-' {
			c = l.get()
			if c < '0' || c > '9' {
				l.errMsg = "invalid number; expected digit after exponent sign"
				return jtParseError
			}
		} else if c < '0' || c > '9' {
			l.errMsg = "invalid number; expected '+', '-', or digit after exponent"
			return jtParseError
		}
		for {
			c = l.get()
			if c < '0' || c > '9' {
				break
			}
		}
	}
	l.ungetc()
	l.num = string(l.tok)
	l.numKind = kind
	return kind
}

type jsonParser struct {
	lex  jsonLexer
	last jsonTok
}

func (p *jsonParser) token() jsonTok {
	p.last = p.lex.scan()
	return p.last
}

func (p *jsonParser) fail(expected jsonTok, context string) error {
	msg := "syntax error "
	if context != "" {
		msg += "while parsing " + context + " "
	}
	msg += "- "
	if p.last == jtParseError {
		msg += p.lex.errMsg + "; last read: '" + p.lex.tokenString() + "'"
	} else {
		msg += "unexpected " + p.last.String()
	}
	if expected != jtUninitialized {
		msg += "; expected " + expected.String()
	}
	return &jsonError{fmt.Sprintf("[json.exception.parse_error.101] parse error at line %d, column %d: %s", p.lex.lines+1, p.lex.line, msg)}
}

// parseJSON parses a whole JSON text as Nix 2.8 does: integers that fit
// in 64 bits (unsigned ones wrapping) are integers, other numbers floats;
// strings end at a NUL byte as C strings do (object keys do not).
func parseJSON(s string) (Value, error) {
	p := &jsonParser{lex: jsonLexer{src: s, cur: jsonEOF}}
	p.token()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if p.token() != jtEOF {
		return nil, p.fail(jtEOF, "value")
	}
	return v, nil
}

func (p *jsonParser) value(depth int) (Value, error) {
	if depth > 10000 {
		return nil, &jsonError{"[json.exception.parse_error.101] nesting too deep"}
	}
	switch p.last {
	case jtTrue:
		return true, nil
	case jtFalse:
		return false, nil
	case jtNull:
		return nil, nil
	case jtString:
		s := string(p.lex.str)
		if strings.IndexByte(s, 0) >= 0 {
			return nil, &jsonError{"input string '" + strings.ReplaceAll(s, "\x00", "␀") + "' cannot be represented as Nix string because it contains null bytes"}
		}
		return mkString(s), nil
	case jtUnsigned:
		u, err := strconv.ParseUint(p.lex.num, 10, 64)
		if err == nil {
			if u > math.MaxInt64 {
				return nil, &jsonError{"unsigned json number " + p.lex.num + " outside of Nix integer range"}
			}
			return int64(u), nil
		}
		return p.float()
	case jtInteger:
		i, err := strconv.ParseInt(p.lex.num, 10, 64)
		if err == nil {
			return i, nil
		}
		return p.float()
	case jtFloat:
		return p.float()
	case jtBeginArray:
		var elems []Value
		if p.token() == jtEndArray {
			return &List{}, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			elems = append(elems, v)
			switch p.token() {
			case jtValueSep:
				p.token()
				continue
			case jtEndArray:
				return &List{Elems: elems}, nil
			}
			return nil, p.fail(jtEndArray, "array")
		}
	case jtBeginObject:
		m := map[string]Value{}
		if p.token() == jtEndObject {
			return &Attrs{}, nil
		}
		for {
			if p.last != jtString {
				return nil, p.fail(jtString, "object key")
			}
			key := string(p.lex.str)
			if strings.IndexByte(key, 0) >= 0 {
				return nil, &jsonError{"input string '" + strings.ReplaceAll(key, "\x00", "␀") + "' cannot be represented as Nix string because it contains null bytes"}
			}
			if p.token() != jtNameSep {
				return nil, p.fail(jtNameSep, "object separator")
			}
			p.token()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[key] = v
			switch p.token() {
			case jtValueSep:
				p.token()
				continue
			case jtEndObject:
				attrs := make([]Attr, 0, len(m))
				for _, k := range sortedKeys(m) {
					attrs = append(attrs, Attr{Name: k, Value: m[k]})
				}
				return &Attrs{List: attrs}, nil
			}
			return nil, p.fail(jtEndObject, "object")
		}
	case jtParseError:
		return nil, p.fail(jtUninitialized, "value")
	}
	return nil, p.fail(jtLiteralOrValue, "value")
}

func (p *jsonParser) float() (Value, error) {
	f, err := strconv.ParseFloat(p.lex.num, 64)
	if err != nil && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return nil, &jsonError{fmt.Sprintf("[json.exception.out_of_range.406] number overflow parsing '%s'", p.lex.num)}
	}
	return f, nil
}
