package eval

import (
	"fmt"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// errKind classifies evaluation errors; builtins.tryEval catches only
// throw and assert failures, as Nix does.
type errKind uint8

const (
	errEval   errKind = iota // a type error, missing attribute, ...
	errThrow                 // builtins.throw
	errAssert                // a failed assert
	errAbort                 // builtins.abort
)

// Error is an evaluation error: a message, the position it happened at and
// the chain of positions that led there (the --show-trace).
type Error struct {
	Msg string
	Pos token.Pos
	// Where is the position when it is known only resolved (parse errors).
	Where token.Position
	Trace []Frame // innermost first
	kind  errKind
}

// Frame is one entry of an error's trace.
type Frame struct {
	Pos token.Pos
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Catchable reports whether builtins.tryEval catches the error.
func (e *Error) Catchable() bool { return e.kind == errThrow || e.kind == errAssert }

// throwf aborts evaluation with an error at pos. Evaluation errors travel
// as panics inside the evaluator and become ordinary errors at its API.
func throwf(pos token.Pos, format string, args ...any) {
	panic(&Error{Msg: fmt.Sprintf(format, args...), Pos: pos})
}

// addTrace adds a frame to an error passing through a call or import.
func addTrace(err *Error, pos token.Pos, format string, args ...any) {
	if len(err.Trace) < 1000 {
		err.Trace = append(err.Trace, Frame{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
	if !err.Pos.IsValid() {
		err.Pos = pos
	}
}

// Format renders the error as cairn prints it: the message, its position
// with a code frame and, with trace, every frame of the trace.
func (e *Error) Format(fset *token.FileSet, trace bool) string {
	var b strings.Builder
	b.WriteString("error: ")
	b.WriteString(e.Msg)
	b.WriteString("\n")
	if !e.Pos.IsValid() && e.Where.IsValid() {
		writePosition(&b, fset, e.Where)
	}
	writeFrame(&b, fset, e.Pos)
	if trace {
		for _, f := range e.Trace {
			b.WriteString("\n       … ")
			b.WriteString(f.Msg)
			b.WriteString("\n")
			writeFrame(&b, fset, f.Pos)
		}
	}
	return b.String()
}

// writeFrame writes "at FILE:LINE:COL:" and the source line with a caret.
func writeFrame(b *strings.Builder, fset *token.FileSet, pos token.Pos) {
	if !pos.IsValid() || fset == nil {
		return
	}
	f := fset.File(pos)
	if f == nil {
		return
	}
	writePosition(b, fset, f.Position(pos))
}

// writePosition writes a resolved position and its code frame.
func writePosition(b *strings.Builder, fset *token.FileSet, p token.Position) {
	var f *token.File
	if fset != nil {
		f = fset.FileByName(p.Filename)
	}
	fmt.Fprintf(b, "\n       at %s:\n", p)
	if f == nil {
		return
	}
	b.WriteString("\n")
	if p.Line > 1 {
		fmt.Fprintf(b, "%12d| %s\n", p.Line-1, f.Line(p.Line-1))
	}
	fmt.Fprintf(b, "%12d| %s\n", p.Line, f.Line(p.Line))
	fmt.Fprintf(b, "%12s| %s^\n", "", strings.Repeat(" ", p.Column-1))
	if next := f.Line(p.Line + 1); p.Line < lineCount(f) {
		fmt.Fprintf(b, "%12d| %s\n", p.Line+1, next)
	}
}

func lineCount(f *token.File) int {
	src := f.Source()
	n := 1
	for i, c := range src {
		if c == '\n' || (c == '\r' && (i+1 >= len(src) || src[i+1] != '\n')) {
			n++
		}
	}
	if len(src) > 0 && (src[len(src)-1] == '\n' || src[len(src)-1] == '\r') {
		n--
	}
	return n
}
