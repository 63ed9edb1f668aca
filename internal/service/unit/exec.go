package unit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseCommands parses the value of an Exec line (specifiers already
// resolved): optional prefixes "-", "@", ":", "+", "!", "!!", then words
// with systemd's quoting and C escapes; an unquoted ";" word separates
// commands.
func ParseCommands(v string) ([]Command, error) {
	words, seps, err := splitWords(v, true)
	if err != nil {
		return nil, err
	}
	var cmds []Command
	start := 0
	for i := 0; i <= len(words); i++ {
		if i < len(words) && !seps[i] {
			continue
		}
		c, err := command(words[start:i])
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
		start = i + 1
	}
	return cmds, nil
}

func command(words []string) (Command, error) {
	var c Command
	if len(words) == 0 {
		return c, fmt.Errorf("empty command")
	}
	first := words[0]
	separateArgv0 := false
	i := 0
loop:
	for ; i < len(first); i++ {
		switch first[i] {
		case '-':
			c.IgnoreFailure = true
		case '@':
			separateArgv0 = true
		case ':':
			c.NoExpand = true
		case '+', '!':
			c.Privileged = true
		default:
			break loop
		}
	}
	c.Path = first[i:]
	if c.Path == "" {
		return c, fmt.Errorf("missing executable after prefix %q", first)
	}
	if separateArgv0 {
		if len(words) < 2 {
			return c, fmt.Errorf("prefix '@' needs argv[0] after the executable")
		}
		c.Argv = append([]string{}, words[1:]...)
	} else {
		c.Argv = append([]string{c.Path}, words[1:]...)
	}
	return c, nil
}

// SplitWords splits v into words by unquoted whitespace, removing single
// and double quotes and resolving C escapes. With exec set, an unquoted ";"
// word is an error here; ParseCommands uses it as a separator.
func SplitWords(v string, exec bool) ([]string, error) {
	words, seps, err := splitWords(v, exec)
	if err != nil {
		return nil, err
	}
	for _, s := range seps {
		if s {
			return nil, fmt.Errorf("unexpected ';'")
		}
	}
	return words, nil
}

// splitWords returns the words and, per word, whether it is an unquoted
// ";" separator (only with exec).
func splitWords(v string, exec bool) (words []string, seps []bool, err error) {
	i := 0
	for {
		for i < len(v) && strings.IndexByte(space+"\n", v[i]) >= 0 {
			i++
		}
		if i >= len(v) {
			return words, seps, nil
		}
		var b strings.Builder
		quote := byte(0)
		quotedAny := false
		start := i
	word:
		for i < len(v) {
			c := v[i]
			switch {
			case quote == 0 && strings.IndexByte(space+"\n", c) >= 0:
				break word
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
				quotedAny = true
				i++
			case quote != 0 && c == quote:
				quote = 0
				i++
			case c == '\\':
				if i+1 >= len(v) {
					return nil, nil, fmt.Errorf("trailing backslash at byte %d", i+1)
				}
				n, r, err := unescape(v[i+1:], exec)
				if err != nil {
					return nil, nil, fmt.Errorf("at byte %d: %v", i+1, err)
				}
				b.WriteString(r)
				i += 1 + n
			default:
				b.WriteByte(c)
				i++
			}
		}
		if quote != 0 {
			return nil, nil, fmt.Errorf("unterminated %c quote", quote)
		}
		w := b.String()
		words = append(words, w)
		seps = append(seps, exec && !quotedAny && v[start:i] == ";")
	}
}

// unescape resolves the escape after a backslash in s and returns how many
// bytes of s it used and what it stands for.
func unescape(s string, exec bool) (int, string, error) {
	switch s[0] {
	case 'a':
		return 1, "\a", nil
	case 'b':
		return 1, "\b", nil
	case 'f':
		return 1, "\f", nil
	case 'n':
		return 1, "\n", nil
	case 'r':
		return 1, "\r", nil
	case 't':
		return 1, "\t", nil
	case 'v':
		return 1, "\v", nil
	case 's':
		return 1, " ", nil
	case '\\', '"', '\'', ' ', ';', '$':
		if s[0] == '$' && exec {
			return 1, "\\$", nil // kept for Expand, which reads \$ as a literal $
		}
		return 1, s[:1], nil
	case 'x':
		if len(s) < 3 {
			return 0, "", fmt.Errorf("short \\x escape")
		}
		n, err := strconv.ParseUint(s[1:3], 16, 8)
		if err != nil || n == 0 {
			return 0, "", fmt.Errorf("invalid \\x escape %q", s[:3])
		}
		return 3, string([]byte{byte(n)}), nil
	case 'u', 'U':
		l := 4
		if s[0] == 'U' {
			l = 8
		}
		if len(s) < 1+l {
			return 0, "", fmt.Errorf("short \\%c escape", s[0])
		}
		n, err := strconv.ParseUint(s[1:1+l], 16, 32)
		if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
			return 0, "", fmt.Errorf("invalid \\%c escape %q", s[0], s[:1+l])
		}
		return 1 + l, string(rune(n)), nil
	case '0', '1', '2', '3':
		if len(s) < 3 {
			return 0, "", fmt.Errorf("short octal escape")
		}
		n, err := strconv.ParseUint(s[:3], 8, 8)
		if err != nil || n == 0 {
			return 0, "", fmt.Errorf("invalid octal escape %q", s[:3])
		}
		return 3, string([]byte{byte(n)}), nil
	}
	return 0, "", fmt.Errorf("unknown escape \\%c", s[0])
}

// Expand returns c's argv with environment variables substituted as
// systemd does at exec time: a word that is exactly $NAME is replaced by the
// value split at whitespace (dropped when empty); ${NAME} anywhere is
// replaced by the value as is; $$ is a literal $. With NoExpand nothing is
// substituted.
func (c Command) Expand(env func(string) string) []string {
	if c.NoExpand {
		out := make([]string, len(c.Argv))
		for i, a := range c.Argv {
			out[i] = strings.ReplaceAll(a, "\\$", "$")
		}
		return out
	}
	var out []string
	for i, a := range c.Argv {
		if i > 0 && len(a) > 1 && a[0] == '$' && isName(a[1:]) {
			out = append(out, strings.Fields(env(a[1:]))...)
			continue
		}
		var b strings.Builder
		for j := 0; j < len(a); j++ {
			switch {
			case a[j] == '\\' && j+1 < len(a) && a[j+1] == '$':
				b.WriteByte('$')
				j++
			case a[j] == '$' && j+1 < len(a) && a[j+1] == '$':
				b.WriteByte('$')
				j++
			case a[j] == '$' && j+1 < len(a) && a[j+1] == '{':
				end := strings.IndexByte(a[j:], '}')
				if end < 0 || !isName(a[j+2:j+end]) {
					b.WriteByte('$')
					continue
				}
				b.WriteString(env(a[j+2 : j+end]))
				j += end
			default:
				b.WriteByte(a[j])
			}
		}
		out = append(out, b.String())
	}
	return out
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
