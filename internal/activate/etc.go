package activate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/system"
)

// ManifestFile is where the managed /etc files are listed (in-root path).
const ManifestFile = "/etc/.cairn-managed"

// Manifest lists the files cairn manages in /etc.
type Manifest struct {
	Version int           `json:"version"`
	Files   []ManagedFile `json:"files"`
}

// ManagedFile is one managed file of /etc.
type ManagedFile struct {
	Target string `json:"target"`
	Kind   string `json:"kind"` // "link" or "copy"
}

// EtcChange is one change to ROOT/etc.
type EtcChange struct {
	Op      string // "add", "replace", "remove"
	Target  string // relative to /etc
	Kind    string // "link" or "copy"
	Link    string // for links: /etc/static/TARGET
	Content []byte // for copies
	Mode    os.FileMode
	UID     int
	GID     int
	owner   string // for printing, user:group
}

// EtcPlan is the /etc part of a plan.
type EtcPlan struct {
	StaticFrom, StaticTo string // targets of /etc/static
	Changes              []EtcChange
	Conflicts            []string
	Manifest             Manifest
}

func readManifest(root system.Root) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(root.Host(ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return Manifest{Version: 1}, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", root.Host(ManifestFile), err)
	}
	return m, nil
}

// etcEntries returns the generation's etc entries plus the files derived
// from its users (ssh authorized keys), with their contents resolved.
type etcWant struct {
	system.EtcEntry
	content []byte // for copies
}

func wantedEtc(root system.Root, g *system.Generation) ([]etcWant, error) {
	var out []etcWant
	for _, e := range g.Etc {
		w := etcWant{EtcEntry: e}
		if e.IsCopy() {
			data, err := os.ReadFile(root.Host(e.Source))
			if err != nil {
				return nil, fmt.Errorf("etc %s: %w", e.Target, err)
			}
			w.content = data
		}
		out = append(out, w)
	}
	for _, u := range g.Users {
		if len(u.AuthorizedKeys) == 0 {
			continue
		}
		out = append(out, etcWant{
			EtcEntry: system.EtcEntry{Target: "ssh/authorized_keys.d/" + u.Name, Source: "(users." + u.Name + ".authorizedKeys)", Mode: "0444", User: "root", Group: "root"},
			content:  []byte(strings.Join(u.AuthorizedKeys, "\n") + "\n"),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target < out[j].Target })
	return out, nil
}

// planEtc compares the root's /etc with what the new generation wants.
// ids resolves owner names with the user database the plan will write.
func planEtc(root system.Root, newTop *system.Toplevel, ids *idLookup) (EtcPlan, error) {
	var p EtcPlan
	p.StaticFrom, _ = os.Readlink(root.Host("/etc/static"))
	p.StaticTo = filepath.Join(newTop.Path, "etc")
	old, err := readManifest(root)
	if err != nil {
		return p, err
	}
	oldKind := map[string]string{}
	for _, f := range old.Files {
		oldKind[f.Target] = f.Kind
	}
	want, err := wantedEtc(root, newTop.Gen)
	if err != nil {
		return p, err
	}
	p.Manifest.Version = 1
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w.Target] = true
		host := root.Host(filepath.Join("/etc", w.Target))
		link := filepath.Join("/etc/static", w.Target)
		fi, err := os.Lstat(host)
		exists := err == nil
		if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return p, err
		}
		cur, _ := os.Readlink(host)
		ours := exists && (oldKind[w.Target] != "" || cur == link)
		if exists && !ours {
			p.Conflicts = append(p.Conflicts, fmt.Sprintf("/etc/%s exists and was not created by cairn (move it away or remove it from the configuration)", w.Target))
			continue
		}
		if exists && fi.IsDir() {
			p.Conflicts = append(p.Conflicts, fmt.Sprintf("/etc/%s is a folder", w.Target))
			continue
		}
		if c := parentConflict(root, w.Target); c != "" {
			p.Conflicts = append(p.Conflicts, c)
			continue
		}
		op := "add"
		if exists {
			op = "replace"
		}
		if !w.IsCopy() {
			p.Manifest.Files = append(p.Manifest.Files, ManagedFile{w.Target, "link"})
			if cur == link {
				continue
			}
			p.Changes = append(p.Changes, EtcChange{Op: op, Target: w.Target, Kind: "link", Link: link})
			continue
		}
		p.Manifest.Files = append(p.Manifest.Files, ManagedFile{w.Target, "copy"})
		mode, _ := system.ParseMode(w.Mode)
		uid, err := ids.uid(w.User)
		if err != nil {
			return p, fmt.Errorf("etc %s: %w", w.Target, err)
		}
		gid, err := ids.gid(w.Group)
		if err != nil {
			return p, fmt.Errorf("etc %s: %w", w.Target, err)
		}
		if exists && fi.Mode().IsRegular() && fi.Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky) == mode && ownedBy(fi, uid, gid) {
			if data, err := os.ReadFile(host); err == nil && bytes.Equal(data, w.content) {
				continue
			}
		}
		p.Changes = append(p.Changes, EtcChange{Op: op, Target: w.Target, Kind: "copy", Content: w.content, Mode: mode, UID: uid, GID: gid, owner: orRoot(w.User) + ":" + orRoot(w.Group)})
	}
	for _, f := range old.Files {
		if wanted[f.Target] {
			continue
		}
		host := root.Host(filepath.Join("/etc", f.Target))
		fi, err := os.Lstat(host)
		if err != nil {
			continue // already gone
		}
		if f.Kind == "link" {
			if cur, _ := os.Readlink(host); cur != filepath.Join("/etc/static", f.Target) {
				continue // replaced by someone else since: not ours any more
			}
		} else if !fi.Mode().IsRegular() {
			continue
		}
		p.Changes = append(p.Changes, EtcChange{Op: "remove", Target: f.Target, Kind: f.Kind})
	}
	sort.SliceStable(p.Changes, func(i, j int) bool { return p.Changes[i].Target < p.Changes[j].Target })
	return p, nil
}

// parentConflict reports a parent of target that exists but is not a
// folder (a link into /etc/static counts: cairn does not write through it).
func parentConflict(root system.Root, target string) string {
	dir := filepath.Dir(target)
	for dir != "." {
		fi, err := os.Lstat(root.Host(filepath.Join("/etc", dir)))
		if err == nil && !fi.IsDir() {
			return fmt.Sprintf("/etc/%s is in the way of /etc/%s (not a folder)", dir, target)
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

// stageEtc stages /etc/static, the added and replaced files, the
// removals (folders left empty go too; rmdir fails on any other) and the
// manifest, in that order.
func stageEtc(s *stager, p EtcPlan) error {
	if err := s.entry(system.Entry{Path: "/etc/static", Link: p.StaticTo}); err != nil {
		return err
	}
	for _, c := range p.Changes {
		path := filepath.Join("/etc", c.Target)
		var err error
		switch {
		case c.Op == "remove":
			continue
		case c.Kind == "link":
			err = s.link(path, c.Link, time.Time{})
		default:
			err = s.file(path, c.Content, c.Mode, c.UID, c.GID)
		}
		if err != nil {
			return err
		}
	}
	for _, c := range p.Changes {
		if c.Op == "remove" {
			s.remove(filepath.Join("/etc", c.Target), "/etc")
		}
	}
	return s.entry(system.Entry{Path: ManifestFile, Data: manifestData(p.Manifest), Mode: 0o644})
}

func manifestData(m Manifest) []byte {
	m.Files = append([]ManagedFile{}, m.Files...)
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Target < m.Files[j].Target })
	m.Version = 1
	data, _ := json.MarshalIndent(m, "", "  ")
	return append(data, '\n')
}

// writeOwned writes a file atomically with a mode and an owner (-1: the
// writer's).
func writeOwned(path string, data []byte, mode os.FileMode, uid, gid int) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".cairn-tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil && (uid >= 0 || gid >= 0) {
		err = f.Chown(uid, gid)
	}
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return atomicfile.SyncDir(dir)
}

func orRoot(s string) string {
	if s == "" {
		return "root"
	}
	return s
}
