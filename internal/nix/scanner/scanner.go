// Package scanner is the lexer of the Nix language.
//
// It is a hand-written modal lexer that follows the rules of Nix's own
// flex lexer (src/libexpr/lexer.l) token for token: longest match first,
// the earlier rule on a tie, and a stack of modes for strings, indented
// strings, interpolated paths and the `${ ... }` and `{ ... }` nesting in
// between. Because the modes depend only on the text, the scanner needs no
// help from the parser, and tokens may be read ahead freely.
//
// Scan returns the kind of the next token; the fields of the Scanner then
// describe it (offsets, text or decoded value). Identifiers, paths and URIs
// are substrings of the source, so scanning them allocates nothing.
package scanner

import (
	"math"
	"strconv"
	"strings"
)

type mode uint8

const (
	modeDefault     mode = iota // `${ ... }`, `{ ... }` (and, as an empty stack, the top level)
	modeString                  // "..."
	modeIndString               // ''...''
	modeInPath                  // after a path segment
	modeInPathSlash             // after a path segment ending in '/'
)

// Scanner reads the tokens of one source text.
type Scanner struct {
	src   string
	off   int
	stack []mode // empty: the top level (flex's INITIAL)

	prevStart, prevEnd int

	// noCommentEnd is set once a search for "*/" failed: no later "/*"
	// can be closed either (this keeps scanning linear).
	noCommentEnd bool

	// Start and End are the byte offsets of the last token. PATH_END has
	// no extent of its own and reports the previous token's offsets, as
	// Nix does; EOF reports the end of the text.
	Start, End int
	// Str is the text of ID, PATH, HPATH, SPATH and URI tokens, and the
	// decoded value of STR and IND_STR tokens.
	Str string
	// Indent reports that an IND_STR token is literal text whose leading
	// spaces count for indentation stripping (not an escape like `''$`).
	Indent bool
	// Int and Float hold the values of INT and FLOAT tokens.
	Int   int64
	Float float64
	// ErrMsg is the message of an ERROR token.
	ErrMsg string
}

// Init prepares s to scan src from its beginning.
func (s *Scanner) Init(src string) {
	*s = Scanner{src: src, stack: s.stack[:0]}
}

// Offset returns the offset of the next byte to scan.
func (s *Scanner) Offset() int { return s.off }

func (s *Scanner) mode() mode {
	if len(s.stack) == 0 {
		return modeDefault
	}
	return s.stack[len(s.stack)-1]
}

func (s *Scanner) push(m mode) { s.stack = append(s.stack, m) }

func (s *Scanner) pop() {
	if len(s.stack) > 0 {
		s.stack = s.stack[:len(s.stack)-1]
	}
}

// Scan reads the next token and returns its kind.
func (s *Scanner) Scan() Token {
	s.prevStart, s.prevEnd = s.Start, s.End
	s.Str, s.Indent, s.ErrMsg = "", false, ""
	switch s.mode() {
	case modeString:
		return s.scanString()
	case modeIndString:
		return s.scanIndString()
	case modeInPath, modeInPathSlash:
		return s.scanInPath()
	}
	return s.scanDefault()
}

func isPathChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '+'
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIDChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '\'' || c == '-'
}

func isURIChar(c byte) bool {
	if isLetter(c) || isDigit(c) {
		return true
	}
	switch c {
	case '%', '/', '?', ':', '@', '&', '=', '+', '$', ',', '-', '_', '.', '!', '~', '*', '\'':
		return true
	}
	return false
}

// at returns the byte at i, or 0 past the end.
func (s *Scanner) at(i int) byte {
	if i < len(s.src) {
		return s.src[i]
	}
	return 0
}

// pathLen matches {PATH_CHAR}*(\/{PATH_CHAR}+)+\/? at i.
func (s *Scanner) pathLen(i int) int {
	j := i
	for j < len(s.src) && isPathChar(s.src[j]) {
		j++
	}
	segs := 0
	for s.at(j) == '/' && isPathChar(s.at(j+1)) {
		j += 2
		for j < len(s.src) && isPathChar(s.src[j]) {
			j++
		}
		segs++
	}
	if segs == 0 {
		return 0
	}
	if s.at(j) == '/' {
		j++
	}
	return j - i
}

// pathSegLen matches {PATH_CHAR}*\/ at i.
func (s *Scanner) pathSegLen(i int) int {
	j := i
	for j < len(s.src) && isPathChar(s.src[j]) {
		j++
	}
	if s.at(j) == '/' {
		return j + 1 - i
	}
	return 0
}

// hpathLen matches \~(\/{PATH_CHAR}+)+\/? at i.
func (s *Scanner) hpathLen(i int) int {
	if s.at(i) != '~' {
		return 0
	}
	j := i + 1
	segs := 0
	for s.at(j) == '/' && isPathChar(s.at(j+1)) {
		j += 2
		for j < len(s.src) && isPathChar(s.src[j]) {
			j++
		}
		segs++
	}
	if segs == 0 {
		return 0
	}
	if s.at(j) == '/' {
		j++
	}
	return j - i
}

// spathLen matches \<{PATH_CHAR}+(\/{PATH_CHAR}+)*\> at i.
func (s *Scanner) spathLen(i int) int {
	j := i + 1
	if !isPathChar(s.at(j)) {
		return 0
	}
	for j < len(s.src) && isPathChar(s.src[j]) {
		j++
	}
	for s.at(j) == '/' && isPathChar(s.at(j+1)) {
		j += 2
		for j < len(s.src) && isPathChar(s.src[j]) {
			j++
		}
	}
	if s.at(j) == '>' {
		return j + 1 - i
	}
	return 0
}

// uriLen matches [a-zA-Z][a-zA-Z0-9\+\-\.]*\:{URI_CHAR}+ at i.
func (s *Scanner) uriLen(i int) int {
	if !isLetter(s.at(i)) {
		return 0
	}
	j := i + 1
	for j < len(s.src) {
		c := s.src[j]
		if isLetter(c) || isDigit(c) || c == '+' || c == '-' || c == '.' {
			j++
			continue
		}
		break
	}
	if s.at(j) != ':' || !isURIChar(s.at(j+1)) {
		return 0
	}
	j++
	for j < len(s.src) && isURIChar(s.src[j]) {
		j++
	}
	return j - i
}

// floatLen matches (([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)? at i.
func (s *Scanner) floatLen(i int) int {
	j := i
	c := s.at(j)
	switch {
	case '1' <= c && c <= '9':
		for isDigit(s.at(j)) {
			j++
		}
		if s.at(j) != '.' {
			return 0
		}
		j++
		for isDigit(s.at(j)) {
			j++
		}
	case c == '0' && s.at(j+1) == '.' && isDigit(s.at(j+2)):
		j += 2
		for isDigit(s.at(j)) {
			j++
		}
	case c == '.' && isDigit(s.at(j+1)):
		j++
		for isDigit(s.at(j)) {
			j++
		}
	default:
		return 0
	}
	if e := s.at(j); e == 'e' || e == 'E' {
		k := j + 1
		if sg := s.at(k); sg == '+' || sg == '-' {
			k++
		}
		if isDigit(s.at(k)) {
			for isDigit(s.at(k)) {
				k++
			}
			j = k
		}
	}
	return j - i
}

// skipSpace skips whitespace and comments.
func (s *Scanner) skipSpace() {
	for s.off < len(s.src) {
		switch c := s.src[s.off]; c {
		case ' ', '\t', '\r', '\n':
			s.off++
		case '#':
			for s.off < len(s.src) && s.src[s.off] != '\n' && s.src[s.off] != '\r' {
				s.off++
			}
		case '/':
			if s.at(s.off+1) != '*' {
				return
			}
			// An unterminated comment is no comment: '/' and '*' are then
			// tokens of their own, as in Nix.
			if s.noCommentEnd {
				return
			}
			end := strings.Index(s.src[s.off+2:], "*/")
			if end < 0 {
				s.noCommentEnd = true
				return
			}
			s.off += 2 + end + 2
		default:
			return
		}
	}
}

func (s *Scanner) tok(t Token, n int) Token {
	s.Start, s.End = s.off, s.off+n
	s.off += n
	return t
}

func (s *Scanner) scanDefault() Token {
	s.skipSpace()
	if s.off >= len(s.src) {
		s.Start, s.End = len(s.src), len(s.src)
		return EOF
	}
	i := s.off
	c := s.src[i]
	next := s.at(i + 1)

	// Tokens of fixed spelling that no longer rule can overtake.
	switch c {
	case 0:
		// Nix's lexer hands a NUL byte to the parser as end of input.
		s.Start, s.End = i+1, i+1
		s.off = len(s.src)
		return EOF
	case '=':
		if next == '=' {
			return s.tok(EQ, 2)
		}
		return s.tok(ASSIGN, 1)
	case '!':
		if next == '=' {
			return s.tok(NEQ, 2)
		}
		return s.tok(NOT, 1)
	case '>':
		if next == '=' {
			return s.tok(GEQ, 2)
		}
		return s.tok(GT, 1)
	case '&':
		if next == '&' {
			return s.tok(AND, 2)
		}
		return s.tok(ILLEGAL, 1)
	case '|':
		if next == '|' {
			return s.tok(OR, 2)
		}
		if next == '>' {
			return s.pipeError()
		}
		return s.tok(ILLEGAL, 1)
	case '$':
		if next == '{' {
			s.push(modeDefault)
			return s.tok(DOLLAR_CURLY, 2)
		}
		return s.tok(ILLEGAL, 1)
	case '{':
		s.push(modeDefault)
		return s.tok(LBRACE, 1)
	case '}':
		s.pop()
		return s.tok(RBRACE, 1)
	case '"':
		s.push(modeString)
		return s.tok(QUOTE, 1)
	case '\'':
		if next != '\'' {
			return s.tok(ILLEGAL, 1)
		}
		n := 2
		j := i + 2
		for s.at(j) == ' ' {
			j++
		}
		if s.at(j) == '\n' {
			n = j + 1 - i
		}
		s.push(modeIndString)
		return s.tok(IND_STRING_OPEN, n)
	case '<':
		if n := s.spathLen(i); n > 0 {
			s.Str = s.src[i : i+n]
			return s.tok(SPATH, n)
		}
		if next == '=' {
			return s.tok(LEQ, 2)
		}
		if next == '|' {
			return s.pipeError()
		}
		return s.tok(LT, 1)
	case '~':
		if next == '/' && s.at(i+2) == '$' && s.at(i+3) == '{' {
			s.Str = s.src[i : i+2]
			s.push(modeInPathSlash)
			return s.tok(HPATH, 2)
		}
		if n := s.hpathLen(i); n > 0 {
			return s.pathToken(HPATH, n)
		}
		return s.tok(ILLEGAL, 1)
	case '(':
		return s.tok(LPAREN, 1)
	case ')':
		return s.tok(RPAREN, 1)
	case '[':
		return s.tok(LBRACK, 1)
	case ']':
		return s.tok(RBRACK, 1)
	case ';':
		return s.tok(SEMI, 1)
	case ':':
		return s.tok(COLON, 1)
	case '@':
		return s.tok(AT, 1)
	case ',':
		return s.tok(COMMA, 1)
	case '?':
		return s.tok(QUESTION, 1)
	case '*':
		return s.tok(STAR, 1)
	}

	// Tokens that paths (and URIs, numbers, identifiers) compete for:
	// take the longest match; on a tie the earlier rule of Nix's lexer.
	best, bestLen := ILLEGAL, 1
	consider := func(t Token, n int) {
		if n > bestLen || (n == bestLen && best == ILLEGAL) {
			best, bestLen = t, n
		}
	}
	switch {
	case c == '.':
		if next == '.' && s.at(i+2) == '.' {
			consider(ELLIPSIS, 3)
		}
		consider(DOT, 1)
	case c == '-':
		if next == '>' {
			consider(IMPL, 2)
		}
		consider(MINUS, 1)
	case c == '+':
		if next == '+' {
			consider(CONCAT, 2)
		}
		consider(PLUS, 1)
	case c == '/':
		if next == '/' {
			consider(UPDATE, 2)
		}
		consider(SLASH, 1)
	case isLetter(c) || c == '_':
		n := 1
		for isIDChar(s.at(i + n)) {
			n++
		}
		consider(ID, n)
	}
	if isDigit(c) {
		n := 1
		for isDigit(s.at(i + n)) {
			n++
		}
		consider(INT, n)
	}
	if c == '.' || isDigit(c) {
		if n := s.floatLen(i); n > 0 {
			consider(FLOAT, n)
		}
	}
	pathStart := 0
	if isPathChar(c) || c == '/' {
		if n := s.pathSegLen(i); n > 0 && s.at(i+n) == '$' && s.at(i+n+1) == '{' {
			pathStart = n
			consider(PATH, n+2)
		}
		if n := s.pathLen(i); n > bestLen {
			pathStart = 0
			consider(PATH, n)
		}
	}
	if isLetter(c) {
		if n := s.uriLen(i); n > bestLen {
			consider(URI, n)
		}
	}

	switch best {
	case ID:
		s.Str = s.src[i : i+bestLen]
		return s.tok(keyword(s.Str), bestLen)
	case INT:
		return s.intToken(bestLen)
	case FLOAT:
		return s.floatToken(bestLen)
	case PATH:
		if pathStart > 0 {
			// `a/${`: the segment up to the slash is the path's start.
			s.Str = s.src[i : i+pathStart]
			s.push(modeInPathSlash)
			return s.tok(PATH, pathStart)
		}
		return s.pathToken(PATH, bestLen)
	case URI:
		s.Str = s.src[i : i+bestLen]
		return s.tok(URI, bestLen)
	}
	return s.tok(best, bestLen)
}

func (s *Scanner) pipeError() Token {
	s.ErrMsg = "experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it"
	return s.tok(ERROR, 2)
}

func (s *Scanner) pathToken(t Token, n int) Token {
	s.Str = s.src[s.off : s.off+n]
	if s.Str[n-1] == '/' {
		s.push(modeInPathSlash)
	} else {
		s.push(modeInPath)
	}
	return s.tok(t, n)
}

func (s *Scanner) intToken(n int) Token {
	text := s.src[s.off : s.off+n]
	var v int64
	for i := 0; i < len(text); i++ {
		d := int64(text[i] - '0')
		if v > (math.MaxInt64-d)/10 {
			s.ErrMsg = "invalid integer '" + text + "'"
			return s.tok(ERROR, n)
		}
		v = v*10 + d
	}
	s.Int = v
	return s.tok(INT, n)
}

func (s *Scanner) floatToken(n int) Token {
	text := s.src[s.off : s.off+n]
	f, err := strconv.ParseFloat(text, 64)
	// Nix reads floats with strtod and rejects what sets ERANGE: overflow,
	// and underflow to a subnormal number or to zero.
	bad := err != nil ||
		(f != 0 && math.Abs(f) < 0x1p-1022) ||
		(f == 0 && hasNonZeroMantissa(text))
	if bad {
		s.ErrMsg = "invalid float '" + text + "'"
		return s.tok(ERROR, n)
	}
	s.Float = f
	return s.tok(FLOAT, n)
}

func hasNonZeroMantissa(text string) bool {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == 'e' || c == 'E':
			return false
		case '1' <= c && c <= '9':
			return true
		}
	}
	return false
}

// scanString scans inside "...".
func (s *Scanner) scanString() Token {
	i := s.off
	n := len(s.src)
	j := i
	esc := false
loop:
	for j < n {
		switch s.src[j] {
		case '"':
			break loop
		case '\\':
			if j+1 >= n {
				break loop
			}
			esc = true
			j += 2
		case '\r':
			esc = true
			j++
		case 0:
			esc = true
			j++
		case '$':
			if j+1 >= n {
				break loop
			}
			switch s.src[j+1] {
			case '{':
				break loop
			case '"':
				j++ // a '$' just before the closing quote is text
				break loop
			case '\\':
				if j+2 >= n {
					break loop
				}
				esc = true
				j += 3
			case 0, '\r':
				esc = true
				j += 2
			default:
				j += 2
			}
		default:
			j++
		}
	}
	if j > i {
		raw := s.src[i:j]
		if esc {
			v, ok := unescape(raw)
			if !ok {
				s.ErrMsg = nulError(v)
				return s.tok(ERROR, j-i)
			}
			s.Str = v
		} else {
			s.Str = raw
		}
		return s.tok(STR, j-i)
	}
	if i >= n {
		s.Start, s.End = n, n
		return EOF
	}
	switch s.src[i] {
	case '"':
		s.pop()
		return s.tok(QUOTE, 1)
	case '$':
		if s.at(i+1) == '{' {
			s.push(modeDefault)
			return s.tok(DOLLAR_CURLY, 2)
		}
	}
	// A lone '\\', '$' or "$\\" at the end of the text.
	s.off = n
	s.Start, s.End = n, n
	return EOF
}

func nulError(v string) string {
	return "input string '" + strings.ReplaceAll(v, "\x00", "␀") + "' cannot be represented as Nix string because it contains null bytes"
}

// unescape decodes the escapes of a string literal and turns CR and CR LF
// into LF. It reports false when the result holds a NUL byte.
func unescape(raw string) (string, bool) {
	var b strings.Builder
	b.Grow(len(raw))
	ok := true
	for i := 0; i < len(raw); {
		c := raw[i]
		i++
		switch c {
		case '\\':
			if i < len(raw) {
				c = raw[i]
				i++
				switch c {
				case 'n':
					c = '\n'
				case 'r':
					c = '\r'
				case 't':
					c = '\t'
				}
			}
		case '\r':
			c = '\n'
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		}
		if c == 0 {
			ok = false
		}
		b.WriteByte(c)
	}
	return b.String(), ok
}

// scanIndString scans inside an indented string.
func (s *Scanner) scanIndString() Token {
	i := s.off
	n := len(s.src)
	j := i
	hasNul := false
	for j < n {
		c := s.src[j]
		if c == '$' {
			if j+1 < n && s.src[j+1] != '{' && s.src[j+1] != '\'' {
				j += 2
				continue
			}
			break
		}
		if c == '\'' {
			if j+1 < n && s.src[j+1] != '\'' && s.src[j+1] != '$' {
				j += 2
				continue
			}
			break
		}
		if c == 0 {
			hasNul = true
		}
		j++
	}
	if j > i {
		s.Str = s.src[i:j]
		if hasNul || strings.IndexByte(s.Str, 0) >= 0 {
			s.ErrMsg = nulError(s.Str)
			return s.tok(ERROR, j-i)
		}
		s.Indent = true
		return s.tok(IND_STR, j-i)
	}
	if i >= n {
		s.Start, s.End = n, n
		return EOF
	}
	if s.src[i] == '$' {
		if s.at(i+1) == '{' {
			s.push(modeDefault)
			return s.tok(DOLLAR_CURLY, 2)
		}
		s.Str = "$"
		return s.tok(IND_STR, 1)
	}
	// s.src[i] == '\''
	if s.at(i+1) != '\'' {
		s.Str = "'"
		return s.tok(IND_STR, 1)
	}
	switch s.at(i + 2) {
	case '$':
		s.Str = "$"
		return s.tok(IND_STR, 3)
	case '\'':
		s.Str = "''"
		return s.tok(IND_STR, 3)
	case '\\':
		if i+3 < n {
			v, ok := unescape(s.src[i+2 : i+4])
			if !ok {
				s.ErrMsg = nulError(v)
				return s.tok(ERROR, 4)
			}
			s.Str = v
			return s.tok(IND_STR, 4)
		}
	}
	s.pop()
	return s.tok(IND_STRING_CLOSE, 2)
}

// scanInPath scans after a path segment: more segments, `${`, or the end
// of the path.
func (s *Scanner) scanInPath() Token {
	i := s.off
	if s.at(i) == '$' && s.at(i+1) == '{' {
		s.pop()
		s.push(modeInPath)
		s.push(modeDefault)
		return s.tok(DOLLAR_CURLY, 2)
	}
	n := s.pathLen(i)
	if n == 0 {
		n = s.pathSegLen(i)
	}
	if n == 0 {
		for isPathChar(s.at(i + n)) {
			n++
		}
	}
	if n > 0 {
		s.pop()
		v := s.src[i : i+n]
		if v[n-1] == '/' {
			s.push(modeInPathSlash)
		} else {
			s.push(modeInPath)
		}
		s.Str = v
		return s.tok(STR, n)
	}
	if s.mode() == modeInPathSlash {
		s.ErrMsg = "path has a trailing slash"
		if i >= len(s.src) {
			// At the end of the text Nix reports the path itself.
			s.Start, s.End = s.prevStart, s.prevEnd
		} else {
			s.Start, s.End = i, i+1
		}
		s.pop()
		return ERROR
	}
	s.pop()
	s.Start, s.End = s.prevStart, s.prevEnd
	return PATH_END
}
