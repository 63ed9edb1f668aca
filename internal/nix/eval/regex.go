package eval

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Regular expressions of builtins.match and builtins.split.
//
// Nix compiles them with C++ std::regex in its POSIX extended grammar
// (libstdc++), which matches bytes, not characters, and among the longest
// matches picks the one its depth-first search finds first: alternatives
// left to right, repetitions greedily. Go's regexp in leftmost-longest
// mode makes the same choice, so an expression is parsed here with
// libstdc++'s grammar (its errors included) and rewritten into Go syntax
// over a Latin-1 view of the bytes: byte b becomes rune b, so that `.`,
// bracket expressions and literal bytes of multi-byte characters behave
// as they do in Nix.

// errRegexSpace is the error libstdc++ reports for expressions whose
// automaton is too large; Nix words it differently.
var errRegexSpace = errors.New("regular expression too large")

// nixRegex is a compiled Nix regular expression.
type nixRegex struct {
	pattern string
	goSrc   string // Go syntax of the expression, "^" written as \A
	ngroups int
	// Compiled variants, made on first use: index by regexVariant.
	progs [4]*regexp.Regexp
}

type regexVariant int

const (
	reSearch         regexVariant = iota // unanchored, ^ matches at the text start
	reSearchNotBOL                       // unanchored, ^ never matches
	reContinuous                         // anchored at the start, ^ matches
	reContinuousNoBO                     // anchored at the start, ^ never matches
)

// regexCache keeps compiled expressions by pattern.
type regexCache struct {
	m map[string]*nixRegex
}

func (c *regexCache) get(pattern string) (*nixRegex, error) {
	if c != nil && c.m != nil {
		if re, ok := c.m[pattern]; ok {
			return re, nil
		}
	}
	re, err := compileNixRegex(pattern)
	if err != nil {
		return nil, err
	}
	if c != nil {
		if c.m == nil {
			c.m = map[string]*nixRegex{}
		}
		c.m[pattern] = re
	}
	return re, nil
}

// compileNixRegex parses pattern as libstdc++'s POSIX extended grammar
// and translates it.
func compileNixRegex(pattern string) (*nixRegex, error) {
	p := &ereParser{src: pattern}
	tree, err := p.parse()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	goSyntax(&b, tree)
	re := &nixRegex{pattern: pattern, goSrc: b.String(), ngroups: p.groups}
	re.nfa = buildNFA(tree, p.groups)
	// Compile the plain variant now so that Go's own limits surface as an
	// error of the builtin, not later.
	if _, err := re.prog(reSearch); err != nil {
		return nil, err
	}
	return re, nil
}

const neverMatch = `[^\x00-\x{10FFFF}]`

func (re *nixRegex) prog(v regexVariant) (*regexp.Regexp, error) {
	if p := re.progs[v]; p != nil {
		return p, nil
	}
	src := re.goSrc
	if v == reSearchNotBOL || v == reContinuousNoBO {
		src = strings.ReplaceAll(src, bolMarker, neverMatch)
	} else {
		src = strings.ReplaceAll(src, bolMarker, `\A`)
	}
	if v == reContinuous || v == reContinuousNoBO {
		src = `\A(?:` + src + `)`
	}
	p, err := regexp.Compile(src)
	if err != nil {
		if strings.Contains(err.Error(), "too large") || strings.Contains(err.Error(), "invalid repeat count") {
			return nil, errRegexSpace
		}
		return nil, err
	}
	p.Longest()
	re.progs[v] = p
	return p, nil
}

func (re *nixRegex) mustProg(v regexVariant) *regexp.Regexp {
	p, err := re.prog(v)
	if err != nil {
		// The plain variant compiled; the others differ only in an
		// anchor, which cannot make Go reject them.
		panic(fmt.Sprintf("regex variant of %q: %v", re.pattern, err))
	}
	return p
}

// bolMarker stands for "^" in goSrc until a variant is compiled. It is a
// Go construct that never appears in a translation otherwise.
const bolMarker = `(?:\A|\A)`

// latin1 maps each byte of s to the rune of the same value, so that Go's
// rune-based matching works on bytes. It returns s itself when s is ASCII,
// and otherwise the mapped string and, for each byte offset of it that
// starts a rune, the offset in s.
func latin1(s string) (string, []int) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	off := make([]int, 0, len(s)*2+1)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			off = append(off, i)
			b.WriteByte(c)
		} else {
			off = append(off, i, i)
			b.WriteRune(rune(c))
		}
	}
	off = append(off, len(s))
	return b.String(), off
}

// regexMatch is one match: byte offsets of the whole match and of every
// group (-1 for a group that did not take part).
type regexMatch []int

// matchFull reports whether the whole of s matches (std::regex_match).
func (re *nixRegex) matchFull(s string) regexMatch {
	m, off := latin1(s)
	p := re.mustProg(reContinuous)
	loc := p.FindStringSubmatchIndex(m)
	if loc == nil || loc[1] != len(m) {
		// Leftmost-longest from the start: if the longest match does not
		// reach the end, no match does.
		return nil
	}
	return mapOffsets(loc, off, 0)
}

func mapOffsets(loc []int, off []int, base int) regexMatch {
	out := make(regexMatch, len(loc))
	for i, x := range loc {
		switch {
		case x < 0:
			out[i] = -1
		case off == nil:
			out[i] = x + base
		default:
			out[i] = off[x] + base
		}
	}
	return out
}

// findAt finds the leftmost-longest match in s[from:]; notBOL says that
// from is not the start of the text (match_prev_avail), continuous that
// the match must start at from and must not be empty (match_continuous
// and match_not_null).
func (re *nixRegex) findAt(s string, from int, continuous bool) regexMatch {
	var v regexVariant
	switch {
	case continuous && from == 0:
		v = reContinuous
	case continuous:
		v = reContinuousNoBO
	case from == 0:
		v = reSearch
	default:
		v = reSearchNotBOL
	}
	m, off := latin1(s[from:])
	loc := re.mustProg(v).FindStringSubmatchIndex(m)
	if loc == nil {
		return nil
	}
	if continuous && loc[1] == loc[0] {
		// The longest match is empty, so no non-empty one exists.
		return nil
	}
	return mapOffsets(loc, off, from)
}

// findAll returns the matches std::sregex_iterator visits: after an empty
// match it first looks for a non-empty match at the same place, then
// searches from the next byte.
func (re *nixRegex) findAll(s string) []regexMatch {
	var out []regexMatch
	m := re.findAt(s, 0, false)
	for m != nil {
		out = append(out, m)
		start := m[1]
		if m[0] == m[1] {
			if start == len(s) {
				break
			}
			if n := re.findAt(s, start, true); n != nil {
				m = n
				continue
			}
			start++
		}
		m = re.findAt(s, start, false)
	}
	return out
}

// ereParser parses libstdc++'s POSIX extended grammar into a syntax tree.
type ereParser struct {
	src    string
	pos    int
	groups int
	depth  int
}

// reNode is a node of a parsed expression.
type reNode interface{}

type (
	// reSet matches one byte of a set (a literal, ".", a bracket).
	reSet struct{ set byteSet }
	// reBOL and reEOL are "^" and "$".
	reBOL struct{}
	reEOL struct{}
	// reGroup is a capturing group; index counts from 1.
	reGroup struct {
		index int
		sub   reNode
	}
	reConcat struct{ subs []reNode }
	// reAlt tries its alternatives left to right.
	reAlt struct{ subs []reNode }
	// reRepeat is sub{min,max} (max -1: unbounded); op is the operator
	// as written ('*', '+', '?' or '{'), which libstdc++ compiles
	// differently.
	reRepeat struct {
		sub      reNode
		min, max int
		op       byte
	}
)

func (p *ereParser) errorf() error {
	return fmt.Errorf("invalid regular expression")
}

func (p *ereParser) eof() bool { return p.pos >= len(p.src) }

// ereSpecial are the characters special outside brackets
// (libstdc++'s _M_extended_spec_char); a backslash makes them literal.
const ereSpecial = ".[\\()*+?{|^$"

func (p *ereParser) parse() (reNode, error) {
	n, err := p.disjunction()
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		// A ")" without "(", or a repetition with nothing to repeat.
		return nil, p.errorf()
	}
	return n, nil
}

func (p *ereParser) disjunction() (reNode, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 1000 {
		return nil, p.errorf()
	}
	var alts []reNode
	for {
		a, err := p.alternative()
		if err != nil {
			return nil, err
		}
		alts = append(alts, a)
		if p.eof() || p.src[p.pos] != '|' {
			break
		}
		p.pos++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &reAlt{subs: alts}, nil
}

func (p *ereParser) alternative() (reNode, error) {
	c := &reConcat{}
	for !p.eof() {
		switch p.src[p.pos] {
		case '|', ')':
			return c, nil
		case '^':
			p.pos++
			c.subs = append(c.subs, reBOL{})
			continue
		case '$':
			p.pos++
			c.subs = append(c.subs, reEOL{})
			continue
		}
		atom, ok, err := p.atom()
		if err != nil {
			return nil, err
		}
		if !ok {
			return c, nil // a repetition with nothing before it: parse fails
		}
		for {
			r, ok, err := p.quantifier()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			r.sub = atom
			atom = r
		}
		c.subs = append(c.subs, atom)
	}
	return c, nil
}

// atom parses one atom; ok is false when the next token cannot start one.
func (p *ereParser) atom() (reNode, bool, error) {
	c := p.src[p.pos]
	switch c {
	case '*', '+', '?', '{':
		return nil, false, nil
	case '.':
		p.pos++
		n := &reSet{}
		n.set.addRange(1, 255)
		return n, true, nil
	case '\\':
		p.pos++
		if p.eof() {
			return nil, false, p.errorf()
		}
		e := p.src[p.pos]
		if e == 0 || !strings.ContainsRune(ereSpecial, rune(e)) {
			return nil, false, p.errorf()
		}
		p.pos++
		n := &reSet{}
		n.set.add(e)
		return n, true, nil
	case '(':
		p.pos++
		p.groups++
		g := &reGroup{index: p.groups}
		sub, err := p.disjunction()
		if err != nil {
			return nil, false, err
		}
		if p.eof() || p.src[p.pos] != ')' {
			return nil, false, p.errorf()
		}
		p.pos++
		g.sub = sub
		return g, true, nil
	case '[':
		p.pos++
		n := &reSet{}
		return n, true, p.bracket(&n.set)
	}
	p.pos++
	n := &reSet{}
	n.set.add(c)
	return n, true, nil
}

// quantifier parses *, +, ? or {m}, {m,}, {m,n}.
func (p *ereParser) quantifier() (*reRepeat, bool, error) {
	if p.eof() {
		return nil, false, nil
	}
	switch c := p.src[p.pos]; c {
	case '*':
		p.pos++
		return &reRepeat{min: 0, max: -1, op: c}, true, nil
	case '+':
		p.pos++
		return &reRepeat{min: 1, max: -1, op: c}, true, nil
	case '?':
		p.pos++
		return &reRepeat{min: 0, max: 1, op: c}, true, nil
	case '{':
	default:
		return nil, false, nil
	}
	p.pos++
	lo, ok := p.number()
	if !ok {
		return nil, false, p.errorf()
	}
	r := &reRepeat{min: lo, max: lo, op: '{'}
	if !p.eof() && p.src[p.pos] == ',' {
		p.pos++
		r.max = -1
		if hi, ok := p.number(); ok {
			if hi < lo {
				return nil, false, p.errorf()
			}
			r.max = hi
		}
	}
	if p.eof() || p.src[p.pos] != '}' {
		return nil, false, p.errorf()
	}
	p.pos++
	return r, true, nil
}

func (p *ereParser) number() (int, bool) {
	start := p.pos
	for !p.eof() && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == start {
		return 0, false
	}
	n, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil || n > 100000 {
		// libstdc++ runs out of states long before.
		return 100001, true
	}
	return n, true
}

// goSyntax writes n in Go's regexp syntax over Latin-1 runes.
func goSyntax(b *strings.Builder, n reNode) {
	switch n := n.(type) {
	case *reSet:
		writeSet(b, &n.set, false)
	case reBOL:
		b.WriteString(bolMarker)
	case reEOL:
		b.WriteString(`\z`)
	case *reGroup:
		b.WriteByte('(')
		goSyntax(b, n.sub)
		b.WriteByte(')')
	case *reConcat:
		for _, s := range n.subs {
			goSyntax(b, s)
		}
	case *reAlt:
		for i, s := range n.subs {
			if i > 0 {
				b.WriteByte('|')
			}
			goSyntax(b, s)
		}
	case *reRepeat:
		// Go reads "a+?" as lazy and rejects "a**": POSIX repeats the
		// repetition, so the operand is always a group of its own.
		b.WriteString("(?:")
		goSyntax(b, n.sub)
		b.WriteByte(')')
		switch {
		case n.min == 0 && n.max == -1:
			b.WriteByte('*')
		case n.min == 1 && n.max == -1:
			b.WriteByte('+')
		case n.min == 0 && n.max == 1:
			b.WriteByte('?')
		case n.max == -1:
			fmt.Fprintf(b, "{%d,}", n.min)
		case n.min == n.max:
			fmt.Fprintf(b, "{%d}", n.min)
		default:
			fmt.Fprintf(b, "{%d,%d}", n.min, n.max)
		}
	}
}

// byteSet is a set of bytes.
type byteSet [4]uint64

func (s *byteSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *byteSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}

// posixClass fills s with the bytes of a named class in the C locale.
func posixClass(name string, s *byteSet) bool {
	var f func(c byte) bool
	switch name {
	case "alnum":
		f = func(c byte) bool { return isAlpha(c) || isDigit(c) }
	case "alpha":
		f = isAlpha
	case "blank":
		f = func(c byte) bool { return c == ' ' || c == '\t' }
	case "cntrl":
		f = func(c byte) bool { return c < 32 || c == 127 }
	case "digit", "d":
		f = isDigit
	case "graph":
		f = func(c byte) bool { return c > 32 && c < 127 }
	case "lower":
		f = func(c byte) bool { return c >= 'a' && c <= 'z' }
	case "print":
		f = func(c byte) bool { return c >= 32 && c < 127 }
	case "punct":
		f = func(c byte) bool { return c > 32 && c < 127 && !isAlpha(c) && !isDigit(c) }
	case "space", "s":
		f = func(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
	case "upper":
		f = func(c byte) bool { return c >= 'A' && c <= 'Z' }
	case "xdigit":
		f = func(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') }
	case "w":
		f = func(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' }
	default:
		return false
	}
	for c := 0; c < 256; c++ {
		if f(byte(c)) {
			s.add(byte(c))
		}
	}
	return true
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// bracket parses a bracket expression after its "[" (libstdc++'s
// _M_insert_bracket_matcher and _M_expression_term) into out.
func (p *ereParser) bracket(out *byteSet) error {
	neg := false
	if !p.eof() && p.src[p.pos] == '^' {
		neg = true
		p.pos++
	}
	var set byteSet
	done := func() {
		for c := 0; c < 256; c++ {
			if set.has(byte(c)) != neg {
				out.add(byte(c))
			}
		}
	}
	// last is the pending single character (-1: none) that may start a
	// range; lastClass says the previous term was a class.
	last, lastClass := -1, false
	push := func(c byte) {
		if last >= 0 {
			set.add(byte(last))
		}
		last, lastClass = int(c), false
	}
	pushClass := func() {
		if last >= 0 {
			set.add(byte(last))
		}
		last, lastClass = -1, true
	}
	first := true
	for {
		if p.eof() {
			return p.errorf()
		}
		tok, val, err := p.bracketToken(first)
		if err != nil {
			return err
		}
		first = false
		switch tok {
		case btEnd:
			if last >= 0 {
				set.add(byte(last))
			}
			done()
			return nil
		case btChar:
			push(val[0])
		case btCollate:
			if len(val) != 1 {
				return p.errorf()
			}
			push(val[0])
		case btEquiv:
			if len(val) != 1 {
				return p.errorf()
			}
			pushClass()
			set.add(val[0])
		case btClass:
			pushClass()
			if !posixClass(val, &set) {
				return p.errorf()
			}
		case btDash:
			if p.eof() {
				return p.errorf()
			}
			next, nval, err := p.bracketToken(false)
			if err != nil {
				return err
			}
			switch {
			case next == btEnd:
				push('-')
				if last >= 0 {
					set.add(byte(last))
				}
				done()
				return nil
			case lastClass:
				return p.errorf()
			case last >= 0 && (next == btChar || next == btDash):
				hi := byte('-')
				if next == btChar {
					hi = nval[0]
				}
				if byte(last) > hi {
					return p.errorf()
				}
				set.addRange(byte(last), hi)
				last = -1
			default:
				return p.errorf()
			}
		}
	}
}

type bracketTok int

const (
	btChar bracketTok = iota
	btDash
	btEnd
	btClass
	btCollate
	btEquiv
)

// bracketToken scans one token inside a bracket expression. At the start
// of the expression "]" is a literal and "-" an ordinary character.
func (p *ereParser) bracketToken(atStart bool) (bracketTok, string, error) {
	c := p.src[p.pos]
	p.pos++
	switch {
	case c == '-':
		if atStart {
			return btChar, "-", nil
		}
		return btDash, "", nil
	case c == ']' && !atStart:
		return btEnd, "", nil
	case c == '[':
		if p.eof() {
			return 0, "", p.errorf()
		}
		var tok bracketTok
		switch p.src[p.pos] {
		case '.':
			tok = btCollate
		case ':':
			tok = btClass
		case '=':
			tok = btEquiv
		default:
			return btChar, "[", nil
		}
		delim := p.src[p.pos]
		p.pos++
		end := strings.Index(p.src[p.pos:], string([]byte{delim, ']'}))
		if end < 0 {
			return 0, "", p.errorf()
		}
		name := p.src[p.pos : p.pos+end]
		p.pos += end + 2
		return tok, name, nil
	}
	return btChar, string([]byte{c}), nil
}

// writeSet writes a Go character class of the bytes of s (as Latin-1
// runes), complemented over all bytes when neg.
func writeSet(b *strings.Builder, s *byteSet, neg bool) {
	var in byteSet
	for c := 0; c < 256; c++ {
		if s.has(byte(c)) != neg {
			in.add(byte(c))
		}
	}
	b.WriteByte('[')
	empty := true
	for c := 0; c < 256; {
		if !in.has(byte(c)) {
			c++
			continue
		}
		lo := c
		for c < 256 && in.has(byte(c)) {
			c++
		}
		empty = false
		if c-1 == lo {
			fmt.Fprintf(b, `\x{%x}`, lo)
		} else {
			fmt.Fprintf(b, `\x{%x}-\x{%x}`, lo, c-1)
		}
	}
	if empty {
		// A class matching nothing.
		b.WriteString(`^\x00-\x{10FFFF}`)
	}
	b.WriteByte(']')
}
