// Package unit parses systemd unit files into what cairn's supervisor needs:
// the raw sections and entries with their positions, and typed [Unit],
// [Service], [Timer] and [Install] sections. Parsing follows systemd's
// syntax (systemd.syntax(7), systemd.service(5)): comments, line
// continuations, repeated keys that accumulate and empty assignments that
// reset a list, Exec command lines with prefixes, quoting and C escapes,
// specifiers, and quoted Environment= assignments. Every error carries
// file:line:col.
package unit

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a unit file; Line and Col count from 1, Col in bytes.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is one parse error.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is the errors of one file, in order; at most maxErrors.
type ErrorList []*Error

const maxErrors = 10

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0], len(l)-1)
}

// Entry is one Key=Value assignment; Value has continuations joined and
// surrounding whitespace trimmed.
type Entry struct {
	Key      string
	Value    string
	Pos      Pos // of the key
	ValuePos Pos // of the value's first byte
}

// Section is one [Name] section with its entries in file order.
type Section struct {
	Name    string
	Pos     Pos
	Entries []Entry
}

// File is a parsed unit file.
type File struct {
	Name     string // unit name, e.g. "nginx.service"
	Sections []Section

	Unit    UnitSection
	Service ServiceSection
	Timer   TimerSection
	Install InstallSection

	// Notes are remarks on semantics cairn's supervisor approximates
	// (e.g. Type=notify run as simple); Ignored lists keys of known sections
	// the supervisor does not implement, as "file:line: Section.Key".
	Notes   []string
	Ignored []string
}

// Kind is the unit's type from its name suffix: "service", "timer", ...
func (f *File) Kind() string {
	if i := strings.LastIndexByte(f.Name, '.'); i >= 0 {
		return f.Name[i+1:]
	}
	return ""
}

// Format prints the raw sections as a unit file; parsing the result gives
// the same sections and entries.
func (f *File) Format() string {
	var b strings.Builder
	for i, s := range f.Sections {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[%s]\n", s.Name)
		for _, e := range s.Entries {
			fmt.Fprintf(&b, "%s=%s\n", e.Key, e.Value)
		}
	}
	return b.String()
}

// Parse parses the unit file src; filename names it in positions and its
// base name is the unit name (for specifiers such as %n and %i).
func Parse(filename string, src []byte) (*File, error) {
	name := filename
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	p := &parser{file: filename, f: &File{Name: name}}
	p.lex(string(src))
	p.typed()
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i].Pos, p.errs[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	if len(p.errs) > 0 {
		return p.f, p.errs
	}
	return p.f, nil
}

type parser struct {
	file string
	f    *File
	errs ErrorList
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	if len(p.errs) >= maxErrors {
		return
	}
	if n := len(p.errs); n > 0 && p.errs[n-1].Pos.Line == pos.Line {
		return // one error a line
	}
	p.errs = append(p.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

const space = " \t\r\f\v"

// lex splits src into sections and entries.
func (p *parser) lex(src string) {
	lines := strings.Split(src, "\n")
	var cur *Section
	for i := 0; i < len(lines); i++ {
		raw := lines[i]
		lineNo := i + 1
		trimmed := strings.TrimLeft(raw, space)
		col := len(raw) - len(trimmed) + 1
		line := strings.TrimRight(trimmed, space)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		pos := Pos{p.file, lineNo, col}
		if line[0] == '[' {
			if line[len(line)-1] != ']' || len(line) < 3 {
				p.errorf(pos, "invalid section header %q", line)
				cur = nil
				continue
			}
			p.f.Sections = append(p.f.Sections, Section{Name: line[1 : len(line)-1], Pos: pos})
			cur = &p.f.Sections[len(p.f.Sections)-1]
			continue
		}
		// Join continuation lines: a trailing backslash becomes a space;
		// comment lines inside a continuation are skipped.
		for strings.HasSuffix(line, "\\") {
			line = line[:len(line)-1]
			next := ""
			for i+1 < len(lines) {
				i++
				n := strings.TrimRight(strings.TrimLeft(lines[i], space), space)
				if n != "" && (n[0] == '#' || n[0] == ';') {
					continue
				}
				next = n
				line += " " + next
				break
			}
			if next == "" {
				break
			}
		}
		// A value cannot end in a backslash (it would continue the line).
		line = strings.TrimRight(line, space+"\\")
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			p.errorf(pos, "missing '=' in assignment %q", firstLine(line))
			continue
		}
		key := strings.Trim(line[:eq], space)
		if key == "" {
			p.errorf(pos, "missing key before '='")
			continue
		}
		if strings.ContainsAny(key[:1], "[#;") {
			p.errorf(pos, "invalid key %q", key)
			continue
		}
		if cur == nil {
			p.errorf(pos, "assignment %s= outside of a section", key)
			continue
		}
		val := line[eq+1:]
		vt := strings.TrimLeft(val, space)
		vcol := col + eq + 1 + len(val) - len(vt)
		cur.Entries = append(cur.Entries, Entry{Key: key, Value: strings.TrimRight(vt, space), Pos: pos, ValuePos: Pos{p.file, lineNo, vcol}})
	}
}

func firstLine(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
