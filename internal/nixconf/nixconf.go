// Package nixconf reads Nix's configuration format (nix.conf): lines of
// `name = value`, `#` comments, `include FILE` and `!include FILE`, and
// `extra-NAME` to append to a setting. cairn reads the settings it shares
// with Nix (substituters, trusted-public-keys, sandbox-paths, cores,
// max-jobs) from ROOT/etc/nix/nix.conf, so a configuration made for Nix
// configures cairn's builds too.
package nixconf

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Config is the settings of one configuration file and its includes, in
// the order Nix applies them.
type Config struct {
	values map[string]string
}

// Load reads a configuration file. A missing file is an empty
// configuration.
func Load(path string) (*Config, error) {
	c := &Config{values: map[string]string{}}
	if err := c.load(path, false, 0); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) load(path string, optional bool, depth int) error {
	if depth > 16 {
		return fmt.Errorf("%s: includes nested too deeply", path)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		if optional {
			return nil
		}
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if fields[0] == "include" || fields[0] == "!include" {
			if len(fields) != 2 {
				return fmt.Errorf("%s:%d: illegal configuration line '%s'", path, n, strings.TrimSpace(line))
			}
			inc := fields[1]
			if !filepath.IsAbs(inc) {
				inc = filepath.Join(filepath.Dir(path), inc)
			}
			if err := c.load(inc, fields[0] == "!include", depth+1); err != nil {
				return err
			}
			continue
		}
		if len(fields) < 2 || fields[1] != "=" {
			return fmt.Errorf("%s:%d: illegal configuration line '%s'", path, n, strings.TrimSpace(line))
		}
		name, value := fields[0], strings.Join(fields[2:], " ")
		if base, ok := strings.CutPrefix(name, "extra-"); ok {
			if prev := c.values[base]; prev != "" && value != "" {
				value = prev + " " + value
			} else if value == "" {
				value = prev
			}
			name = base
		}
		c.values[name] = value
	}
	return sc.Err()
}

// Get returns a setting's value and whether it is set.
func (c *Config) Get(name string) (string, bool) {
	v, ok := c.values[name]
	return v, ok
}

// List returns a setting's value split at white space (substituters,
// trusted-public-keys, sandbox-paths).
func (c *Config) List(name string) []string { return strings.Fields(c.values[name]) }

// SandboxPaths parses sandbox-paths: each entry is PATH (the same path
// inside and outside the sandbox), TARGET=SOURCE, or either with a
// trailing `?` for a path that may be missing (skipped when it is).
func (c *Config) SandboxPaths() (map[string]string, error) {
	out := map[string]string{}
	for _, e := range c.List("sandbox-paths") {
		optional := strings.HasSuffix(e, "?")
		e = strings.TrimSuffix(e, "?")
		target, source, ok := strings.Cut(e, "=")
		if !ok {
			source = target
		}
		if !filepath.IsAbs(target) || !filepath.IsAbs(source) {
			return nil, fmt.Errorf("sandbox-paths: '%s' is not an absolute path", e)
		}
		if _, err := os.Stat(source); err != nil {
			if optional {
				continue
			}
			return nil, fmt.Errorf("sandbox-paths: %w", err)
		}
		out[target] = source
	}
	return out, nil
}
