package oracle

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Known lists the cases of a suite expected to fail, by name, with the
// reason. On disk it is one case per line, NAME<TAB>reason; lines starting
// with # are comments.
type Known map[string]string

// ReadKnown reads a list of known failures; a missing file is an empty
// list.
func ReadKnown(path string) (Known, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return Known{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	known := Known{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, "\t")
		if !ok || name == "" {
			return nil, fmt.Errorf("%s:%d: want NAME<TAB>reason, got %q", path, n, line)
		}
		known[name] = reason
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return known, nil
}

// Update returns the list for the next run from the results of the cases
// that ran (name to "" when it passed, else the first line of what went
// wrong): failing cases keep their reason when already listed and get
// "new failure: WHY" otherwise, passing ones are dropped, and cases that
// did not run (a -run filter) keep their entry.
func (k Known) Update(results map[string]string) Known {
	next := Known{}
	for name, reason := range k {
		if _, ran := results[name]; !ran {
			next[name] = reason
		}
	}
	for name, why := range results {
		switch reason, listed := k[name]; {
		case why == "":
		case listed:
			next[name] = reason
		default:
			next[name] = "new failure: " + strings.Join(strings.Fields(why), " ")
		}
	}
	return next
}

// Write writes the list sorted by name under the comment lines of header,
// atomically (temporary file in the same folder, then rename).
func (k Known) Write(path, header string) error {
	names := make([]string, 0, len(k))
	for name := range k {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(header), "\n") {
		b.WriteString("# " + line + "\n")
	}
	for _, name := range names {
		fmt.Fprintf(&b, "%s\t%s\n", name, k[name])
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".known-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// FirstDiff describes the first line where got and want differ, clipped
// to one short line.
func FirstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return Clip(fmt.Sprintf("line %d: got %q, want %q", i+1, gl, wl))
		}
	}
	return "equal"
}

// FirstLine returns the first non-blank line of s, clipped.
func FirstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return Clip(s)
}

// Clip shortens s to at most 160 bytes.
func Clip(s string) string {
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}
