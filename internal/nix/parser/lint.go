package parser

import (
	"fmt"

	"cairn.dev/cairn/internal/nix/scanner"
	"cairn.dev/cairn/internal/nix/token"
)

// Level is what the parser does when a lint finds something.
type Level int

const (
	// Ignore says nothing (the level of every lint not configured).
	Ignore Level = iota
	// Warn reports a Warning through Config.Warn and goes on.
	Warn
	// Fatal makes it a parse error.
	Fatal
)

// String returns the level as Nix's settings spell it.
func (l Level) String() string {
	switch l {
	case Ignore:
		return "ignore"
	case Warn:
		return "warn"
	case Fatal:
		return "fatal"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel reads "ignore", "warn" or "fatal".
func ParseLevel(s string) (Level, error) {
	switch s {
	case "ignore":
		return Ignore, nil
	case "warn":
		return Warn, nil
	case "fatal":
		return Fatal, nil
	}
	return Ignore, fmt.Errorf("invalid lint level '%s' (expected 'ignore', 'warn', or 'fatal')", s)
}

// The lints, named as Nix's settings without their "lint-" prefix
// (`--lint-url-literals fatal` sets LintURLLiterals to Fatal).
const (
	// LintShortPathLiterals: relative path literals that start with
	// neither `./` nor `../` (`foo/bar`).
	LintShortPathLiterals = "short-path-literals"
	// LintAbsolutePathLiterals: path literals starting with `/` or `~/`.
	LintAbsolutePathLiterals = "absolute-path-literals"
	// LintURLLiterals: unquoted URLs (`http://example.com`).
	LintURLLiterals = "url-literals"
)

// IsLint reports whether name is one of the parser's lints.
func IsLint(name string) bool {
	switch name {
	case LintShortPathLiterals, LintAbsolutePathLiterals, LintURLLiterals:
		return true
	}
	return false
}

// Warning is a warning given while parsing.
type Warning struct {
	// Pos is where the offending expression starts.
	Pos token.Pos
	// Msg is the message; a lint's ends with "(lint-NAME)", as Nix's do.
	Msg string
	// Lint names the lint that found it. It is "" for the warnings Nix
	// gives whatever the settings (`or` used as an identifier), whose
	// layout names the position before the message instead of showing
	// the code.
	Lint string
}

// lint reports what lint name found at off: nothing, a warning or a
// parse error, by the lint's configured level. msg gets the word that
// differs between the warning and the error, as Nix's URL lint words it.
func (p *parser) lint(name string, off int, msg func(fatal bool) string) {
	level := p.cfg.Lints[name]
	switch level {
	case Warn:
		if p.cfg.Warn != nil {
			p.cfg.Warn(Warning{Pos: p.pos(off), Msg: msg(false) + " (lint-" + name + ")", Lint: name})
		}
	case Fatal:
		p.errorAt(off, msg(true)+" (lint-"+name+")")
	}
}

// lintPath checks a path literal (tok.str of a PATH or HPATH token, the
// part before any interpolation) for the path lints.
func (p *parser) lintPath(k tok) {
	lit := k.str
	switch {
	case k.t == scanner.HPATH:
		p.lint(LintAbsolutePathLiterals, k.start, func(bool) string {
			return "home path literals are not portable. Consider replacing path literal '" + lit + "' by a string, relative path, or parameter"
		})
	case lit != "" && lit[0] == '/':
		p.lint(LintAbsolutePathLiterals, k.start, func(bool) string {
			return "absolute path literals are not portable. Consider replacing path literal '" + lit + "' by a string, relative path, or parameter"
		})
	case lit != "" && lit[0] != '.':
		p.lint(LintShortPathLiterals, k.start, func(bool) string {
			return "relative path literal '" + lit + "' should be prefixed with '.' for clarity: './" + lit + "'"
		})
	}
}

// lintURL checks a URL literal.
func (p *parser) lintURL(k tok) {
	p.lint(LintURLLiterals, k.start, func(fatal bool) string {
		word := "discouraged"
		if fatal {
			word = "disallowed"
		}
		return "URL literals are " + word + ". Consider using a string literal \"" + k.str + "\" instead"
	})
}

// cursedOr marks a call `x or` (Nix's compatibility reading of `or` as a
// variable after an expression) by the source offsets it spans.
type cursedOr struct {
	start, end int
}

// warnCursedOr warns about a call `x or` that is an argument, a list
// element or the default of a select: there a future Nix, reading `or`
// as a plain identifier, would give the expression another meaning. It
// is the warning of Nix's ExprCall::warnIfCursedOr, given whatever the
// lint settings.
func (p *parser) warnCursedOr(c *cursedOr) {
	if c == nil || p.cfg.Warn == nil {
		return
	}
	src := p.file.Source()
	p.cfg.Warn(Warning{
		Pos: p.pos(c.start),
		Msg: "This expression uses `or` as an identifier in a way that will change in a future Nix release.\n" +
			"Wrap this entire expression in parentheses to preserve its current meaning:\n" +
			"    (" + string(src[c.start:c.end]) + ")\n" +
			"Give feedback at https://github.com/NixOS/nix/pull/11121",
	})
}
