// Package system holds what a built system is on disk: the toplevel folder
// a configuration builds to (generation.json, etc/, units/, sw), the
// system profile and its numbered generations under a root folder, the
// Boot Loader Specification entries that boot them, garbage collection of
// old generations, and the configuration's git revision recorded in each.
//
// Every path is taken relative to an injected root ("/" on a real host):
// a Root maps an in-root path such as /nix/store/x to the host path
// ROOT/nix/store/x. Symbolic links are written as Nix writes them, with
// in-root targets, so that a root folder is a faithful image of a host.
//
// docs/design/generations.md describes the toplevel contract.
package system

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FormatVersion is the generation.json version this package reads.
const FormatVersion = 1

// Generation is the decoded generation.json of a toplevel.
type Generation struct {
	Version               int        `json:"version"`
	System                string     `json:"system"`
	HostName              string     `json:"hostName"`
	TimeZone              string     `json:"timeZone"`
	StateVersion          string     `json:"stateVersion"`
	ConfigurationRevision *Revision  `json:"configurationRevision"`
	Etc                   []EtcEntry `json:"etc"`
	Users                 []User     `json:"users"`
	Groups                []Group    `json:"groups"`
	MutableUsers          bool       `json:"mutableUsers"`
	Units                 []Unit     `json:"units"`
	WantedUnits           []string   `json:"wantedUnits"`
	Tmpfiles              []string   `json:"tmpfiles"`
	ActivationScripts     []Script   `json:"activationScripts"`
}

// Revision is the configuration's git revision at build time.
type Revision struct {
	Rev   string `json:"rev"`
	Dirty bool   `json:"dirty"`
}

// String is the revision's short form, "abc1234" or "abc1234-dirty".
func (r *Revision) String() string {
	if r == nil {
		return ""
	}
	s := r.Rev
	if len(s) > 12 {
		s = s[:12]
	}
	if r.Dirty {
		s += "-dirty"
	}
	return s
}

// EtcEntry is one file of the managed /etc.
type EtcEntry struct {
	Target string `json:"target"` // relative to /etc, e.g. "nginx/nginx.conf"
	Source string `json:"source"` // a store path (file or folder)
	Mode   string `json:"mode"`   // "symlink" or an octal mode such as "0644" (a copy)
	User   string `json:"user"`   // owner of a copy (name or number)
	Group  string `json:"group"`  // group of a copy (name or number)
}

// IsCopy reports whether the entry is copied into /etc rather than linked.
func (e EtcEntry) IsCopy() bool { return e.Mode != "" && e.Mode != "symlink" }

// User is a declared user account.
type User struct {
	Name           string   `json:"name"`
	UID            *int     `json:"uid"` // nil: allocate
	IsSystemUser   bool     `json:"isSystemUser"`
	IsNormalUser   bool     `json:"isNormalUser"`
	Group          string   `json:"group"`
	ExtraGroups    []string `json:"extraGroups"`
	Description    string   `json:"description"`
	Home           string   `json:"home"`
	CreateHome     bool     `json:"createHome"`
	Shell          string   `json:"shell"`
	HashedPassword *string  `json:"hashedPassword"` // nil: keep the current one (new users are locked)
	AuthorizedKeys []string `json:"authorizedKeys"`
}

// Group is a declared group.
type Group struct {
	Name    string   `json:"name"`
	GID     *int     `json:"gid"` // nil: allocate
	Members []string `json:"members"`
}

// Unit is a unit of the generation; its file is TOPLEVEL/units/NAME.
type Unit struct {
	Name             string `json:"name"`
	RestartIfChanged bool   `json:"restartIfChanged"`
	ReloadIfChanged  bool   `json:"reloadIfChanged"`
	StopIfChanged    bool   `json:"stopIfChanged"`
	Triggers         string `json:"triggers"`
	ReloadTriggers   string `json:"reloadTriggers"`
}

// Script is an activation script, run in dependency order at activation.
type Script struct {
	Name   string   `json:"name"`
	Deps   []string `json:"deps"`
	Script string   `json:"script"` // an executable store path
}

// Toplevel is a built system: its in-root path and its generation.json.
type Toplevel struct {
	Path string // in-root path, e.g. /nix/store/...-cairn-system
	Gen  *Generation
}

// UnitPath is the in-root path of a unit's file.
func (t *Toplevel) UnitPath(name string) string { return filepath.Join(t.Path, "units", name) }

// Unit returns the generation's unit of that name.
func (t *Toplevel) Unit(name string) (Unit, bool) {
	for _, u := range t.Gen.Units {
		if u.Name == name {
			return u, true
		}
	}
	return Unit{}, false
}

// Root is the folder a system lives in: "/" on a host, any folder in tests.
type Root string

// Host maps an in-root absolute path to the host path.
func (r Root) Host(p string) string {
	if r == "" || r == "/" {
		return p
	}
	return filepath.Join(string(r), p)
}

// InRoot maps a host path under the root to its in-root path.
func (r Root) InRoot(host string) (string, error) {
	abs, err := filepath.Abs(host)
	if err != nil {
		return "", err
	}
	if r == "" || r == "/" {
		return abs, nil
	}
	rel, err := filepath.Rel(string(r), abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is outside the root %s", host, r)
	}
	return "/" + rel, nil
}

// ReadToplevel reads the toplevel at the in-root path p.
func (r Root) ReadToplevel(p string) (*Toplevel, error) {
	file := filepath.Join(r.Host(p), "generation.json")
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading toplevel: %w", err)
	}
	g, err := ParseGeneration(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &Toplevel{Path: filepath.Clean(p), Gen: g}, nil
}

// ParseGeneration decodes and checks a generation.json.
func ParseGeneration(data []byte) (*Generation, error) {
	var g Generation
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, jsonError(data, err)
	}
	if g.Version != FormatVersion {
		return nil, fmt.Errorf("unsupported version %d (cairn reads version %d)", g.Version, FormatVersion)
	}
	if err := g.check(); err != nil {
		return nil, err
	}
	return &g, nil
}

// jsonError adds the line and column to a decoding error.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + strings.Count(string(data[:off]), "\n")
	col := int(off) - strings.LastIndex(string(data[:off]), "\n")
	return fmt.Errorf("%d:%d: %w", line, col, err)
}

func (g *Generation) check() error {
	seen := map[string]bool{}
	for i, e := range g.Etc {
		t := filepath.Clean(e.Target)
		if e.Target == "" || filepath.IsAbs(e.Target) || t == "." || t == ".." || strings.HasPrefix(t, "../") || t != e.Target {
			return fmt.Errorf("etc[%d]: bad target %q (a clean path relative to /etc)", i, e.Target)
		}
		if t == "static" || strings.HasPrefix(t, ".cairn") {
			return fmt.Errorf("etc[%d]: target %q is reserved", i, e.Target)
		}
		if seen[t] {
			return fmt.Errorf("etc[%d]: target %q given twice", i, e.Target)
		}
		seen[t] = true
		if !filepath.IsAbs(e.Source) {
			return fmt.Errorf("etc[%d] (%s): source %q is not an absolute path", i, e.Target, e.Source)
		}
		if e.IsCopy() {
			if _, err := ParseMode(e.Mode); err != nil {
				return fmt.Errorf("etc[%d] (%s): %v", i, e.Target, err)
			}
		}
	}
	names := map[string]bool{}
	for i, u := range g.Users {
		if !validName(u.Name) {
			return fmt.Errorf("users[%d]: bad name %q", i, u.Name)
		}
		if names[u.Name] {
			return fmt.Errorf("users[%d]: user %q declared twice", i, u.Name)
		}
		names[u.Name] = true
		if u.IsSystemUser && u.IsNormalUser {
			return fmt.Errorf("users[%d] (%s): isSystemUser and isNormalUser are exclusive", i, u.Name)
		}
		if u.Group == "" {
			return fmt.Errorf("users[%d] (%s): no group", i, u.Name)
		}
		for _, f := range []string{u.Description, u.Home, u.Shell} {
			if strings.ContainsAny(f, ":\n") {
				return fmt.Errorf("users[%d] (%s): field %q contains ':' or a newline", i, u.Name, f)
			}
		}
	}
	gnames := map[string]bool{}
	for i, gr := range g.Groups {
		if !validName(gr.Name) {
			return fmt.Errorf("groups[%d]: bad name %q", i, gr.Name)
		}
		if gnames[gr.Name] {
			return fmt.Errorf("groups[%d]: group %q declared twice", i, gr.Name)
		}
		gnames[gr.Name] = true
	}
	units := map[string]bool{}
	for i, u := range g.Units {
		if u.Name == "" || strings.ContainsAny(u.Name, "/\n") {
			return fmt.Errorf("units[%d]: bad name %q", i, u.Name)
		}
		if units[u.Name] {
			return fmt.Errorf("units[%d]: unit %q given twice", i, u.Name)
		}
		units[u.Name] = true
	}
	for _, w := range g.WantedUnits {
		if !units[w] {
			return fmt.Errorf("wantedUnits: %q is not in units", w)
		}
	}
	scripts := map[string]bool{}
	for _, s := range g.ActivationScripts {
		scripts[s.Name] = true
	}
	for i, s := range g.ActivationScripts {
		for _, d := range s.Deps {
			if !scripts[d] {
				return fmt.Errorf("activationScripts[%d] (%s): unknown dependency %q", i, s.Name, d)
			}
		}
	}
	return nil
}

func validName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '$') {
			return false
		}
	}
	return s[0] != '-'
}

// ParseMode parses an octal file mode such as "0644".
func ParseMode(s string) (os.FileMode, error) {
	var m uint32
	if len(s) < 3 || len(s) > 4 {
		return 0, fmt.Errorf("bad mode %q (an octal mode such as 0644, or \"symlink\")", s)
	}
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, fmt.Errorf("bad mode %q (an octal mode such as 0644, or \"symlink\")", s)
		}
		m = m*8 + uint32(c-'0')
	}
	mode := os.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= os.ModeSticky
	}
	return mode, nil
}

// SortedUnitNames returns the names of the generation's units, sorted.
func (g *Generation) SortedUnitNames() []string {
	var n []string
	for _, u := range g.Units {
		n = append(n, u.Name)
	}
	sort.Strings(n)
	return n
}
