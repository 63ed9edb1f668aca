package parser

import (
	"fmt"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// Error is one parse error at a source position.
type Error struct {
	Pos token.Position
	Msg string
}

// Error formats the error as FILE:LINE:COL: MSG.
func (e *Error) Error() string {
	if e.Pos.Filename != "" || e.Pos.IsValid() {
		return e.Pos.String() + ": " + e.Msg
	}
	return e.Msg
}

// ErrorList is the list of errors of one parse, in the order found. Nix
// stops at the first error, and so does the parser; the list form lets a
// caller treat the errors of several files alike.
type ErrorList []*Error

// maxErrors is the number of errors after which a list takes no more.
const maxErrors = 10

// Add appends an error, unless one was already reported on the same line
// of the same file or the list is full.
func (l *ErrorList) Add(pos token.Position, msg string) {
	if len(*l) >= maxErrors {
		return
	}
	for _, e := range *l {
		if e.Pos.Filename == pos.Filename && e.Pos.Line == pos.Line {
			return
		}
	}
	*l = append(*l, &Error{Pos: pos, Msg: msg})
}

// Error returns the first error's text, with a count of the others.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Err returns l as an error, or nil when l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// String lists every error on a line of its own.
func (l ErrorList) String() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}
