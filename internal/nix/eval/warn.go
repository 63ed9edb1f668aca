package eval

import (
	"fmt"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// warnAt prints a warning with the position's code frame to stderr, in
// the layout of Nix's warnings: an optional context line ("… while ..."),
// the message and the frame, indented under "warning:".
func (ev *Evaluator) warnAt(pos token.Pos, context, msg string) {
	var b strings.Builder
	const indent = "         "
	b.WriteString("warning:\n")
	if context != "" {
		b.WriteString(indent + "… " + context + "\n\n")
	}
	b.WriteString(indent + "warning: " + msg + "\n")
	if f := ev.fset.File(pos); f != nil {
		p := f.Position(pos)
		fmt.Fprintf(&b, "%sat %s:\n", indent, p)
		writeSourceLines(&b, f, p, len(indent)+7)
	}
	fmt.Fprint(ev.stderr, b.String())
}

// writeSourceLines writes the lines around p with a caret under its column;
// width is the width of the line-number column, bar included.
func writeSourceLines(b *strings.Builder, f *token.File, p token.Position, width int) {
	num := func(n int) string { return fmt.Sprintf("%*d|", width-1, n) }
	if p.Line > 1 {
		fmt.Fprintf(b, "%s %s\n", num(p.Line-1), f.Line(p.Line-1))
	}
	fmt.Fprintf(b, "%s %s\n", num(p.Line), f.Line(p.Line))
	fmt.Fprintf(b, "%*s| %s^\n", width-1, "", strings.Repeat(" ", p.Column-1))
	if p.Line < totalLines(f) {
		if next := f.Line(p.Line + 1); next != "" {
			fmt.Fprintf(b, "%s %s\n", num(p.Line+1), next)
		} else {
			fmt.Fprintf(b, "%s\n", num(p.Line+1))
		}
	}
}

// totalLines counts lines as Nix's code frames do: the empty line after a
// final newline counts.
func totalLines(f *token.File) int {
	src := f.Source()
	n := 1
	for i, c := range src {
		if c == '\n' || (c == '\r' && (i+1 >= len(src) || src[i+1] != '\n')) {
			n++
		}
	}
	return n
}
