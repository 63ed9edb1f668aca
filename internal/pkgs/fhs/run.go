package fhs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Mount is a host folder made visible in the root.
type Mount struct {
	Source   string // host folder
	Target   string // absolute path in the root
	Writable bool
}

// Spec is one command to run in a root made of packages.
type Spec struct {
	Packages []Package
	// Etc is the host folder mounted read-only at /etc (the generation's
	// etc). Empty: /etc holds the packages' /etc files and a minimal
	// passwd, group and hosts.
	Etc string
	// Mounts are further folders, e.g. the state folder, writable.
	Mounts []Mount
	Args   []string // the command; a name without "/" is searched in PATH of Env
	Env    []string
	Dir    string // working folder in the root; "/" if empty
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// DefaultPath is the PATH of a Debian root.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Minimal /etc files when Spec.Etc is empty: the users Debian's
// base-passwd makes that daemons run as.
const (
	minimalPasswd = "root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	minimalGroup  = "root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n"
	minimalHosts  = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
)

// Run runs s.Args in a new mount namespace whose root is the union of
// s.Packages and returns when it exits: nil on status 0, an
// *exec.ExitError otherwise. It needs CAP_SYS_ADMIN (root).
func Run(ctx context.Context, s *Spec) error {
	if len(s.Args) == 0 {
		return errors.New("no command to run")
	}
	reserved := []string{"proc", "dev", "tmp", "run"}
	if s.Etc != "" {
		reserved = append(reserved, "etc")
	} else {
		reserved = append(reserved, "etc/passwd", "etc/group", "etc/hosts")
	}
	for _, m := range s.Mounts {
		if !path.IsAbs(m.Target) || path.Clean(m.Target) == "/" {
			return fmt.Errorf("mount target %q is not an absolute path below /", m.Target)
		}
		reserved = append(reserved, strings.TrimPrefix(path.Clean(m.Target), "/"))
	}
	plan, err := Layout(s.Packages, reserved)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "cairn-run-")
	if err != nil {
		return err
	}
	defer os.Remove(root) // only the empty mount point is on the host
	errc := make(chan error, 1)
	go func() {
		// The namespace belongs to this thread alone; it is never
		// unlocked, so the runtime ends the thread (and the namespace
		// with it) when the goroutine returns.
		runtime.LockOSThread()
		errc <- runIn(ctx, s, plan, root)
	}()
	return <-errc
}

// runIn runs on its own thread: it unshares the mount namespace, builds
// the root, pivots into it and runs the command.
func runIn(ctx context.Context, s *Spec, plan *Plan, root string) error {
	if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_FS); err != nil {
		return fmt.Errorf("making a mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	if err := build(s, plan, root); err != nil {
		return err
	}
	if err := pivot(root); err != nil {
		return err
	}
	argv0, err := lookPath(s.Args[0], s.Env)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, argv0)
	cmd.Args = s.Args
	cmd.Env = s.Env
	cmd.Dir = s.Dir
	if cmd.Dir == "" {
		cmd.Dir = "/"
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s.Stdin, s.Stdout, s.Stderr
	return cmd.Run()
}

// build makes the root in a tmpfs at root.
func build(s *Spec, plan *Plan, root string) error {
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return fmt.Errorf("mounting the root tmpfs: %w", err)
	}
	for _, st := range plan.Steps {
		dst := filepath.Join(root, st.Target)
		var err error
		switch st.Kind {
		case Dir:
			err = os.Mkdir(dst, 0o755)
		case Symlink:
			err = os.Symlink(st.Source, dst)
		case Bind:
			if err = os.Mkdir(dst, 0o755); err == nil {
				err = bind(st.Source, dst, false)
			}
		}
		if err != nil {
			return fmt.Errorf("building the root: %s: %w", st, err)
		}
	}
	// The store paths at their own place, for the links into them.
	for _, p := range s.Packages {
		dst := filepath.Join(root, p.Path)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return fmt.Errorf("building the root: %s: %w", p.Path, err)
		}
		if err := bind(p.Real, dst, false); err != nil {
			return fmt.Errorf("building the root: %s: %w", p.Path, err)
		}
	}
	mounts := []struct {
		target, fstype, source string
		flags                  uintptr
		data                   string
	}{
		{"proc", "proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
		{"dev", "", "/dev", unix.MS_BIND | unix.MS_REC, ""},
		{"tmp", "tmpfs", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
		{"run", "tmpfs", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=0755"},
	}
	for _, m := range mounts {
		dst := filepath.Join(root, m.target)
		if err := os.Mkdir(dst, 0o755); err != nil {
			return fmt.Errorf("building the root: /%s: %w", m.target, err)
		}
		if err := unix.Mount(m.source, dst, m.fstype, m.flags, m.data); err != nil {
			return fmt.Errorf("mounting /%s: %w", m.target, err)
		}
	}
	if s.Etc != "" {
		dst := filepath.Join(root, "etc")
		if err := os.Mkdir(dst, 0o755); err != nil {
			return fmt.Errorf("building the root: /etc: %w", err)
		}
		if err := bind(s.Etc, dst, false); err != nil {
			return fmt.Errorf("mounting /etc from %s: %w", s.Etc, err)
		}
	} else {
		for name, text := range map[string]string{"passwd": minimalPasswd, "group": minimalGroup, "hosts": minimalHosts} {
			if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(text), 0o644); err != nil {
				return fmt.Errorf("building the root: %w", err)
			}
		}
	}
	for _, m := range s.Mounts {
		dst := filepath.Join(root, m.Target)
		if err := os.Mkdir(dst, 0o755); err != nil {
			return fmt.Errorf("building the root: %s: %w", m.Target, err)
		}
		if err := bind(m.Source, dst, m.Writable); err != nil {
			return fmt.Errorf("mounting %s at %s: %w", m.Source, m.Target, err)
		}
	}
	return nil
}

// bind mounts the host folder src at dst, read-only unless writable.
func bind(src, dst string, writable bool) error {
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if writable {
		return nil
	}
	return unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, "")
}

// pivot makes root the root of this thread's namespace and detaches the
// old one, so nothing of the host's tree stays reachable.
func pivot(root string) error {
	old := filepath.Join(root, ".old-root")
	if err := os.Mkdir(old, 0o700); err != nil {
		return fmt.Errorf("pivoting: %w", err)
	}
	if err := unix.PivotRoot(root, old); err != nil {
		return fmt.Errorf("pivoting into the root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount("/.old-root", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detaching the host's root: %w", err)
	}
	if err := os.Remove("/.old-root"); err != nil {
		return err
	}
	// The tmpfs is read-only from now on; /tmp, /run and the writable
	// mounts are the places to write.
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("making the root read-only: %w", err)
	}
	return nil
}

// lookPath finds name in the root as a shell would, in PATH of env.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	p := DefaultPath
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			p = v
		}
	}
	for _, dir := range filepath.SplitList(p) {
		if dir == "" {
			continue
		}
		f := filepath.Join(dir, name)
		var st unix.Stat_t
		if unix.Stat(f, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && unix.Access(f, unix.X_OK) == nil {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH=%s of the packages' root", name, p)
}
