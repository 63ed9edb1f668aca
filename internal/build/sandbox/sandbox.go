// Package sandbox runs a derivation's builder in a Linux sandbox as Nix 2.8
// does: new mount, PID, IPC and UTS namespaces (and a network namespace
// holding only a loopback interface, unless the derivation is fixed-output),
// a fresh root on a tmpfs that shows only the input closure, the configured
// sandbox paths, /build, a minimal /dev, a new /proc and Nix's /etc files,
// and the environment Nix sets. The builder runs as an unprivileged build
// user and is PID 1 of its namespace; killing it ends every process of the
// build.
//
// The namespaces are made by the kernel when the child is cloned; the Go
// runtime cannot enter them safely once it runs threads. So Run starts the
// current executable again (/proc/self/exe) with the clone flags set, and
// that process, recognised by Init before anything else runs, prepares the
// mounts, pivots into the new root, drops its privileges and executes the
// builder. Commands that build must call Init first thing in main.
//
// Outputs are written to a scratch directory in the real store directory
// that the sandbox sees as its store directory; they are moved into the
// store only after the builder succeeded, so a failed or cancelled build
// leaves nothing behind.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The build user when Spec leaves it unset: the uid and gid of Nix's first
// build user (nixbld1) and its group (nixbld) as Nix's installer makes them.
const (
	DefaultUID = 30001
	DefaultGID = 30000
)

// Spec describes one build.
type Spec struct {
	Builder string   // absolute path inside the sandbox
	Args    []string // arguments after argv[0] (which is the builder's base name, as in Nix)

	// Env is the derivation's environment; the sandbox adds Nix's own
	// variables (see Environ).
	Env map[string]string

	StoreDir     string   // logical store directory, such as /nix/store
	RealStoreDir string   // where that store lives on this host, such as ROOT/nix/store
	Inputs       []string // logical store paths of the input closure: visible read-only
	Outputs      []string // logical output paths the builder must create

	// Paths are extra paths visible read-only in the sandbox, target inside
	// -> source on the host (Nix's sandbox-paths); DefaultPaths gives /bin/sh
	// and its closure. Sources are resolved on the host; targets must not
	// pass through symlinks of the sandbox.
	Paths map[string]string

	// Network marks a fixed-output derivation: the builder shares the
	// host's network namespace and sees its /etc/resolv.conf, /etc/services
	// and /etc/hosts, and gets NIX_OUTPUT_CHECKED=1 and the host values of
	// the variables named in the impureEnvVars attribute.
	Network bool

	Cores int // NIX_BUILD_CORES, passed as it is (0: the builder may use all)

	// BuildFiles are written into the build directory before the builder
	// starts (exportReferencesGraph, .attrs.json), owned by the build user.
	BuildFiles map[string][]byte

	UID, GID int // the build user; 0 means DefaultUID and DefaultGID

	Log io.Writer // the builder's stdout and stderr; nil discards them
}

// ExitError reports a builder that did not exit with status 0.
type ExitError struct {
	Builder string
	Code    int            // exit code, or -1 when killed by a signal
	Signal  syscall.Signal // the signal that killed it, if Code is -1
}

func (e *ExitError) Error() string {
	if e.Code < 0 {
		return fmt.Sprintf("builder %s was killed by signal %d (%v)", e.Builder, int(e.Signal), e.Signal)
	}
	return fmt.Sprintf("builder %s failed with exit code %d", e.Builder, e.Code)
}

// Environ returns the builder's environment for spec as NAME=VALUE
// strings sorted by name, exactly as Nix 2.8 sets it (see Run).
func Environ(spec *Spec) []string {
	env, _ := environ(spec, os.Getenv)
	return env
}

// Run runs spec's builder in a sandbox and waits for it. On success every
// output exists in RealStoreDir, owned by the build user (the store
// canonicalises it when it registers it). On failure, including a
// cancelled ctx, which kills the whole build at once, no output is left in
// RealStoreDir. Run needs root.
func Run(ctx context.Context, spec *Spec) (err error) {
	if err := check(spec); err != nil {
		return err
	}
	uid, gid := spec.UID, spec.GID
	if uid == 0 {
		uid = DefaultUID
	}
	if gid == 0 {
		gid = DefaultGID
	}
	for _, out := range spec.Outputs {
		if _, err := os.Lstat(filepath.Join(spec.RealStoreDir, path.Base(out))); err == nil {
			return fmt.Errorf("sandbox: output %s already exists in %s", out, spec.RealStoreDir)
		}
	}

	// The host side: the work directory holds the build and tmp
	// directories and the mount point of the new root; the scratch store
	// lies in the real store directory so outputs can be renamed into it.
	work, err := os.MkdirTemp("", "cairn-build-")
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	// Both are mode 0700, so no other user of the host reaches into a
	// build, or an output before the store canonicalises it.
	scratchTop, err := os.MkdirTemp(spec.RealStoreDir, ".cairn-build-")
	if err != nil {
		os.RemoveAll(work)
		return fmt.Errorf("sandbox: %w", err)
	}
	defer func() {
		if cerr := cleanup(work, scratchTop); cerr != nil && err == nil {
			err = cerr
		}
	}()
	scratch := filepath.Join(scratchTop, "store")
	if err := os.Mkdir(scratch, 0o700); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}

	env, files := environ(spec, os.Getenv)
	for name, data := range spec.BuildFiles {
		files[name] = data
	}
	cfg, err := prepare(spec, work, scratch, uid, gid, env, files)
	if err != nil {
		return err
	}
	if err := start(ctx, spec, cfg); err != nil {
		return err
	}
	return moveOutputs(spec, scratch)
}

func check(spec *Spec) error {
	if os.Geteuid() != 0 {
		return errors.New("sandbox: building in a sandbox needs root")
	}
	if !path.IsAbs(spec.Builder) && !IsBuiltin(spec.Builder) {
		return fmt.Errorf("sandbox: builder %q is not an absolute path", spec.Builder)
	}
	if !path.IsAbs(spec.StoreDir) || path.Clean(spec.StoreDir) != spec.StoreDir || spec.StoreDir == "/" {
		return fmt.Errorf("sandbox: store directory %q is not a clean absolute path", spec.StoreDir)
	}
	if fi, err := os.Stat(spec.RealStoreDir); err != nil {
		return fmt.Errorf("sandbox: real store directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("sandbox: real store directory %s is not a directory", spec.RealStoreDir)
	}
	if len(spec.Outputs) == 0 {
		return errors.New("sandbox: no outputs")
	}
	seen := map[string]string{}
	for _, p := range append(append([]string(nil), spec.Outputs...), spec.Inputs...) {
		dir, base := path.Split(p)
		if path.Clean(dir) != spec.StoreDir || base == "" || base[0] == '.' {
			return fmt.Errorf("sandbox: %q is not a path in %s", p, spec.StoreDir)
		}
		if prev, dup := seen[base]; dup && prev != p {
			return fmt.Errorf("sandbox: %s is both an input and an output", p)
		}
		seen[base] = p
	}
	for target, source := range spec.Paths {
		if !path.IsAbs(target) || path.Clean(target) != target || target == "/" {
			return fmt.Errorf("sandbox: sandbox path target %q is not a clean absolute path", target)
		}
		if source == "" {
			return fmt.Errorf("sandbox: sandbox path %s has no source", target)
		}
	}
	return nil
}

// prepare makes the host directories and the configuration the sandbox's
// init reads.
func prepare(spec *Spec, work, scratch string, uid, gid int, env []string, files map[string][]byte) (*config, error) {
	build := filepath.Join(work, "build")
	tmp := filepath.Join(work, "tmp")
	root := filepath.Join(work, "root")
	for _, d := range []string{build, tmp, root} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	for name, data := range files {
		if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
			return nil, fmt.Errorf("sandbox: build file name %q is not a plain name", name)
		}
		f := filepath.Join(build, name)
		if err := os.WriteFile(f, data, 0o600); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		if err := os.Chown(f, uid, gid); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	// As Nix: the build directory belongs to the build user; /tmp is
	// world-writable and sticky; the store is writable by the build group
	// and sticky, so the builder can add its outputs but remove nothing.
	if err := os.Chown(build, uid, gid); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := os.Chmod(tmp, os.ModeSticky|0o777); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := os.Chown(scratch, 0, gid); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := os.Chmod(scratch, os.ModeSticky|0o775); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}

	cfg := &config{
		Root: root, Build: build, Tmp: tmp, Store: scratch, StoreDir: spec.StoreDir,
		Network: spec.Network, UID: uid, GID: gid,
		Builder: spec.Builder, Args: append([]string{path.Base(spec.Builder)}, spec.Args...), Env: env,
		Files: map[string]string{
			"/etc/group": fmt.Sprintf("root:x:0:\nnixbld:!:%d:\nnogroup:x:65534:\n", gid),
			"/etc/passwd": fmt.Sprintf("root:x:0:0:Nix build user:%[3]s:/noshell\n"+
				"nixbld:x:%[1]d:%[2]d:Nix build user:%[3]s:/noshell\n"+
				"nobody:x:65534:65534:Nobody:/:/noshell\n", uid, gid, BuildDir),
		},
	}
	if spec.Network {
		cfg.Files["/etc/nsswitch.conf"] = "hosts: files dns\nservices: files\n"
	} else {
		cfg.Files["/etc/hosts"] = "127.0.0.1 localhost\n::1 localhost\n"
	}
	for _, in := range spec.Inputs {
		src := filepath.Join(spec.RealStoreDir, path.Base(in))
		if _, err := os.Lstat(src); err != nil {
			return nil, fmt.Errorf("sandbox: input %s: %w", in, err)
		}
		cfg.Inputs = append(cfg.Inputs, bind{Target: in, Source: src})
	}
	for target, source := range spec.Paths {
		cfg.Paths = append(cfg.Paths, bind{Target: target, Source: source})
	}
	sort.Slice(cfg.Paths, func(i, j int) bool { return cfg.Paths[i].Target < cfg.Paths[j].Target })
	return cfg, nil
}

// start runs the sandbox's init and waits for the builder.
func start(ctx context.Context, spec *Spec, cfg *config) error {
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer cfgR.Close()
	defer cfgW.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	defer statusR.Close()
	defer statusW.Close()

	cmd := exec.CommandContext(ctx, "/proc/self/exe")
	cmd.Args = []string{"cairn-sandbox-init"}
	cmd.Env = []string{initEnv + "=1"}
	log := spec.Log
	if log == nil {
		log = io.Discard
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.ExtraFiles = []*os.File{cfgR, statusW} // fds 3 and 4
	flags := uintptr(unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS)
	if !spec.Network {
		flags |= unix.CLONE_NEWNET
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: flags, Setsid: true, Pdeathsig: syscall.SIGKILL}
	// The builder is PID 1 of its namespace: killing it kills every
	// process of the build, and the kernel reaps them before Wait returns.
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sandbox: starting the sandbox: %w", err)
	}
	cfgR.Close()
	statusW.Close()
	// The init reads the whole configuration before it writes anything; an
	// init that died early shows in its status and exit.
	_ = json.NewEncoder(cfgW).Encode(cfg)
	cfgW.Close()
	// The status pipe closes on the builder's exec; anything written to it
	// is an error setting up the sandbox.
	status, _ := io.ReadAll(statusR)
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("sandbox: build of %s cancelled: %w", strings.Join(spec.Outputs, ", "), ctx.Err())
	}
	if len(status) > 0 {
		return fmt.Errorf("sandbox: setting up the build environment: %s", bytes.TrimSpace(status))
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return &ExitError{Builder: spec.Builder, Code: -1, Signal: ws.Signal()}
		}
		return &ExitError{Builder: spec.Builder, Code: ws.ExitStatus()}
	}
	if werr != nil {
		return fmt.Errorf("sandbox: %w", werr)
	}
	return nil
}

// moveOutputs renames every output from the scratch store into the real
// store, all or none, after clearing setuid and setgid bits (Nix forbids
// them with a seccomp filter; the store canonicalises the rest).
func moveOutputs(spec *Spec, scratch string) error {
	for _, out := range spec.Outputs {
		if err := clearSetID(filepath.Join(scratch, path.Base(out))); err != nil {
			return fmt.Errorf("sandbox: output %s: %w", out, err)
		}
	}
	var moved [][2]string
	undo := func() {
		for _, m := range moved {
			os.Rename(m[1], m[0])
		}
	}
	for _, out := range spec.Outputs {
		src := filepath.Join(scratch, path.Base(out))
		dst := filepath.Join(spec.RealStoreDir, path.Base(out))
		if _, err := os.Lstat(src); err != nil {
			undo()
			return fmt.Errorf("sandbox: builder %s failed to produce output path %s", spec.Builder, out)
		}
		if err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE); err != nil {
			undo()
			return fmt.Errorf("sandbox: moving output %s into %s: %w", out, spec.RealStoreDir, err)
		}
		moved = append(moved, [2]string{src, dst})
	}
	return nil
}

// clearSetID removes the setuid and setgid bits below root. A missing root
// is left for moveOutputs to report.
func clearSetID(root string) error {
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if m := fi.Mode(); m&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			return os.Chmod(p, m&^(fs.ModeSetuid|fs.ModeSetgid))
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// cleanup removes the host directories of a build, refusing to if a mount
// is still below one of them (it would remove what the mount shows).
func cleanup(dirs ...string) error {
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		for _, d := range dirs {
			if mp == d || strings.HasPrefix(mp, d+"/") {
				return fmt.Errorf("sandbox: not removing %s: %s is still mounted", d, mp)
			}
		}
	}
	var errs []error
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sandbox: removing the build directories: %w", err)
	}
	return nil
}

// unescapeMount undoes the octal escapes of /proc/self/mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
