package debian

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed Debian version: [epoch:]upstream[-revision].
type Version struct {
	Epoch    int
	Upstream string
	Revision string
}

// ParseVersion parses a Debian version string as dpkg does.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, fmt.Errorf("empty version")
	}
	var v Version
	if i := strings.IndexByte(s, ':'); i >= 0 {
		e, err := strconv.Atoi(s[:i])
		if err != nil || e < 0 || strings.TrimLeft(s[:i], "0123456789") != "" {
			return Version{}, fmt.Errorf("version %q: bad epoch", s)
		}
		v.Epoch, s = e, s[i+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.Upstream, v.Revision = s[:i], s[i+1:]
		if v.Revision == "" {
			return Version{}, fmt.Errorf("version %q: empty revision", s)
		}
	} else {
		v.Upstream = s
	}
	if v.Upstream == "" {
		return Version{}, fmt.Errorf("version %q: empty upstream version", s)
	}
	if v.Upstream[0] < '0' || v.Upstream[0] > '9' {
		return Version{}, fmt.Errorf("version %q: upstream version must start with a digit", s)
	}
	for _, c := range []byte(v.Upstream + v.Revision) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(".+-~:", c) >= 0) {
			return Version{}, fmt.Errorf("version %q: invalid character %q", s, c)
		}
	}
	return v, nil
}

// String prints the version as Debian writes it.
func (v Version) String() string {
	s := v.Upstream
	if v.Epoch != 0 {
		s = strconv.Itoa(v.Epoch) + ":" + s
	}
	if v.Revision != "" {
		s += "-" + v.Revision
	}
	return s
}

// Compare orders versions as dpkg --compare-versions: -1, 0 or 1.
func (v Version) Compare(w Version) int {
	if v.Epoch != w.Epoch {
		if v.Epoch < w.Epoch {
			return -1
		}
		return 1
	}
	if c := verrevcmp(v.Upstream, w.Upstream); c != 0 {
		return c
	}
	return verrevcmp(v.Revision, w.Revision)
}

// CompareVersions compares two version strings as dpkg does; a string
// that does not parse compares by dpkg's algorithm on its parts anyway
// (epoch 0 when the epoch is not a number).
func CompareVersions(a, b string) int {
	return splitLoose(a).Compare(splitLoose(b))
}

func splitLoose(s string) Version {
	if v, err := ParseVersion(s); err == nil {
		return v
	}
	var v Version
	if i := strings.IndexByte(s, ':'); i >= 0 {
		v.Epoch, _ = strconv.Atoi(s[:i])
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		v.Upstream, v.Revision = s[:i], s[i+1:]
	} else {
		v.Upstream = s
	}
	return v
}

// order is dpkg's weight of a non-digit character: '~' sorts before
// everything, even the end of the string; letters before other symbols.
func order(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return 0
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return int(c)
	case c == '~':
		return -1
	case c != 0:
		return int(c) + 256
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// verrevcmp is dpkg's lib/dpkg/version.c verrevcmp.
func verrevcmp(a, b string) int {
	i, j := 0, 0
	at := func(s string, k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	for i < len(a) || j < len(b) {
		firstDiff := 0
		for i < len(a) && !isDigit(a[i]) || j < len(b) && !isDigit(b[j]) {
			ac, bc := order(at(a, i)), order(at(b, j))
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
