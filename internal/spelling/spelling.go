// Package spelling measures how far apart two names are, for the "did you
// mean" suggestions of the evaluator, the module system and the package
// index. It uses the standard library only, as the language core does.
package spelling

// Distance is the Levenshtein distance of a and b (insertions, deletions
// and substitutions of bytes). When their lengths alone differ by more
// than max, it returns max+1 without comparing them: callers that keep
// only names within max of each other need no more.
func Distance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	if a == b {
		return 0
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
