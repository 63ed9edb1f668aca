package local

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// canonicalise gives the tree at p the metadata of a store object, as
// Nix's canonicalisePathMetaData: owned by root, mode 0444 (0555 for
// executables and directories), no setuid, setgid or sticky bits, mtime 1
// (symlinks too). The tree is then synced to disk (one syncfs of its file
// system rather than an fsync per file and folder: the same guarantee, a
// rename after canonicalise publishes complete contents, for one system
// call), so that the registration that follows never names a path whose
// contents a crash could lose.
func canonicalise(p string) error {
	// Children first, so that read-only directories are finished last.
	var dirs []string
	err := filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
		case fi.IsDir():
			dirs = append(dirs, q)
			return nil
		case fi.Mode().IsRegular():
			mode := uint32(0o444)
			if fi.Mode()&0o100 != 0 {
				mode = 0o555
			}
			if err := chown(q); err != nil {
				return err
			}
			if err := syscall.Chmod(q, mode); err != nil {
				return fmt.Errorf("chmod %s: %w", q, err)
			}
		default:
			return fmt.Errorf("'%s' has an unsupported type (%s)", q, fi.Mode().Type())
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if err := chown(q); err != nil {
				return err
			}
		}
		return setMtime1(q)
	})
	if err != nil {
		return fmt.Errorf("canonicalising: %w", err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		q := dirs[i]
		if err := chown(q); err != nil {
			return fmt.Errorf("canonicalising: %w", err)
		}
		if err := syscall.Chmod(q, 0o555); err != nil {
			return fmt.Errorf("canonicalising: chmod %s: %w", q, err)
		}
		if err := setMtime1(q); err != nil {
			return fmt.Errorf("canonicalising: %w", err)
		}
	}
	if err := syncFS(filepath.Dir(p)); err != nil {
		return fmt.Errorf("canonicalising: %w", err)
	}
	return nil
}

// syncFS writes every dirty file and folder of the file system holding
// dir to disk (syncfs(2)).
func syncFS(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer unix.Close(fd)
	if err := unix.Syncfs(fd); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}

func setMtime1(p string) error {
	ts := []unix.Timespec{{Sec: 1}, {Sec: 1}}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("setting the mtime of %s: %w", p, err)
	}
	return nil
}

func syncFile(p string) error {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", p, err)
	}
	defer unix.Close(fd)
	if err := unix.Fsync(fd); err != nil {
		return fmt.Errorf("syncing %s: %w", p, err)
	}
	return nil
}

// chown makes p owned by root when cairn runs as root (otherwise the
// store belongs to the user running it, as a Nix store of a single user).
func chown(p string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return os.Lchown(p, 0, 0)
}
