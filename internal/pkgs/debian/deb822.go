package debian

import (
	"fmt"
	"strings"
)

// Field is one field of a deb822 paragraph; Value keeps continuation
// lines joined by "\n" with their leading space removed.
type Field struct {
	Name  string
	Value string
	Line  int // 1-based line of the field name in its file
}

// Paragraph is one deb822 stanza in file order.
type Paragraph []Field

// Get returns the value of the field named name (case-insensitive), or "".
func (p Paragraph) Get(name string) string {
	for _, f := range p {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// ParseParagraphs splits deb822 text into paragraphs. file names the
// input in errors, which carry file:line positions.
func ParseParagraphs(file, text string) ([]Paragraph, error) {
	var (
		paras []Paragraph
		cur   Paragraph
	)
	line := 0
	for len(text) > 0 {
		line++
		var l string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, ""
		}
		l = strings.TrimSuffix(l, "\r")
		switch {
		case strings.TrimSpace(l) == "":
			if len(cur) > 0 {
				paras = append(paras, cur)
				cur = nil
			}
		case l[0] == '#':
			// comment
		case l[0] == ' ' || l[0] == '\t':
			if len(cur) == 0 {
				return nil, fmt.Errorf("%s:%d: continuation line outside a field", file, line)
			}
			c := strings.TrimLeft(l, " \t")
			if c == "." {
				c = ""
			}
			f := &cur[len(cur)-1]
			if f.Value == "" {
				f.Value = c
			} else {
				f.Value += "\n" + c
			}
		default:
			i := strings.IndexByte(l, ':')
			if i <= 0 {
				return nil, fmt.Errorf("%s:%d: expected \"Field: value\", got %q", file, line, clip(l))
			}
			cur = append(cur, Field{Name: l[:i], Value: strings.TrimSpace(l[i+1:]), Line: line})
		}
	}
	if len(cur) > 0 {
		paras = append(paras, cur)
	}
	return paras, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
