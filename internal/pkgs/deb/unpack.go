package deb

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Unpack extracts the data tar of the .deb file debFile into dir, which
// is made (its parent must exist) and must not exist yet, as `dpkg -x`
// does: folders get mode 0755, files the permission bits of the archive
// without setuid, setgid and sticky, symbolic links their target as
// written, hard links become links to the earlier file. The control tar
// is checked but not extracted. On error dir may be partly written; the
// caller removes it.
func Unpack(ctx context.Context, debFile, dir string) error {
	f, err := os.Open(debFile)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("unpacking %s: %w", debFile, err)
	}
	u := &unpacker{dir: dir, buf: make([]byte, 256<<10), dirs: map[string]bool{}, umask: umask()}
	if err := u.mkdir("."); err != nil {
		return fmt.Errorf("unpacking %s: %w", debFile, err)
	}
	if err := Walk(ctx, f, u.visit); err != nil {
		return fmt.Errorf("unpacking %s: %w", debFile, err)
	}
	return nil
}

type unpacker struct {
	dir   string
	buf   []byte
	dirs  map[string]bool // relative folders known to exist
	umask int64
}

// umask reads the process's file mode creation mask from
// /proc/self/status (setting it to read it would race with other
// goroutines); when it cannot, every file is chmod-ed.
func umask() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o777
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Umask:"); ok {
			if m, err := strconv.ParseInt(strings.TrimSpace(v), 8, 64); err == nil {
				return m
			}
		}
	}
	return 0o777
}

func (u *unpacker) visit(part Part, e *Entry, body io.Reader) error {
	if part != Data || (body == nil && e.Type == tar.TypeReg) {
		return nil // debian-binary, the members themselves, the control tar
	}
	if e.Path == "" {
		return nil // the root: dir itself
	}
	dest := filepath.Join(u.dir, e.Path)
	// check has vetted the ancestors, but an archive may omit folder
	// entries: make the missing ones.
	if err := u.parents(e.Path); err != nil {
		return err
	}
	switch e.Type {
	case tar.TypeDir:
		if u.dirs[e.Path] {
			return nil
		}
		return u.mkdir(e.Path)
	case tar.TypeReg:
		out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, os.FileMode(e.Mode&0o777))
		if err != nil {
			return err
		}
		if _, err := io.CopyBuffer(out, io.LimitReader(body, e.Size), u.buf); err != nil {
			out.Close()
			return err
		}
		if e.Mode&u.umask != 0 {
			// The umask narrowed the mode given to open.
			if err := out.Chmod(os.FileMode(e.Mode & 0o777)); err != nil {
				out.Close()
				return err
			}
		}
		return out.Close()
	case tar.TypeSymlink:
		return os.Symlink(e.Link, dest)
	case tar.TypeLink:
		return os.Link(filepath.Join(u.dir, e.Link), dest)
	}
	return fmt.Errorf("unsupported type %q", e.Type)
}

// parents makes the missing folders above rel.
func (u *unpacker) parents(rel string) error {
	d := filepath.Dir(rel)
	if u.dirs[d] {
		return nil
	}
	if err := u.parents(d); err != nil {
		return err
	}
	return u.mkdir(d)
}

// mkdir makes the folder rel, mode 0755 whatever the umask.
func (u *unpacker) mkdir(rel string) error {
	p := filepath.Join(u.dir, rel)
	if err := os.Mkdir(p, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	if u.umask&0o755 != 0 {
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	u.dirs[rel] = true
	return nil
}
