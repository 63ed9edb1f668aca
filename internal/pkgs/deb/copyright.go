package deb

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"
)

// errFound stops a Walk once the copyright file was read.
var errFound = errors.New("found")

// Licences reads the licences a package declares: the short names of the
// License fields of its machine-readable copyright file
// (/usr/share/doc/NAME/copyright, DEP-5), in the order they first appear.
// ok is false when the package has no such file or it is not
// machine-readable.
func Licences(ctx context.Context, debFile, name string) (licences []string, ok bool, err error) {
	f, err := os.Open(debFile)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	want := "usr/share/doc/" + name + "/copyright"
	var text []byte
	err = Walk(ctx, f, func(part Part, e *Entry, body io.Reader) error {
		if part != Data || e.Path != want || body == nil {
			return nil
		}
		var rerr error
		text, rerr = io.ReadAll(io.LimitReader(body, 4<<20))
		if rerr != nil {
			return rerr
		}
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return nil, false, err
	}
	if text == nil {
		return nil, false, nil
	}
	l, ok := ParseCopyright(string(text))
	return l, ok, nil
}

// ParseCopyright returns the short licence names of a DEP-5 copyright
// file (the first word-group of each License field, "GPL-2+ or
// Artistic" kept whole), without duplicates, and whether the file is
// machine-readable (its first paragraph has Format:).
func ParseCopyright(text string) ([]string, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	first, machine := true, false
	seen := map[string]bool{}
	var out []string
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			first = false
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // a continuation line
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "format":
			if first {
				machine = true
			}
		case "license":
			v = strings.TrimSpace(v)
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out, machine
}
