// Package confine starts a service's process in its own mount namespace
// whose root is the unit's RootDirectory= (for a Debian package, a folder
// laid out as a Debian system from the package closure, see the
// confinement options of <cairn/nixos>), with the unit's BindPaths= and
// BindReadOnlyPaths=, the API file systems (MountAPIVFS=) and a private
// /tmp (PrivateTmp=), as systemd.exec(5) describes them. It is how cairn's
// supervisor runs such units; systemd runs the same unit file itself.
//
// The supervisor cannot prepare a namespace between fork and exec, so it
// starts cairn itself (`cairn __confine`) with a Spec in the environment:
// Exec builds the namespace on its own locked thread, pivots into the
// root, drops to the unit's user and executes the command. Everything
// happens before the service's program runs, and a failure is reported on
// stderr (the unit's log) with a non-zero exit.
package confine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnvVar carries the JSON Spec from the supervisor to `cairn __confine`.
const EnvVar = "CAIRN_CONFINE"

// Bind is one bind mount into the root.
type Bind struct {
	Source   string `json:"source"` // host path
	Target   string `json:"target"` // path in the root
	ReadOnly bool   `json:"readOnly,omitempty"`
	Optional bool   `json:"optional,omitempty"`
}

// Spec is how one process is confined.
type Spec struct {
	Root       string   `json:"root"` // host path of RootDirectory=
	Binds      []Bind   `json:"binds,omitempty"`
	APIVFS     bool     `json:"apivfs,omitempty"`
	PrivateTmp bool     `json:"privateTmp,omitempty"`
	UID        int      `json:"uid"` // -1: keep
	GID        int      `json:"gid"`
	Groups     []uint32 `json:"groups,omitempty"`
	Dir        string   `json:"dir,omitempty"` // working folder in the root; "/" if empty
}

// Encode returns the environment entry that carries s.
func (s *Spec) Encode() (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	return EnvVar + "=" + string(b), nil
}

// Main is `cairn __confine PATH ARGV...`: it reads the Spec from the
// environment, removes it, and executes PATH in the confined root. It
// returns only on failure.
func Main(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: cairn __confine PATH ARGV0 [ARG...]")
	}
	raw, ok := os.LookupEnv(EnvVar)
	if !ok {
		return fmt.Errorf("%s is not set", EnvVar)
	}
	var s Spec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return fmt.Errorf("%s: %w", EnvVar, err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvVar+"=") {
			env = append(env, kv)
		}
	}
	return Exec(&s, args[0], args[1:], env)
}

// Exec confines the calling process as s says and executes path with
// argv and env; it returns only on failure. It needs CAP_SYS_ADMIN.
func Exec(s *Spec, path string, argv, env []string) error {
	// The namespace is this thread's; the thread executes the program,
	// which replaces the whole process.
	runtime.LockOSThread()
	if err := setup(s); err != nil {
		return err
	}
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("executing %s in %s: %w", path, s.Root, err)
	}
	return nil
}

func setup(s *Spec) error {
	if !filepath.IsAbs(s.Root) {
		return fmt.Errorf("RootDirectory=%s is not absolute", s.Root)
	}
	if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_FS); err != nil {
		return fmt.Errorf("making a mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	root, err := filepath.EvalSymlinks(s.Root)
	if err != nil {
		return fmt.Errorf("RootDirectory=: %w", err)
	}
	// The root is a mount of its own, so that it can be pivoted into.
	if err := unix.Mount(root, root, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("RootDirectory=%s: %w", s.Root, err)
	}
	// Read-only, so that nothing (not even root, nor a missing mount
	// point made below) writes into the store path.
	if err := unix.Mount("", root, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("making RootDirectory=%s read-only: %w", s.Root, err)
	}
	if s.APIVFS {
		for _, m := range []struct {
			target, fstype, source string
			flags                  uintptr
			data                   string
		}{
			{"proc", "proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
			{"sys", "", "/sys", unix.MS_BIND | unix.MS_REC, ""},
			{"dev", "", "/dev", unix.MS_BIND | unix.MS_REC, ""},
			{"run", "tmpfs", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=0755"},
		} {
			if err := mountAt(root, m.target, m.source, m.fstype, m.flags, m.data); err != nil {
				return err
			}
		}
	}
	if s.PrivateTmp {
		for _, t := range []string{"tmp", "var/tmp"} {
			if err := mountAt(root, t, "tmpfs", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
				return err
			}
		}
	}
	// After the API file systems and /tmp, so that a bind below /run
	// (RuntimeDirectory=) is not hidden by the fresh /run.
	for _, b := range s.Binds {
		if err := bind(root, b); err != nil {
			return err
		}
	}
	// pivot_root(".", ".") stacks the old root on the new one; detaching
	// it leaves nothing of the host reachable.
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivoting into %s: %w", s.Root, err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detaching the host's root: %w", err)
	}
	dir := s.Dir
	if dir == "" {
		dir = "/"
	}
	if err := unix.Chdir(dir); err != nil {
		return fmt.Errorf("WorkingDirectory=%s: %w", dir, err)
	}
	if s.UID >= 0 {
		groups := make([]int, len(s.Groups))
		for i, g := range s.Groups {
			groups[i] = int(g)
		}
		if err := syscall.Setgroups(groups); err != nil {
			return fmt.Errorf("setting groups: %w", err)
		}
		if err := syscall.Setgid(s.GID); err != nil {
			return fmt.Errorf("setting group %d: %w", s.GID, err)
		}
		if err := syscall.Setuid(s.UID); err != nil {
			return fmt.Errorf("setting user %d: %w", s.UID, err)
		}
	}
	return nil
}

// target returns the host path of rel in root. A missing folder is made
// where that is possible (below /run or /tmp, fresh file systems); the
// root itself is read-only, so its mount points must be in it.
func target(root, rel, what string) (string, error) {
	t := filepath.Join(root, rel)
	if _, err := os.Stat(t); errors.Is(err, os.ErrNotExist) {
		os.MkdirAll(t, 0o755) // the error, if any, is the Stat below
	}
	if _, err := os.Stat(t); err != nil {
		return "", fmt.Errorf("%s: RootDirectory= has no mount point /%s: %w", what, strings.TrimPrefix(rel, "/"), err)
	}
	return t, nil
}

func bind(root string, b Bind) error {
	if _, err := os.Stat(b.Source); err != nil {
		if b.Optional && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("BindPaths=%s: %w", b.Source, err)
	}
	t, err := target(root, b.Target, "BindPaths="+b.Source+":"+b.Target)
	if err != nil {
		return err
	}
	if err := unix.Mount(b.Source, t, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("binding %s at %s: %w", b.Source, b.Target, err)
	}
	if b.ReadOnly {
		if err := unix.Mount("", t, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
			return fmt.Errorf("making %s read-only: %w", b.Target, err)
		}
	}
	return nil
}

func mountAt(root, rel, source, fstype string, flags uintptr, data string) error {
	t, err := target(root, rel, "MountAPIVFS=/PrivateTmp=")
	if err != nil {
		return err
	}
	if err := unix.Mount(source, t, fstype, flags, data); err != nil {
		return fmt.Errorf("mounting /%s: %w", rel, err)
	}
	return nil
}
