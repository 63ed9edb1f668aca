package activate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"cairn.dev/cairn/internal/system"
	"golang.org/x/sys/unix"
)

// LockFile is the in-root path of the switch lock.
const LockFile = "/run/cairn/switch.lock"

// LockedError says another process holds the switch lock.
type LockedError struct {
	Root string
	PID  int
}

func (e *LockedError) Error() string {
	who := "another cairn process"
	if e.PID > 0 {
		who = fmt.Sprintf("another cairn process (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is switching %s; wait for it to finish", who, e.Root)
}

// Lock takes the switch lock of root (flock on ROOT/run/cairn/switch.lock,
// released when the process ends) and writes this process's pid into it.
// It fails at once with a *LockedError when another process holds it.
func Lock(root system.Root) (unlock func(), err error) {
	path := root.Host(LockFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		data, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
			return nil, &LockedError{Root: string(root), PID: pid}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { f.Close() }, nil
}
