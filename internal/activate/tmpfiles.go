package activate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/system"
)

// Tmpfile is one parsed tmpfiles.d rule. Supported types: d and D (a
// folder), f (a file created if missing, with the argument as content), F
// (a file written with the argument), L and L+ (a symbolic link, L+
// replacing what is there). "-" leaves mode, user or group at their
// default (0755 folders, 0644 files, root).
type Tmpfile struct {
	Type, Path, Mode, User, Group, Arg string
	Line                               int
}

// ParseTmpfile parses one rule ("d /var/lib/x 0750 x x -").
func ParseTmpfile(line string, n int) (Tmpfile, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return Tmpfile{}, fmt.Errorf("tmpfiles[%d]: %q: expected TYPE PATH [MODE USER GROUP AGE ARG]", n, line)
	}
	for len(f) < 6 {
		f = append(f, "-")
	}
	t := Tmpfile{Type: f[0], Path: f[1], Mode: f[2], User: f[3], Group: f[4], Line: n}
	if len(f) > 6 {
		t.Arg = strings.Join(f[6:], " ")
	}
	switch t.Type {
	case "d", "D", "f", "F", "L", "L+":
	default:
		return t, fmt.Errorf("tmpfiles[%d]: type %q is not supported (d, D, f, F, L, L+)", n, t.Type)
	}
	if !filepath.IsAbs(t.Path) || filepath.Clean(t.Path) != t.Path {
		return t, fmt.Errorf("tmpfiles[%d]: path %q is not a clean absolute path", n, t.Path)
	}
	if t.Mode != "-" {
		if _, err := system.ParseMode(t.Mode); err != nil {
			return t, fmt.Errorf("tmpfiles[%d]: %v", n, err)
		}
	}
	if (t.Type == "L" || t.Type == "L+") && t.Arg == "" {
		return t, fmt.Errorf("tmpfiles[%d]: %s needs a link target", n, t.Type)
	}
	return t, nil
}

func (t Tmpfile) String() string {
	s := strings.Join([]string{t.Type, t.Path, t.Mode, t.User, t.Group, "-"}, " ")
	if t.Arg != "" {
		s += " " + t.Arg
	}
	return s
}

// needed reports whether applying the rule would change anything.
func (t Tmpfile) needed(root system.Root, ids *idLookup) bool {
	host := root.Host(t.Path)
	fi, err := os.Lstat(host)
	if err != nil {
		return true
	}
	switch t.Type {
	case "L":
		return false
	case "L+":
		cur, _ := os.Readlink(host)
		return cur != t.Arg
	case "F":
		data, _ := os.ReadFile(host)
		if string(data) != t.Arg {
			return true
		}
	}
	mode, uid, gid, err := t.attrs(ids)
	if err != nil {
		return true
	}
	return fi.Mode().Perm() != mode.Perm() || !ownedBy(fi, uid, gid)
}

func (t Tmpfile) attrs(ids *idLookup) (os.FileMode, int, int, error) {
	mode := os.FileMode(0o644)
	if t.Type == "d" || t.Type == "D" {
		mode = 0o755
	}
	if t.Mode != "-" {
		mode, _ = system.ParseMode(t.Mode)
	}
	uid, gid := 0, 0
	var err error
	if t.User != "-" {
		if uid, err = ids.uid(t.User); err != nil {
			return 0, 0, 0, fmt.Errorf("tmpfiles %s: %w", t.Path, err)
		}
	}
	if t.Group != "-" {
		if gid, err = ids.gid(t.Group); err != nil {
			return 0, 0, 0, fmt.Errorf("tmpfiles %s: %w", t.Path, err)
		}
	}
	return mode, uid, gid, nil
}

// apply creates what the rule describes.
func (t Tmpfile) apply(root system.Root, ids *idLookup) error {
	host := root.Host(t.Path)
	mode, uid, gid, err := t.attrs(ids)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
		return err
	}
	switch t.Type {
	case "d", "D":
		if err := os.Mkdir(host, mode); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("tmpfiles %s: %w", t.Path, err)
		}
	case "f":
		if _, err := os.Lstat(host); errors.Is(err, os.ErrNotExist) {
			if err := writeOwned(host, []byte(t.Arg), mode, uid, gid); err != nil {
				return fmt.Errorf("tmpfiles %s: %w", t.Path, err)
			}
		}
	case "F":
		if err := writeOwned(host, []byte(t.Arg), mode, uid, gid); err != nil {
			return fmt.Errorf("tmpfiles %s: %w", t.Path, err)
		}
	case "L":
		if _, err := os.Lstat(host); errors.Is(err, os.ErrNotExist) {
			if err := os.Symlink(t.Arg, host); err != nil {
				return fmt.Errorf("tmpfiles %s: %w", t.Path, err)
			}
		}
		return nil
	case "L+":
		if _, err := atomicfile.Symlink(t.Arg, host); err != nil {
			return fmt.Errorf("tmpfiles %s: %w", t.Path, err)
		}
		return nil
	}
	if err := os.Chmod(host, mode); err != nil {
		return fmt.Errorf("tmpfiles %s: %w", t.Path, err)
	}
	if err := os.Lchown(host, uid, gid); err != nil {
		return fmt.Errorf("tmpfiles %s: %w", t.Path, err)
	}
	return nil
}

// ownedBy reports whether fi belongs to uid:gid.
func ownedBy(fi os.FileInfo, uid, gid int) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == uid && int(st.Gid) == gid
}
