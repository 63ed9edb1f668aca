package deb

import (
	"strings"
	"testing"
)

func TestParseCopyright(t *testing.T) {
	dep5 := `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: nginx

Files: *
Copyright: 2002-2021 Igor Sysoev
License: BSD-2-clause

Files: debian/*
Copyright: 2007 someone
License: GPL-2+ or Artistic
Comment: License: not-a-field

License: BSD-2-clause
 Redistribution and use in source and binary forms ...
 .
 License: inside a text block
`
	got, ok := ParseCopyright(dep5)
	if !ok || strings.Join(got, "|") != "BSD-2-clause|GPL-2+ or Artistic" {
		t.Errorf("got %q %v", got, ok)
	}
	if got, ok := ParseCopyright("This is the Debian prepackaged version of hello.\n\nLicense: GPL\n"); ok || strings.Join(got, "|") != "GPL" {
		t.Errorf("a free-form file: %q %v, want not machine-readable", got, ok)
	}
}

func FuzzParseCopyright(f *testing.F) {
	f.Add("Format: x\n\nFiles: *\nLicense: MIT\n")
	f.Add("License:\n License: x\n\n\n")
	f.Fuzz(func(t *testing.T, text string) {
		ls, _ := ParseCopyright(text)
		seen := map[string]bool{}
		for _, l := range ls {
			if l == "" || seen[l] {
				t.Fatalf("empty or repeated licence in %q", ls)
			}
			seen[l] = true
		}
	})
}
