package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// PathLock is a held lock on a store path.
type PathLock struct{ f *os.File }

// Unlock releases the lock.
func (l *PathLock) Unlock() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

func (s *Store) lockFile(path string) (*os.File, error) {
	name := filepath.Join(s.stateDir, "locks", filepath.Base(path)+".lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking '%s': %w", path, err)
	}
	return f, nil
}

// LockPath waits for the lock of a store path (held while it is added or
// built, by this or another process).
func (s *Store) LockPath(ctx context.Context, path string) (*PathLock, error) {
	f, err := s.lockFile(path)
	if err != nil {
		return nil, err
	}
	if err := flock(ctx, f, syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking '%s': %w", path, err)
	}
	return &PathLock{f: f}, nil
}

// tryLockPath takes the lock of path if it is free.
func (s *Store) tryLockPath(path string) (*PathLock, bool, error) {
	f, err := s.lockFile(path)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("locking '%s': %w", path, err)
	}
	return &PathLock{f: f}, true, nil
}

// flock takes a lock on f, polling so that ctx can cancel the wait.
func flock(ctx context.Context, f *os.File, how int) error {
	delay := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 100*time.Millisecond)
	}
}
