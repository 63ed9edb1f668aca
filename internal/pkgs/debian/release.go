package debian

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Release is a suite's Release file (the signed content of InRelease).
type Release struct {
	Origin, Label, Suite, Codename, Version string
	Date, ValidUntil                        time.Time
	Architectures, Components               []string
	AcquireByHash                           bool
	// SHA256 lists the suite's index files by path relative to
	// dists/SUITE/, e.g. "main/binary-amd64/Packages.xz".
	SHA256 map[string]FileHash
	Fields Paragraph
}

// FileHash is one entry of a Release file's SHA256 list.
type FileHash struct {
	SHA256 string `json:"sha256"` // lower-case hex
	Size   int64  `json:"size"`
}

// ParseRelease parses the text of a Release file (or the clear text of an
// InRelease file). file names the input in errors.
func ParseRelease(file, text string) (*Release, error) {
	paras, err := ParseParagraphs(file, text)
	if err != nil {
		return nil, err
	}
	if len(paras) != 1 {
		return nil, fmt.Errorf("%s: a Release file has one paragraph, found %d", file, len(paras))
	}
	p := paras[0]
	r := &Release{
		Origin: p.Get("Origin"), Label: p.Get("Label"), Suite: p.Get("Suite"),
		Codename: p.Get("Codename"), Version: p.Get("Version"),
		Architectures: strings.Fields(p.Get("Architectures")),
		Components:    strings.Fields(p.Get("Components")),
		AcquireByHash: strings.EqualFold(p.Get("Acquire-By-Hash"), "yes"),
		SHA256:        map[string]FileHash{},
		Fields:        p,
	}
	for _, f := range p {
		switch strings.ToLower(f.Name) {
		case "date", "valid-until":
			t, err := parseReleaseDate(f.Value)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %v", file, f.Line, f.Name, err)
			}
			if strings.EqualFold(f.Name, "date") {
				r.Date = t
			} else {
				r.ValidUntil = t
			}
		case "sha256":
			for i, l := range strings.Split(f.Value, "\n") {
				if l == "" {
					continue
				}
				w := strings.Fields(l)
				if len(w) != 3 {
					return nil, fmt.Errorf("%s:%d: SHA256 entry %q: want \"HASH SIZE PATH\"", file, f.Line+i, clip(l))
				}
				if b, err := hex.DecodeString(w[0]); err != nil || len(b) != 32 {
					return nil, fmt.Errorf("%s:%d: SHA256 entry %q: bad hash", file, f.Line+i, clip(l))
				}
				n, err := strconv.ParseInt(w[1], 10, 64)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("%s:%d: SHA256 entry %q: bad size", file, f.Line+i, clip(l))
				}
				r.SHA256[w[2]] = FileHash{SHA256: strings.ToLower(w[0]), Size: n}
			}
		}
	}
	if r.Suite == "" && r.Codename == "" {
		return nil, fmt.Errorf("%s: Release file names neither Suite nor Codename", file)
	}
	return r, nil
}

func parseReleaseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse date %q", clip(s))
}
