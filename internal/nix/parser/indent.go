package parser

import (
	"strings"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/scanner"
)

// indPart is one part of an indented string before stripping: literal
// text (with indent telling whether its leading spaces count) or an
// interpolated expression.
type indPart struct {
	pos    int
	expr   ast.Expr
	text   string
	indent bool
}

// parseIndString parses an indented string (the current token opens it) and strips
// its indentation.
func (p *parser) parseIndString() ast.Expr {
	open := p.tok.start
	p.next()
	var parts []indPart
	for {
		switch p.tok.t {
		case scanner.IND_STR:
			parts = append(parts, indPart{pos: p.tok.start, text: p.tok.str, indent: p.tok.indent})
			p.next()
			continue
		case scanner.DOLLAR_CURLY:
			start := p.tok.start
			p.next()
			e := p.parseExpr()
			p.expect(scanner.RBRACE, "'}'")
			parts = append(parts, indPart{pos: start, expr: e})
			continue
		case scanner.IND_STRING_CLOSE:
			p.next()
		default:
			p.unexpected("indented string or '${' or end of an indented string")
		}
		break
	}
	return p.stripIndentation(open, parts)
}

// stripIndentation is Nix's ParserState::stripIndentation: remove the
// smallest indentation of the lines from every line, and the last line
// when it holds only spaces.
func (p *parser) stripIndentation(open int, parts []indPart) ast.Expr {
	pos := p.pos(open)
	if len(parts) == 0 {
		return &ast.String{ValuePos: pos}
	}

	// The minimum indentation. Whitespace-only final lines do not count;
	// interpolations and escapes end a line's leading whitespace.
	atStartOfLine := true
	minIndent := 1000000
	curIndent := 0
	for _, part := range parts {
		if part.expr != nil || !part.indent {
			if atStartOfLine {
				atStartOfLine = false
				if curIndent < minIndent {
					minIndent = curIndent
				}
			}
			continue
		}
		s := part.text
		for j := 0; j < len(s); j++ {
			if atStartOfLine {
				switch s[j] {
				case ' ':
					curIndent++
				case '\n':
					curIndent = 0 // an empty line does not count
				default:
					atStartOfLine = false
					if curIndent < minIndent {
						minIndent = curIndent
					}
				}
			} else if s[j] == '\n' {
				atStartOfLine = true
				curIndent = 0
			}
		}
	}

	// Strip the indentation from each line.
	var out []ast.Expr
	atStartOfLine = true
	curDropped := 0
	var b strings.Builder
	for i, part := range parts {
		if part.expr != nil {
			atStartOfLine = false
			curDropped = 0
			out = append(out, part.expr)
			continue
		}
		s := part.text
		b.Reset()
		b.Grow(len(s))
		for j := 0; j < len(s); j++ {
			c := s[j]
			if atStartOfLine {
				switch c {
				case ' ':
					if curDropped >= minIndent {
						b.WriteByte(c)
					}
					curDropped++
				case '\n':
					curDropped = 0
					b.WriteByte(c)
				default:
					atStartOfLine = false
					curDropped = 0
					b.WriteByte(c)
				}
			} else {
				b.WriteByte(c)
				if c == '\n' {
					atStartOfLine = true
				}
			}
		}
		s2 := b.String()
		// Remove the last line if it is empty and consists only of spaces.
		if i == len(parts)-1 {
			if k := strings.LastIndexByte(s2, '\n'); k >= 0 && strings.Trim(s2[k+1:], " ") == "" {
				s2 = s2[:k+1]
			}
		}
		if s2 != "" {
			out = append(out, &ast.String{ValuePos: p.pos(part.pos), Value: s2})
		}
	}
	if len(out) == 0 {
		return &ast.String{ValuePos: pos}
	}
	if len(out) == 1 {
		if s, ok := out[0].(*ast.String); ok {
			s.ValuePos = pos
			return s
		}
	}
	return &ast.Interp{StartPos: pos, Parts: out}
}
