package system

import (
	"time"

	"golang.org/x/sys/unix"
)

// Lutimes sets a symbolic link's own times (Nix dates generations by their
// link's mtime).
func Lutimes(path string, t time.Time) {
	ts := []unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	unix.UtimesNanoAt(unix.AT_FDCWD, path, ts, unix.AT_SYMLINK_NOFOLLOW)
}
