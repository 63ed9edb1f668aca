package spelling

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		max  int
		want int
	}{
		{"enable", "enable", 3, 0},
		{"enabel", "enable", 3, 2},
		{"hostname", "hostName", 3, 1},
		{"", "abc", 3, 3},
		{"kitten", "sitting", 5, 3},
		{"a", "abcdefgh", 3, 4}, // lengths differ by more than max
	} {
		if got := Distance(c.a, c.b, c.max); got != c.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", c.a, c.b, c.max, got, c.want)
		}
	}
}
