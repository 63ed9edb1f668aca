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
// (libstdc++), which matches bytes, not characters, with a depth-first
// executor. An expression is parsed here with libstdc++'s grammar (its
// errors included) into a tree, which has two uses:
//
//   - translated to Go syntax over a Latin-1 view of the bytes (byte b is
//     rune b, so "." and bracket expressions see bytes), Go's regexp finds
//     in linear time whether and where a match starts;
//   - compiled into the automaton libstdc++ builds, run depth-first from
//     that position as libstdc++ runs it, it picks the match and groups
//     Nix reports, quirks included (see the executor below).
//
// The executor has a step budget; past it (long strings, expressions
// that make the search exponential, where Nix itself would overflow its
// stack or take very long) Go's leftmost-longest match is used, which
// agrees with libstdc++ except for those quirks.

// errRegexSpace is the error libstdc++ reports for expressions whose
// automaton is too large; Nix words it differently.
var errRegexSpace = errors.New("regular expression too large")

// nixRegex is a compiled Nix regular expression.
type nixRegex struct {
	pattern string
	goSrc   string // Go syntax of the expression, "^" written as \A
	ngroups int
	nfa     *nfa // libstdc++'s automaton
	// onePath: the expression has no alternation or repetition, so the
	// match Go finds is the only one and the automaton is not needed.
	onePath bool
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
	if re.nfa == nil {
		return nil, errRegexSpace
	}
	re.onePath = !hasChoice(tree)
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

// matchFull matches the whole of s (std::regex_match).
func (re *nixRegex) matchFull(s string) regexMatch {
	m, off := latin1(s)
	p := re.mustProg(reContinuous)
	loc := p.FindStringSubmatchIndex(m)
	if loc == nil || loc[1] != len(m) {
		// Leftmost-longest from the start: if the longest match does not
		// reach the end, no match does.
		return nil
	}
	left := nfaTotalBudget
	if re.onePath {
		left = 0
	}
	if r, ok := re.nfa.run(s, 0, true, false, false, &left); ok && r != nil {
		return r
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

// subject is a string to search and its Latin-1 view (see latin1).
type subject struct {
	s      string
	mapped string
	off    []int // mapped offset -> offset in s; nil when s is ASCII
	inv    []int // offset in s -> mapped offset; nil when s is ASCII
}

func newSubject(s string) *subject {
	m, off := latin1(s)
	sub := &subject{s: s, mapped: m, off: off}
	if off != nil {
		sub.inv = make([]int, len(s)+1)
		for i := len(off) - 1; i >= 0; i-- {
			sub.inv[off[i]] = i
		}
	}
	return sub
}

func (sub *subject) mappedAt(i int) int {
	if sub.inv == nil {
		return i
	}
	return sub.inv[i]
}

// findAt searches the subject from byte from (std::regex_search on
// s[from:]): prevAvail is match_prev_avail ("^" cannot match at from);
// continuous asks for a non-empty match starting at from
// (match_continuous and match_not_null).
func (re *nixRegex) findAt(sub *subject, from int, prevAvail, continuous bool, left *int) regexMatch {
	var v regexVariant
	switch {
	case continuous && !prevAvail:
		v = reContinuous
	case continuous:
		v = reContinuousNoBO
	case !prevAvail:
		v = reSearch
	default:
		v = reSearchNotBOL
	}
	mfrom := sub.mappedAt(from)
	loc := re.mustProg(v).FindStringSubmatchIndex(sub.mapped[mfrom:])
	if loc == nil {
		return nil
	}
	if continuous && loc[1] == loc[0] {
		// The longest match is empty, so no non-empty one exists.
		return nil
	}
	for i := range loc {
		if loc[i] >= 0 {
			loc[i] += mfrom
		}
	}
	goMatch := mapOffsets(loc, sub.off, 0)
	// Go found the first position where a match starts; libstdc++ tries
	// positions in the same order and picks its own match there. Later
	// positions are tried with match_prev_avail.
	start := goMatch[0]
	notBOL := prevAvail || start > from
	if r, ok := re.nfa.run(sub.s, start, false, notBOL, continuous, left); ok && r != nil {
		return r
	}
	return goMatch
}

// findAll returns the matches std::sregex_iterator visits: after an empty
// match it first looks for a non-empty match at the same place, then
// searches from the next byte.
func (re *nixRegex) findAll(s string) []regexMatch {
	var out []regexMatch
	sub := newSubject(s)
	prevAvail := false
	left := nfaTotalBudget
	if re.onePath {
		left = 0
	}
	m := re.findAt(sub, 0, false, false, &left)
	for m != nil {
		out = append(out, m)
		start := m[1]
		if m[0] == m[1] {
			if start == len(s) {
				break
			}
			if n := re.findAt(sub, start, prevAvail, true, &left); n != nil {
				m = n
				continue
			}
			start++
		}
		prevAvail = true
		m = re.findAt(sub, start, true, false, &left)
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

// The automaton libstdc++ builds for an expression, and its depth-first
// executor. Go's regexp finds where matches are; this executor then
// chooses the match and its groups as libstdc++ does, quirks included:
// a repetition that found a match by iterating once more never tries to
// stop earlier (so `a*(ab)?` finds "aa" in "aab"), and a repetition whose
// body can match empty ends with one more, empty, iteration.

type nfaOp uint8

const (
	opMatch    nfaOp = iota // one byte of set
	opBOL                   // ^
	opEOL                   // $
	opSubBegin              // start of group sub
	opSubEnd                // end of group sub
	opAlt                   // alt first, then next
	opRepeat                // alt: once more; next: leave
	opDummy
	opAccept
)

type nfaState struct {
	op        nfaOp
	sub       int
	next, alt int
	set       *byteSet
}

type nfa struct {
	states []nfaState
	start  int
	groups int
}

// nfaStateLimit is libstdc++'s _GLIBCXX_REGEX_STATE_LIMIT.
const nfaStateLimit = 100000

type nfaFrag struct{ start, end int }

type nfaBuilder struct {
	n        *nfa
	overflow bool
}

func (b *nfaBuilder) add(s nfaState) int {
	if len(b.n.states) >= nfaStateLimit {
		b.overflow = true
		return 0
	}
	s.next = -1
	if s.op != opRepeat && s.op != opAlt {
		s.alt = -1
	}
	b.n.states = append(b.n.states, s)
	return len(b.n.states) - 1
}

func (b *nfaBuilder) single(s nfaState) nfaFrag {
	id := b.add(s)
	return nfaFrag{id, id}
}

// appendFrag is libstdc++'s _StateSeq::_M_append.
func (b *nfaBuilder) appendFrag(f *nfaFrag, g nfaFrag) {
	if b.overflow {
		return
	}
	b.n.states[f.end].next = g.start
	f.end = g.end
}

func (b *nfaBuilder) build(n reNode) nfaFrag {
	if b.overflow {
		return nfaFrag{}
	}
	switch n := n.(type) {
	case *reSet:
		return b.single(nfaState{op: opMatch, set: &n.set})
	case reBOL:
		return b.single(nfaState{op: opBOL})
	case reEOL:
		return b.single(nfaState{op: opEOL})
	case *reGroup:
		f := b.single(nfaState{op: opSubBegin, sub: n.index})
		b.appendFrag(&f, b.build(n.sub))
		b.appendFrag(&f, b.single(nfaState{op: opSubEnd, sub: n.index}))
		return f
	case *reConcat:
		f := b.single(nfaState{op: opDummy})
		for _, s := range n.subs {
			b.appendFrag(&f, b.build(s))
		}
		return f
	case *reAlt:
		cur := b.build(n.subs[0])
		for _, s := range n.subs[1:] {
			a2 := b.build(s)
			end := b.single(nfaState{op: opDummy})
			b.appendFrag(&cur, end)
			b.appendFrag(&a2, end)
			alt := b.add(nfaState{op: opAlt, alt: cur.start})
			if b.overflow {
				return nfaFrag{}
			}
			b.n.states[alt].next = a2.start
			cur = nfaFrag{alt, end.end}
		}
		return cur
	case *reRepeat:
		switch n.op {
		case '*':
			e := b.build(n.sub)
			r := b.single(nfaState{op: opRepeat, alt: e.start})
			b.appendFrag(&e, r)
			return r
		case '+':
			e := b.build(n.sub)
			r := b.single(nfaState{op: opRepeat, alt: e.start})
			b.appendFrag(&e, r)
			return e
		case '?':
			e := b.build(n.sub)
			end := b.single(nfaState{op: opDummy})
			r := b.single(nfaState{op: opRepeat, alt: e.start})
			b.appendFrag(&e, end)
			b.appendFrag(&r, end)
			return r
		}
		e := b.single(nfaState{op: opDummy})
		for i := 0; i < n.min && !b.overflow; i++ {
			b.appendFrag(&e, b.build(n.sub))
		}
		if n.max < 0 {
			tmp := b.build(n.sub)
			s := b.single(nfaState{op: opRepeat, alt: tmp.start})
			b.appendFrag(&tmp, s)
			b.appendFrag(&e, s)
			return e
		}
		end := b.single(nfaState{op: opDummy})
		for i := 0; i < n.max-n.min && !b.overflow; i++ {
			tmp := b.build(n.sub)
			r := b.add(nfaState{op: opRepeat, alt: tmp.start})
			if b.overflow {
				break
			}
			b.n.states[r].next = end.start
			b.appendFrag(&e, nfaFrag{r, tmp.end})
		}
		b.appendFrag(&e, end)
		return e
	}
	return b.single(nfaState{op: opDummy})
}

// hasChoice reports whether n has an alternation or a repetition.
func hasChoice(n reNode) bool {
	switch n := n.(type) {
	case *reAlt, *reRepeat:
		return true
	case *reGroup:
		return hasChoice(n.sub)
	case *reConcat:
		for _, s := range n.subs {
			if hasChoice(s) {
				return true
			}
		}
	}
	return false
}

// buildNFA compiles a parsed expression as libstdc++ does: group 0
// around it, then the accepting state. It returns nil when libstdc++
// would run out of states.
func buildNFA(tree reNode, groups int) *nfa {
	b := &nfaBuilder{n: &nfa{groups: groups}}
	f := b.single(nfaState{op: opSubBegin, sub: 0})
	b.appendFrag(&f, b.build(tree))
	b.appendFrag(&f, b.single(nfaState{op: opSubEnd, sub: 0}))
	b.appendFrag(&f, b.single(nfaState{op: opAccept}))
	if b.overflow {
		return nil
	}
	b.n.start = f.start
	return b.n
}

// nfaBudget bounds the steps of one run of the executor, and
// nfaTotalBudget those of all the runs of one builtin call; past them the
// match Go's regexp found is used as it is (libstdc++ would recurse as
// deep, and Nix overflow its stack on long strings).
const (
	nfaBudget      = 200000
	nfaTotalBudget = 5000000
)

type nfaExec struct {
	n        *nfa
	s        string
	begin    int
	exact    bool // regex_match: the match must end at the end
	notBOL   bool // match_prev_avail: "^" does not match at begin
	notNull  bool // match_not_null
	cur, res []int
	solPos   int
	hasSol   bool
	repPos   []int
	repCount []int
	steps    int
	budget   int
	over     bool
}

// run executes the automaton from begin and returns the match (byte
// offsets of every group, -1 when unmatched), or ok false when the step
// budget ran out. *left is the budget of the builtin call; run takes
// its steps from it.
func (n *nfa) run(s string, begin int, exact, notBOL, notNull bool, left *int) (m regexMatch, ok bool) {
	budget := min(nfaBudget, *left)
	if budget <= 0 {
		return nil, false
	}
	x := &nfaExec{n: n, s: s, begin: begin, exact: exact, notBOL: notBOL, notNull: notNull, solPos: -1, budget: budget}
	defer func() { *left -= x.steps }()
	size := 2 * (n.groups + 1)
	x.cur = make([]int, size)
	for i := range x.cur {
		x.cur[i] = -1
	}
	x.res = make([]int, size)
	x.repPos = make([]int, len(n.states))
	x.repCount = make([]int, len(n.states))
	x.dfs(n.start, begin)
	if x.over {
		return nil, false
	}
	if !x.hasSol {
		return nil, true
	}
	return regexMatch(x.res), true
}

func (x *nfaExec) dfs(i, pos int) {
	if x.over {
		return
	}
	x.steps++
	if x.steps > x.budget {
		x.over = true
		return
	}
	st := &x.n.states[i]
	switch st.op {
	case opMatch:
		if pos < len(x.s) && st.set.has(x.s[pos]) {
			x.dfs(st.next, pos+1)
		}
	case opBOL:
		if pos == x.begin && !x.notBOL {
			x.dfs(st.next, pos)
		}
	case opEOL:
		if pos == len(x.s) {
			x.dfs(st.next, pos)
		}
	case opSubBegin:
		back := x.cur[2*st.sub]
		x.cur[2*st.sub] = pos
		x.dfs(st.next, pos)
		x.cur[2*st.sub] = back
	case opSubEnd:
		back := x.cur[2*st.sub+1]
		x.cur[2*st.sub+1] = pos
		x.dfs(st.next, pos)
		x.cur[2*st.sub+1] = back
	case opAlt:
		x.dfs(st.alt, pos)
		has := x.hasSol
		x.hasSol = false
		x.dfs(st.next, pos)
		x.hasSol = x.hasSol || has
	case opRepeat:
		// Once more, at most twice at the same position.
		rp, rc := x.repPos[i], x.repCount[i]
		if rc == 0 || rp != pos {
			x.repPos[i], x.repCount[i] = pos, 1
			x.dfs(st.alt, pos)
			x.repPos[i], x.repCount[i] = rp, rc
		} else if rc < 2 {
			x.repCount[i]++
			x.dfs(st.alt, pos)
			x.repCount[i]--
		}
		// A depth-first executor that found a match is done.
		if !x.hasSol {
			x.dfs(st.next, pos)
		}
	case opDummy:
		x.dfs(st.next, pos)
	case opAccept:
		if x.exact {
			x.hasSol = pos == len(x.s)
		} else {
			x.hasSol = true
		}
		if pos == x.begin && x.notNull {
			x.hasSol = false
		}
		if x.hasSol && (x.solPos < 0 || x.solPos < pos) {
			x.solPos = pos
			copy(x.res, x.cur)
			// A group is matched when its end was reached; a begin
			// alone (restored on the way back) does not count.
			for g := 0; g < len(x.res); g += 2 {
				if x.res[g+1] < 0 {
					x.res[g] = -1
				}
			}
		}
	}
}
