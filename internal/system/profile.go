package system

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
)

// In-root locations of the system profile and its companions.
const (
	ProfilesDir   = "/nix/var/nix/profiles"
	ProfileName   = "system"
	GCRootsDir    = "/nix/var/nix/gcroots"
	CurrentSystem = "/run/current-system"
	BootedSystem  = "/run/booted-system"
	EntriesDir    = "/boot/loader/entries"
	LoaderConf    = "/boot/loader/loader.conf"
)

// Info describes one generation of the system profile.
type Info struct {
	Number       int       `json:"number"`
	Date         time.Time `json:"date"`
	Toplevel     string    `json:"toplevel"`
	Current      bool      `json:"current"`
	Booted       bool      `json:"booted"`
	Revision     *Revision `json:"revision"`
	CairnVersion string    `json:"cairnVersion"`
}

// Profiles manages the system profile of a root.
type Profiles struct {
	Root Root
	Now  func() time.Time
}

var linkName = regexp.MustCompile(`^system-([0-9]+)-link$`)

func (p *Profiles) dir() string { return p.Root.Host(ProfilesDir) }

// LinkPath is the host path of generation n's link.
func (p *Profiles) LinkPath(n int) string {
	return filepath.Join(p.dir(), fmt.Sprintf("%s-%d-link", ProfileName, n))
}

// Current returns the number of the generation the profile points to, or 0
// when there is no profile yet.
func (p *Profiles) Current() (int, error) {
	t, err := os.Readlink(filepath.Join(p.dir(), ProfileName))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	m := linkName.FindStringSubmatch(filepath.Base(t))
	if m == nil {
		return 0, fmt.Errorf("%s points to %s, not to a generation link", filepath.Join(p.dir(), ProfileName), t)
	}
	return strconv.Atoi(m[1])
}

// Toplevel returns the in-root toplevel path of generation n.
func (p *Profiles) Toplevel(n int) (string, error) {
	t, err := os.Readlink(p.LinkPath(n))
	if err != nil {
		return "", fmt.Errorf("generation %d: %w", n, err)
	}
	return t, nil
}

// Numbers lists the generation numbers, ascending.
func (p *Profiles) Numbers() ([]int, error) {
	ents, err := os.ReadDir(p.dir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ns []int
	for _, e := range ents {
		if m := linkName.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			ns = append(ns, n)
		}
	}
	sort.Ints(ns)
	return ns, nil
}

// List describes every generation, oldest first.
func (p *Profiles) List() ([]Info, error) {
	ns, err := p.Numbers()
	if err != nil {
		return nil, err
	}
	cur, err := p.Current()
	if err != nil {
		return nil, err
	}
	booted, _ := os.Readlink(p.Root.Host(BootedSystem))
	var out []Info
	for _, n := range ns {
		fi, err := os.Lstat(p.LinkPath(n))
		if err != nil {
			return nil, err
		}
		t, err := os.Readlink(p.LinkPath(n))
		if err != nil {
			return nil, err
		}
		in := Info{Number: n, Date: fi.ModTime().UTC(), Toplevel: t, Current: n == cur, Booted: booted != "" && booted == t}
		if tl, err := p.Root.ReadToplevel(t); err == nil {
			in.Revision = tl.Gen.ConfigurationRevision
		}
		if v, err := os.ReadFile(filepath.Join(p.Root.Host(t), "cairn-version")); err == nil {
			in.CairnVersion = strings.TrimSpace(string(v))
		}
		out = append(out, in)
	}
	return out, nil
}

// Add makes toplevel (an in-root path) a generation, as `nix-env -p
// PROFILE --set` does: when the newest generation already is toplevel it
// is reused, otherwise a link system-N-link with the next number is made.
// It does not move the profile; SetCurrent does. It also makes the
// profiles folder a GC root, as Nix does.
func (p *Profiles) Add(ctx context.Context, toplevel string) (int, error) {
	ns, err := p.Numbers()
	if err != nil {
		return 0, err
	}
	if len(ns) > 0 {
		last := ns[len(ns)-1]
		if t, err := os.Readlink(p.LinkPath(last)); err == nil && t == toplevel {
			return last, nil
		}
	}
	n := 1
	if len(ns) > 0 {
		n = ns[len(ns)-1] + 1
	}
	if err := p.ensureGCRoot(); err != nil {
		return 0, err
	}
	if _, err := atomicfile.Symlink(toplevel, p.LinkPath(n)); err != nil {
		return 0, fmt.Errorf("creating generation %d: %w", n, err)
	}
	if p.Now != nil {
		t := p.Now()
		Lutimes(p.LinkPath(n), t)
	}
	return n, nil
}

// ensureGCRoot links GCROOTS/profiles to the profiles folder, so that
// every generation link keeps its toplevel alive.
func (p *Profiles) ensureGCRoot() error {
	_, err := atomicfile.Symlink(ProfilesDir, filepath.Join(p.Root.Host(GCRootsDir), "profiles"))
	if err != nil {
		return fmt.Errorf("GC root for the profiles: %w", err)
	}
	return nil
}

// SetCurrent points the profile at generation n with one rename.
func (p *Profiles) SetCurrent(n int) (bool, error) {
	if _, err := os.Lstat(p.LinkPath(n)); err != nil {
		return false, fmt.Errorf("generation %d does not exist", n)
	}
	return atomicfile.Symlink(filepath.Base(p.LinkPath(n)), filepath.Join(p.dir(), ProfileName))
}

// SetCurrentSystem points ROOT/run/current-system at toplevel; on a first
// activation it also records the booted system.
func (p *Profiles) SetCurrentSystem(toplevel string) (bool, error) {
	if _, err := os.Lstat(p.Root.Host(BootedSystem)); errors.Is(err, os.ErrNotExist) {
		if _, err := atomicfile.Symlink(toplevel, p.Root.Host(BootedSystem)); err != nil {
			return false, err
		}
	}
	return atomicfile.Symlink(toplevel, p.Root.Host(CurrentSystem))
}

// CurrentSystem returns the in-root toplevel ROOT/run/current-system points
// to, or "" when there is none.
func (p *Profiles) CurrentSystem() string {
	t, _ := os.Readlink(p.Root.Host(CurrentSystem))
	return t
}

// Delete removes generation n's link and boot entry.
func (p *Profiles) Delete(n int) error {
	if err := os.Remove(p.LinkPath(n)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Remove(filepath.Join(p.Root.Host(EntriesDir), entryName(n))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return atomicfile.SyncDir(p.dir())
}

// MarshalInfos renders a listing as JSON, one array.
func MarshalInfos(in []Info) ([]byte, error) {
	if in == nil {
		in = []Info{}
	}
	return json.MarshalIndent(in, "", "  ")
}
