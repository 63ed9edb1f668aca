package eval

import (
	"fmt"
	"strings"

	"cairn.dev/cairn/internal/nix/parser"
	"cairn.dev/cairn/internal/nix/token"
)

// FormatWarning formats a warning of the parser as Nix prints it. A
// lint's warning has the layout of Nix's positioned warnings:
//
//	warning: MESSAGE (lint-NAME)
//	         at FILE:LINE:COL:
//	              1| source line
//	               | ^
//
// (no frame when the position is unknown); the others name their
// position before the message, "warning: at FILE:LINE:COL: MESSAGE".
func FormatWarning(fset *token.FileSet, w parser.Warning) string {
	var b strings.Builder
	const indent = "         "
	f := fset.File(w.Pos)
	if w.Lint == "" {
		b.WriteString("warning: ")
		if f != nil {
			fmt.Fprintf(&b, "at %s: ", f.Position(w.Pos))
		}
		b.WriteString(w.Msg)
		b.WriteByte('\n')
		return b.String()
	}
	b.WriteString("warning: " + w.Msg + "\n")
	if f != nil {
		p := f.Position(w.Pos)
		fmt.Fprintf(&b, "%sat %s:\n", indent, p)
		writeSourceLines(&b, f, p, len(indent)+7)
	}
	return b.String()
}
