package debian

import (
	"bufio"
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.0-0", 0},
		{"1.0~rc1", "1.0", -1},
		{"1.0~~", "1.0~", -1},
		{"1:0.1", "2.0", 1},
		{"1.0-1", "1.0-1+b1", -1},
		{"1.10", "1.9", 1},
		{"1.0a", "1.0+", -1},
		{"1.0", "1.0.0", -1},
		{"2.30-1ubuntu1", "2.30-1", 1},
		{"0:1.2", "1.2", 0},
		{"1.001", "1.1", 0},
	} {
		if got := CompareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := CompareVersions(tc.b, tc.a); got != -tc.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestParseVersionErrors(t *testing.T) {
	for _, s := range []string{"", "a1.0", "x:1.0", "1.0 2", "1:", "1.0_1"} {
		if v, err := ParseVersion(s); err == nil {
			t.Errorf("ParseVersion(%q) = %+v, want an error", s, v)
		}
	}
	v, err := ParseVersion("2:1.22.1-9+deb12u1")
	if err != nil || v.Epoch != 2 || v.Upstream != "1.22.1" || v.Revision != "9+deb12u1" || v.String() != "2:1.22.1-9+deb12u1" {
		t.Errorf("ParseVersion = %+v, %v", v, err)
	}
}

// randomVersion draws from the characters and shapes that matter to
// dpkg's ordering: epochs, '~', '+', '.', letters, leading zeros.
func randomVersion(r *rand.Rand) string {
	var b strings.Builder
	if r.Intn(5) == 0 {
		fmt.Fprintf(&b, "%d:", r.Intn(3))
	}
	b.WriteByte(byte('0' + r.Intn(10)))
	const chars = "0123456789.~+ab0z9"
	for n := r.Intn(7); n > 0; n-- {
		b.WriteByte(chars[r.Intn(len(chars))])
	}
	if r.Intn(2) == 0 {
		b.WriteByte('-')
		b.WriteByte(byte('0' + r.Intn(10)))
		for n := r.Intn(4); n > 0; n-- {
			b.WriteByte(chars[r.Intn(len(chars))])
		}
	}
	return b.String()
}

// TestCompareVersionsDpkg compares with dpkg --compare-versions on a
// generated corpus (seeded, so reruns see the same pairs).
func TestCompareVersionsDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not installed")
	}
	n := 300
	if testing.Short() {
		n = 60
	}
	r := rand.New(rand.NewSource(6))
	var script strings.Builder
	type pair struct{ a, b string }
	var pairs []pair
	for i := 0; i < n; i++ {
		a, b := randomVersion(r), randomVersion(r)
		if i%4 == 0 {
			b = a[:len(a)-1] + "~" // near misses
		}
		if _, err := ParseVersion(b); err != nil {
			continue
		}
		pairs = append(pairs, pair{a, b})
		// one shell, one dpkg per comparison: "<" ">" or "="
		fmt.Fprintf(&script, "if dpkg --compare-versions '%s' lt '%s'; then echo '<'; elif dpkg --compare-versions '%s' eq '%s'; then echo '='; else echo '>'; fi\n", a, b, a, b)
	}
	out, err := exec.Command("sh", "-c", script.String()).Output()
	if err != nil {
		t.Fatalf("dpkg: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for i := 0; sc.Scan(); i++ {
		want := map[string]int{"<": -1, "=": 0, ">": 1}[sc.Text()]
		if got := CompareVersions(pairs[i].a, pairs[i].b); got != want {
			t.Errorf("CompareVersions(%q, %q) = %d, dpkg says %s", pairs[i].a, pairs[i].b, got, sc.Text())
		}
	}
	t.Logf("%d pairs compared with dpkg", len(pairs))
}
