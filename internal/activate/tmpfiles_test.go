package activate

import (
	"strings"
	"testing"
)

func TestParseTmpfile(t *testing.T) {
	for in, want := range map[string]string{
		"d /var/lib/x 0750 x x -":        "d /var/lib/x 0750 x x -",
		"f /etc/x":                       "f /etc/x - - - -",
		"L+ /run/x - - - - /nix/store/y": "L+ /run/x - - - - /nix/store/y",
	} {
		got, err := ParseTmpfile(in, 0)
		if err != nil || got.String() != want {
			t.Errorf("%q: %q, %v; want %q", in, got.String(), err, want)
		}
	}
	for in, want := range map[string]string{
		"x /var/lib/x":      `type "x" is not supported`,
		"d var/lib/x":       `not a clean absolute path`,
		"d /var/lib/x 9999": `bad mode "9999"`,
		"L /run/x":          `L needs a link target`,
		"d":                 `expected TYPE PATH`,
	} {
		if _, err := ParseTmpfile(in, 0); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

func FuzzParseTmpfile(f *testing.F) {
	f.Add("d /var/lib/x 0750 x x -")
	f.Add("L+ /run/x - - - - /nix/store/y")
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseTmpfile(line, 0)
		if err != nil {
			return
		}
		again, err := ParseTmpfile(r.String(), 0)
		if err != nil || again.String() != r.String() {
			t.Errorf("%q prints as %q, which parses as %q (%v)", line, r.String(), again.String(), err)
		}
	})
}
