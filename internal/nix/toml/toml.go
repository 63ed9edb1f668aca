// Package toml parses TOML 1.0 documents into a generic tree, for the Nix
// builtin fromTOML.
//
// A document becomes a map[string]any whose values are map[string]any
// (tables, inline or not), []any (arrays, arrays of tables included),
// int64, float64, bool, string and Datetime. Where the TOML library of
// Nix 2.8 (toml11) departs from the specification and Nix's behaviour
// shows it, the parser follows Nix: integers and floats beyond the range
// of int64 and float64 saturate instead of failing, and a table that
// dotted keys created may be opened again by a [header].
package toml

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Datetime is a TOML offset date-time, local date-time, local date or
// local time, kept as written.
type Datetime struct {
	Kind DatetimeKind
	Text string
}

// DatetimeKind says which of the four TOML date-time types a Datetime is.
type DatetimeKind int

// The date-time kinds.
const (
	OffsetDatetime DatetimeKind = iota
	LocalDatetime
	LocalDate
	LocalTime
)

// Error is a syntax or semantic error at a line and column (1-based).
type Error struct {
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// table is a table while parsing, with how it came to be.
type table struct {
	m map[string]any // values: *table, *array or scalars
	// header: defined by a [header] (or as an element of [[header]]).
	header bool
	// inline: an inline table, which nothing may extend.
	inline bool
}

// array is an array while parsing; tables says it was made by [[header]].
type array struct {
	elems  []any
	tables bool
}

func newTable() *table { return &table{m: map[string]any{}} }

// Parse parses a TOML document.
func Parse(src string) (map[string]any, error) {
	if !utf8.ValidString(src) {
		p := &parser{src: src}
		for i := 0; i < len(src); {
			r, n := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && n == 1 {
				p.pos = i
				break
			}
			i += n
		}
		return nil, p.errorf("invalid UTF-8")
	}
	p := &parser{src: src, root: newTable()}
	if err := p.document(); err != nil {
		return nil, err
	}
	return export(p.root), nil
}

func export(t *table) map[string]any {
	out := make(map[string]any, len(t.m))
	for k, v := range t.m {
		out[k] = exportValue(v)
	}
	return out
}

func exportValue(v any) any {
	switch x := v.(type) {
	case *table:
		return export(x)
	case *array:
		l := make([]any, len(x.elems))
		for i, e := range x.elems {
			l[i] = exportValue(e)
		}
		return l
	}
	return v
}

type parser struct {
	src  string
	pos  int
	root *table
	cur  *table
}

// parseError carries an *Error through panics inside the parser.
type parseError struct{ err *Error }

func (p *parser) errorf(format string, args ...any) *Error {
	line, col := 1, 1
	for i := 0; i < p.pos && i < len(p.src); i++ {
		if p.src[i] == '\n' {
			line++
			col = 1
		} else if p.src[i]&0xC0 != 0x80 {
			col++
		}
	}
	return &Error{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) fail(format string, args ...any) {
	panic(parseError{p.errorf(format, args...)})
}

func (p *parser) document() (err error) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			err = pe.err
		}
	}()
	p.cur = p.root
	for {
		p.skipWS()
		if p.eof() {
			return nil
		}
		switch c := p.src[p.pos]; {
		case c == '#':
			p.comment()
		case c == '\n':
			p.pos++
			continue
		case c == '\r':
			p.newline()
			continue
		case c == '[':
			if strings.HasPrefix(p.src[p.pos:], "[[") {
				p.pos += 2
				p.arrayTableHeader()
			} else {
				p.pos++
				p.tableHeader()
			}
		default:
			p.keyValue(p.cur)
		}
		p.endOfLine()
	}
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) skipWS() {
	for !p.eof() && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// comment skips a comment up to (not including) the end of the line.
func (p *parser) comment() {
	p.pos++ // '#'
	for !p.eof() {
		c := p.src[p.pos]
		if c == '\n' || (c == '\r' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '\n') {
			return
		}
		if (c < 0x20 && c != '\t') || c == 0x7f {
			p.fail("control character in a comment")
		}
		p.pos++
	}
}

func (p *parser) newline() {
	switch {
	case strings.HasPrefix(p.src[p.pos:], "\n"):
		p.pos++
	case strings.HasPrefix(p.src[p.pos:], "\r\n"):
		p.pos += 2
	default:
		p.fail("expected a newline")
	}
}

// endOfLine accepts trailing whitespace, a comment and the newline (or
// the end of the document).
func (p *parser) endOfLine() {
	p.skipWS()
	if p.peek() == '#' {
		p.comment()
	}
	if p.eof() {
		return
	}
	if p.peek() != '\n' && p.peek() != '\r' {
		p.fail("expected the end of the line, found %q", p.peek())
	}
	p.newline()
}

func isBare(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
}

// key parses a possibly dotted key.
func (p *parser) key() []string {
	var parts []string
	for {
		p.skipWS()
		switch c := p.peek(); {
		case c == '"':
			if strings.HasPrefix(p.src[p.pos:], `"""`) {
				p.fail("a key cannot be a multi-line string")
			}
			parts = append(parts, p.basicString())
		case c == '\'':
			if strings.HasPrefix(p.src[p.pos:], `'''`) {
				p.fail("a key cannot be a multi-line string")
			}
			parts = append(parts, p.literalString())
		case isBare(c):
			start := p.pos
			for !p.eof() && isBare(p.src[p.pos]) {
				p.pos++
			}
			parts = append(parts, p.src[start:p.pos])
		default:
			p.fail("expected a key")
		}
		p.skipWS()
		if p.peek() != '.' {
			return parts
		}
		p.pos++
	}
}

// descend walks from t through the tables named by path, creating the
// missing ones; dotted says the path is a dotted key of a key/value pair.
// Tables that an [[array]] header creates on its way count as defined by
// a header, as in Nix 2.8's TOML library ("[[a.b]]" then "[a]" fails).
func (p *parser) descend(t *table, path []string, dotted, arrayHeader bool) *table {
	for _, k := range path {
		switch x := t.m[k].(type) {
		case nil:
			n := newTable()
			n.header = arrayHeader
			t.m[k] = n
			t = n
		case *table:
			if x.inline {
				p.fail("inline table %q cannot be extended", k)
			}
			if dotted && x.header {
				p.fail("table %q defined by a header cannot be extended by a dotted key", k)
			}
			t = x
		case *array:
			if !x.tables || dotted {
				p.fail("key %q is not a table", k)
			}
			t = x.elems[len(x.elems)-1].(*table)
		default:
			p.fail("key %q is not a table", k)
		}
	}
	return t
}

func (p *parser) tableHeader() {
	path := p.key()
	p.skipWS()
	if p.peek() != ']' {
		p.fail("expected ']' after a table name")
	}
	p.pos++
	parent := p.descend(p.root, path[:len(path)-1], false, false)
	last := path[len(path)-1]
	switch x := parent.m[last].(type) {
	case nil:
		t := newTable()
		t.header = true
		parent.m[last] = t
		p.cur = t
	case *table:
		if x.header || x.inline {
			p.fail("table %q is defined twice", strings.Join(path, "."))
		}
		x.header = true
		p.cur = x
	default:
		p.fail("key %q is already defined", strings.Join(path, "."))
	}
}

func (p *parser) arrayTableHeader() {
	path := p.key()
	p.skipWS()
	if !strings.HasPrefix(p.src[p.pos:], "]]") {
		p.fail("expected ']]' after an array of tables name")
	}
	p.pos += 2
	parent := p.descend(p.root, path[:len(path)-1], false, true)
	last := path[len(path)-1]
	t := newTable()
	t.header = true
	switch x := parent.m[last].(type) {
	case nil:
		parent.m[last] = &array{elems: []any{t}, tables: true}
	case *array:
		if !x.tables {
			p.fail("array %q cannot be extended by a header", strings.Join(path, "."))
		}
		x.elems = append(x.elems, t)
	default:
		p.fail("key %q is already defined", strings.Join(path, "."))
	}
	p.cur = t
}

// keyValue parses `key = value` into t.
func (p *parser) keyValue(t *table) {
	path := p.key()
	if p.peek() != '=' {
		p.fail("expected '=' after a key")
	}
	p.pos++
	p.skipWS()
	v := p.value(0)
	parent := p.descend(t, path[:len(path)-1], true, false)
	last := path[len(path)-1]
	if _, exists := parent.m[last]; exists {
		p.fail("key %q is defined twice", strings.Join(path, "."))
	}
	parent.m[last] = v
}

const maxNesting = 1000

func (p *parser) value(depth int) any {
	if depth > maxNesting {
		p.fail("values nested too deeply")
	}
	if p.eof() {
		p.fail("expected a value")
	}
	switch c := p.src[p.pos]; {
	case c == '"':
		if strings.HasPrefix(p.src[p.pos:], `"""`) {
			return p.multilineBasicString()
		}
		return p.basicString()
	case c == '\'':
		if strings.HasPrefix(p.src[p.pos:], `'''`) {
			return p.multilineLiteralString()
		}
		return p.literalString()
	case c == '[':
		return p.arrayValue(depth)
	case c == '{':
		return p.inlineTable(depth)
	case strings.HasPrefix(p.src[p.pos:], "true"):
		p.pos += 4
		return true
	case strings.HasPrefix(p.src[p.pos:], "false"):
		p.pos += 5
		return false
	}
	return p.numberOrDate()
}

func (p *parser) arrayValue(depth int) any {
	p.pos++ // '['
	a := &array{}
	for {
		p.skipArrayWS()
		if p.peek() == ']' {
			p.pos++
			return a
		}
		a.elems = append(a.elems, p.value(depth+1))
		p.skipArrayWS()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return a
		default:
			p.fail("expected ',' or ']' in an array")
		}
	}
}

// skipArrayWS skips whitespace, newlines and comments inside an array.
func (p *parser) skipArrayWS() {
	for {
		p.skipWS()
		switch p.peek() {
		case '#':
			p.comment()
		case '\n', '\r':
			p.newline()
		default:
			return
		}
	}
}

func (p *parser) inlineTable(depth int) any {
	p.pos++ // '{'
	t := newTable()
	p.skipWS()
	if p.peek() == '}' {
		p.pos++
		t.inline = true
		return t
	}
	for {
		p.skipWS()
		p.keyValueInline(t, depth)
		p.skipWS()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			markInline(t)
			return t
		default:
			p.fail("expected ',' or '}' in an inline table")
		}
	}
}

func (p *parser) keyValueInline(t *table, depth int) {
	path := p.key()
	if p.peek() != '=' {
		p.fail("expected '=' after a key")
	}
	p.pos++
	p.skipWS()
	v := p.value(depth + 1)
	parent := p.descend(t, path[:len(path)-1], true, false)
	last := path[len(path)-1]
	if _, exists := parent.m[last]; exists {
		p.fail("key %q is defined twice", strings.Join(path, "."))
	}
	parent.m[last] = v
}

// markInline makes t and the tables its dotted keys created immutable.
func markInline(t *table) {
	t.inline = true
	for _, v := range t.m {
		if s, ok := v.(*table); ok && !s.inline {
			markInline(s)
		}
	}
}

func (p *parser) basicString() string {
	p.pos++ // '"'
	var b strings.Builder
	for {
		if p.eof() {
			p.fail("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String()
		case c == '\\':
			p.escape(&b)
		case c == '\n' || c == '\r':
			p.fail("newline in a string")
		case (c < 0x20 && c != '\t') || c == 0x7f:
			p.fail("control character in a string")
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

func (p *parser) escape(b *strings.Builder) {
	start := p.pos
	p.pos++ // '\\'
	if p.eof() {
		p.fail("unterminated string")
	}
	c := p.src[p.pos]
	p.pos++
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 't':
		b.WriteByte('\t')
	case 'n':
		b.WriteByte('\n')
	case 'f':
		b.WriteByte('\f')
	case 'r':
		b.WriteByte('\r')
	case '"':
		b.WriteByte('"')
	case '\\':
		b.WriteByte('\\')
	case 'u', 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		if p.pos+n > len(p.src) {
			p.fail("short unicode escape")
		}
		v, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
		if err != nil || strings.ContainsAny(p.src[p.pos:p.pos+n], "+-") {
			p.fail("invalid unicode escape")
		}
		r := rune(v)
		if !utf8.ValidRune(r) {
			p.pos = start
			p.fail("escape is not a Unicode scalar value")
		}
		p.pos += n
		b.WriteRune(r)
	default:
		p.pos = start
		p.fail("invalid escape '\\%c'", c)
	}
}

func (p *parser) multilineBasicString() string {
	p.pos += 3
	p.trimFirstNewline()
	var b strings.Builder
	for {
		if p.eof() {
			p.fail("unterminated multi-line string")
		}
		c := p.src[p.pos]
		switch {
		case strings.HasPrefix(p.src[p.pos:], `"""`):
			// Up to two more quotes belong to the content.
			n := 3
			for n < 5 && p.pos+n < len(p.src) && p.src[p.pos+n] == '"' {
				n++
			}
			b.WriteString(strings.Repeat(`"`, n-3))
			p.pos += n
			return b.String()
		case c == '\\':
			// A backslash at the end of a line trims the whitespace and
			// newlines that follow.
			q := p.pos + 1
			for q < len(p.src) && (p.src[q] == ' ' || p.src[q] == '\t') {
				q++
			}
			if q < len(p.src) && (p.src[q] == '\n' || strings.HasPrefix(p.src[q:], "\r\n")) {
				p.pos = q
				for !p.eof() {
					switch {
					case p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n':
						p.pos++
						continue
					case strings.HasPrefix(p.src[p.pos:], "\r\n"):
						p.pos += 2
						continue
					}
					break
				}
				continue
			}
			p.escape(&b)
		case c == '\n':
			b.WriteByte('\n')
			p.pos++
		case c == '\r':
			if !strings.HasPrefix(p.src[p.pos:], "\r\n") {
				p.fail("control character in a string")
			}
			b.WriteString("\r\n")
			p.pos += 2
		case (c < 0x20 && c != '\t') || c == 0x7f:
			p.fail("control character in a string")
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

func (p *parser) trimFirstNewline() {
	switch {
	case strings.HasPrefix(p.src[p.pos:], "\n"):
		p.pos++
	case strings.HasPrefix(p.src[p.pos:], "\r\n"):
		p.pos += 2
	}
}

func (p *parser) literalString() string {
	p.pos++ // '\''
	start := p.pos
	for {
		if p.eof() {
			p.fail("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == '\'':
			s := p.src[start:p.pos]
			p.pos++
			return s
		case c == '\n' || c == '\r':
			p.fail("newline in a string")
		case (c < 0x20 && c != '\t') || c == 0x7f:
			p.fail("control character in a string")
		}
		p.pos++
	}
}

func (p *parser) multilineLiteralString() string {
	p.pos += 3
	p.trimFirstNewline()
	var b strings.Builder
	for {
		if p.eof() {
			p.fail("unterminated multi-line string")
		}
		c := p.src[p.pos]
		switch {
		case strings.HasPrefix(p.src[p.pos:], `'''`):
			n := 3
			for n < 5 && p.pos+n < len(p.src) && p.src[p.pos+n] == '\'' {
				n++
			}
			b.WriteString(strings.Repeat(`'`, n-3))
			p.pos += n
			return b.String()
		case c == '\r':
			if !strings.HasPrefix(p.src[p.pos:], "\r\n") {
				p.fail("control character in a string")
			}
			b.WriteString("\r\n")
			p.pos += 2
		case c == '\n' || c == '\t' || c >= 0x20 && c != 0x7f:
			b.WriteByte(c)
			p.pos++
		default:
			p.fail("control character in a string")
		}
	}
}

// numberOrDate parses an integer, a float or a date-time.
func (p *parser) numberOrDate() any {
	start := p.pos
	for !p.eof() && isValueChar(p.src[p.pos]) {
		p.pos++
	}
	tok := p.src[start:p.pos]
	// "1979-05-27 07:32:00": a date, one space, a time.
	if isDate(tok) && p.pos+2 < len(p.src) && p.src[p.pos] == ' ' && isDigit(p.src[p.pos+1]) && isDigit(p.src[p.pos+2]) {
		q := p.pos + 1
		for q < len(p.src) && isValueChar(p.src[q]) {
			q++
		}
		if isTime(p.src[p.pos+1:q], true) {
			tok = p.src[start:q]
			p.pos = q
		}
	}
	if tok == "" {
		p.fail("expected a value")
	}
	if dt, ok := parseDatetime(tok); ok {
		return dt
	}
	if v, ok := parseInteger(tok); ok {
		if v == math.MaxInt64 || v == math.MinInt64 {
			// Out of range: Nix (toml11) refuses integers beyond 64 bits.
			if _, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimPrefix(tok, "+"), "_", ""), 0, 64); err != nil {
				p.pos = start
				p.fail("too large integer: current max digits = 2^63")
			}
		}
		return v
	}
	if v, ok := parseFloat(tok); ok {
		return v
	}
	p.pos = start
	p.fail("invalid value %q", tok)
	return nil
}

func isValueChar(c byte) bool {
	return isBare(c) || c == '+' || c == '.' || c == ':'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsWithUnderscores checks s is digits of base with single
// underscores between them.
func digitsWithUnderscores(s string, ok func(byte) bool) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '_' {
			if s[i+1] == '_' {
				return false
			}
			continue
		}
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func parseInteger(s string) (int64, bool) {
	isHex := func(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }
	for _, pre := range []struct {
		prefix string
		base   int
		ok     func(byte) bool
	}{
		{"0x", 16, isHex},
		{"0o", 8, func(c byte) bool { return c >= '0' && c <= '7' }},
		{"0b", 2, func(c byte) bool { return c == '0' || c == '1' }},
	} {
		if strings.HasPrefix(s, pre.prefix) {
			d := s[2:]
			if !digitsWithUnderscores(d, pre.ok) {
				return 0, false
			}
			u, err := strconv.ParseUint(strings.ReplaceAll(d, "_", ""), pre.base, 64)
			if err != nil || u > math.MaxInt64 {
				return math.MaxInt64, true
			}
			return int64(u), true
		}
	}
	d := s
	neg := false
	if d != "" && (d[0] == '+' || d[0] == '-') {
		neg = d[0] == '-'
		d = d[1:]
	}
	if !digitsWithUnderscores(d, isDigit) {
		return 0, false
	}
	if len(d) > 1 && d[0] == '0' {
		return 0, false // leading zero
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		if neg {
			return math.MinInt64, true
		}
		return math.MaxInt64, true
	}
	return v, true
}

func parseFloat(s string) (float64, bool) {
	body := s
	sign := 1.0
	if body != "" && (body[0] == '+' || body[0] == '-') {
		if body[0] == '-' {
			sign = -1
		}
		body = body[1:]
	}
	switch body {
	case "inf":
		return math.Inf(int(sign)), true
	case "nan":
		return math.Copysign(math.NaN(), sign), true
	}
	intPart, rest := body, ""
	if i := strings.IndexAny(body, ".eE"); i >= 0 {
		intPart, rest = body[:i], body[i:]
	}
	if !digitsWithUnderscores(intPart, isDigit) || (len(intPart) > 1 && intPart[0] == '0') || rest == "" {
		return 0, false
	}
	if rest[0] == '.' {
		frac := rest[1:]
		exp := ""
		if i := strings.IndexAny(frac, "eE"); i >= 0 {
			frac, exp = frac[:i], frac[i:]
		}
		if !digitsWithUnderscores(frac, isDigit) {
			return 0, false
		}
		rest = exp
	}
	if rest != "" {
		e := rest[1:]
		if e != "" && (e[0] == '+' || e[0] == '-') {
			e = e[1:]
		}
		if !digitsWithUnderscores(e, isDigit) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			if math.IsInf(f, 0) {
				return math.Copysign(math.MaxFloat64, f), true
			}
			return f, true
		}
		return 0, false
	}
	return f, true
}

func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(s[i]) {
			return false
		}
	}
	m := atoi2(s[5:7])
	d := atoi2(s[8:10])
	if m < 1 || m > 12 || d < 1 || d > daysIn(atoi4(s[:4]), m) {
		return false
	}
	return true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
func atoi4(s string) int { return atoi2(s[:2])*100 + atoi2(s[2:]) }

// isTime checks HH:MM:SS[.frac], followed by an offset when offset is
// allowed (Z or ±HH:MM).
func isTime(s string, offset bool) bool {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return false
	}
	for _, i := range []int{0, 1, 3, 4, 6, 7} {
		if !isDigit(s[i]) {
			return false
		}
	}
	if atoi2(s[0:2]) > 23 || atoi2(s[3:5]) > 59 || atoi2(s[6:8]) > 60 {
		return false
	}
	rest := s[8:]
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 {
			return false
		}
		rest = rest[i:]
	}
	if rest == "" {
		return true
	}
	if !offset {
		return false
	}
	if rest == "Z" || rest == "z" {
		return true
	}
	if len(rest) != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' ||
		!isDigit(rest[1]) || !isDigit(rest[2]) || !isDigit(rest[4]) || !isDigit(rest[5]) {
		return false
	}
	return atoi2(rest[1:3]) <= 23 && atoi2(rest[4:6]) <= 59
}

func hasOffset(t string) bool {
	return strings.HasSuffix(t, "Z") || strings.HasSuffix(t, "z") || strings.ContainsAny(t[8:], "+-")
}

func parseDatetime(s string) (Datetime, bool) {
	switch {
	case isDate(s):
		return Datetime{Kind: LocalDate, Text: s}, true
	case len(s) > 11 && isDate(s[:10]) && (s[10] == 'T' || s[10] == 't' || s[10] == ' '):
		t := s[11:]
		if !isTime(t, true) {
			return Datetime{}, false
		}
		if hasOffset(t) {
			return Datetime{Kind: OffsetDatetime, Text: s}, true
		}
		return Datetime{Kind: LocalDatetime, Text: s}, true
	case isTime(s, false):
		return Datetime{Kind: LocalTime, Text: s}, true
	}
	return Datetime{}, false
}
