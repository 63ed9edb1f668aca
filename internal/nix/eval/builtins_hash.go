package eval

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"cairn.dev/cairn/internal/nix/token"
)

// hashBuiltins convert hashes and adjust string contexts.
func hashBuiltins() []*Primop {
	return []*Primop{
		prim("convertHash", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			args := ev.forceAttrs(a[0], pos)
			h, ok := args.Get("hash")
			if !ok {
				throwf(pos, "attribute 'hash' missing in the argument of builtins.convertHash")
			}
			algo := ""
			if al, ok := args.Get("hashAlgo"); ok {
				algo = ev.forceStringNoCtx(al.Value, pos)
			}
			f, ok := args.Get("toHashFormat")
			if !ok {
				throwf(pos, "attribute 'toHashFormat' missing in the argument of builtins.convertHash")
			}
			algo, digest, err := parseHash(ev.forceStringNoCtx(h.Value, pos), algo)
			if err != nil {
				throwf(pos, "%v", err)
			}
			format := ev.forceStringNoCtx(f.Value, pos)
			if format == "base32" {
				fmt.Fprintln(ev.stderr, `warning: "base32" is a deprecated alias for hash format "nix32".`)
			}
			out, err := formatHash(algo, digest, format)
			if err != nil {
				throwf(pos, "%v", err)
			}
			return mkString(out)
		}),
		prim("addDrvOutputDependencies", 1, func(ev *Evaluator, pos token.Pos, a []Value) Value {
			s := ev.forceString(a[0], pos)
			if len(s.Ctx) != 1 {
				throwf(pos, "context of string '%s' must have exactly one element, but has %d", s.S, len(s.Ctx))
			}
			c := s.Ctx[0]
			switch {
			case strings.HasPrefix(c, "="):
				return s
			case strings.HasPrefix(c, "!"):
				rest := c[1:]
				i := strings.IndexByte(rest, '!')
				throwf(pos, "`addDrvOutputDependencies` can only act on derivations, not on a derivation output such as '%s'", rest[:i])
			}
			if !strings.HasSuffix(c, ".drv") {
				throwf(pos, "path '%s' is not a derivation", c)
			}
			return &String{S: s.S, Ctx: Context{"=" + c}}
		}),
	}
}

var hashSizes = map[string]int{"md5": md5.Size, "sha1": sha1.Size, "sha256": sha256.Size, "sha512": sha512.Size}

// parseHash reads a hash in any of Nix's encodings: SRI ("sha256-BASE64"),
// "algo:ENCODED", or ENCODED alone with the algorithm given; base 16, Nix
// base 32 and base 64 are told apart by length.
func parseHash(s, algo string) (string, []byte, error) {
	rest := s
	sri := false
	if i := strings.IndexByte(s, ':'); i >= 0 {
		algo, rest = s[:i], s[i+1:]
	} else if i := strings.IndexByte(s, '-'); i >= 0 {
		if _, ok := hashSizes[s[:i]]; ok {
			algo, rest, sri = s[:i], s[i+1:], true
		}
	}
	if algo == "" {
		return "", nil, fmt.Errorf("hash '%s' does not include a type, nor is the type otherwise known from context", s)
	}
	size, ok := hashSizes[algo]
	if !ok {
		return "", nil, fmt.Errorf("unknown hash algorithm '%s', expect 'md5', 'sha1', 'sha256', or 'sha512'", algo)
	}
	b64 := base64.StdEncoding.EncodedLen(size)
	switch {
	case sri:
		d, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(d) != size {
			return "", nil, fmt.Errorf("invalid SRI hash '%s'", s)
		}
		return algo, d, nil
	case len(rest) == 2*size:
		d, err := hex.DecodeString(rest)
		if err != nil {
			return "", nil, fmt.Errorf("invalid base-16 hash '%s'", s)
		}
		return algo, d, nil
	case len(rest) == (size*8-1)/5+1:
		d, err := nixBase32Decode(rest, size)
		if err != nil {
			return "", nil, fmt.Errorf("invalid base-32 hash '%s'", s)
		}
		return algo, d, nil
	case len(rest) == b64:
		d, err := base64.StdEncoding.DecodeString(rest)
		if err != nil || len(d) != size {
			return "", nil, fmt.Errorf("invalid base-64 hash '%s'", s)
		}
		return algo, d, nil
	}
	return "", nil, fmt.Errorf("hash '%s' has wrong length for hash algorithm '%s'", s, algo)
}

func formatHash(algo string, d []byte, format string) (string, error) {
	switch format {
	case "base16":
		return hex.EncodeToString(d), nil
	case "nix32", "base32":
		return nixBase32(d), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(d), nil
	case "sri":
		return algo + "-" + base64.StdEncoding.EncodeToString(d), nil
	}
	return "", fmt.Errorf("unknown hash format '%s', expect 'base16', 'base32', 'nix32', 'base64', or 'sri'", format)
}

// nixBase32Decode is the inverse of nixBase32.
func nixBase32Decode(s string, size int) ([]byte, error) {
	const alphabet = "0123456789abcdfghijklmnpqrsvwxyz"
	out := make([]byte, size)
	n := len(s)
	for i := 0; i < n; i++ {
		c := strings.IndexByte(alphabet, s[n-1-i])
		if c < 0 {
			return nil, fmt.Errorf("invalid character %q", s[n-1-i])
		}
		bit := i * 5
		j, k := bit/8, bit%8
		out[j] |= byte(c << k)
		if carry := c >> (8 - k); j+1 < size {
			out[j+1] |= byte(carry)
		} else if carry != 0 {
			return nil, fmt.Errorf("invalid base-32 hash")
		}
	}
	return out, nil
}
