// Package atomicfile writes files and symbolic links so that a reader, or
// a crash, sees either the old or the new one: a temporary entry in the
// same folder, fsync, rename over the target, fsync of the folder; and
// only when the content differs.
package atomicfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// WriteFile writes data to path atomically and only when it differs: a
// temporary file in the same folder, fsync, chmod, rename, fsync of the
// folder. It reports whether the file changed.
func WriteFile(path string, data []byte, mode os.FileMode) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		if fi, err := os.Lstat(path); err == nil && fi.Mode().Perm() == mode.Perm() && fi.Mode().IsRegular() {
			return false, nil
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	f, err := os.CreateTemp(dir, ".cairn-tmp-*")
	if err != nil {
		return false, err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Close(); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return false, err
	}
	return true, SyncDir(dir)
}

// Symlink makes path a symbolic link to target atomically (a temporary
// link in the same folder renamed over path) and only when it differs. It
// reports whether the link changed. An existing folder at path is an error.
func Symlink(target, path string) (bool, error) {
	if cur, err := os.Readlink(path); err == nil && cur == target {
		return false, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	tmp := filepath.Join(dir, ".cairn-tmp-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.Symlink(target, tmp); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("replacing %s: %w", path, err)
	}
	return true, SyncDir(dir)
}

// SyncDir fsyncs a folder, making renames in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}
