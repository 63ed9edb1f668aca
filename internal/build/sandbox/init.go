package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// initEnv marks the process Run starts as the sandbox's init.
const initEnv = "CAIRN_SANDBOX_INIT"

// The descriptors Run passes to the init.
const (
	configFD = 3 // the JSON config, read to its end
	statusFD = 4 // close-on-exec: an error message, or nothing if the builder started
)

// config is what the sandbox's init needs; Run sends it as JSON.
type config struct {
	Root     string // host directory the new root's tmpfs is mounted on
	Build    string // host directory that becomes BuildDir
	Tmp      string // host directory that becomes /tmp
	Store    string // host scratch directory that becomes StoreDir
	StoreDir string
	Inputs   []bind
	Paths    []bind
	Files    map[string]string // files written into the new root
	Network  bool
	UID, GID int
	Builder  string
	Args     []string // argv, argv[0] included
	Env      []string
}

type bind struct{ Target, Source string }

// addrNoRandomize is ADDR_NO_RANDOMIZE of personality(2).
const addrNoRandomize = 0x0040000

// Init turns the process into a sandbox's init when Run started it, and
// then never returns: it sets up the sandbox and executes the builder, or
// reports why it could not and exits. In any other process it returns at
// once. Commands that run builds call it first thing in main, before any
// other work; tests of packages that build call it from TestMain.
func Init() { InitBuiltins(nil) }

// BuiltinFunc runs a builtin builder (a Builder named "builtin:...")
// inside the sandbox, after privileges are dropped, in place of executing
// a program: env is the build's environment, storeDir the store directory
// (inside the sandbox, where the inputs are and the outputs go), inputs the
// store paths visible.
type BuiltinFunc func(builder string, env map[string]string, storeDir string, inputs []string) error

// InitBuiltins is Init for a program that provides builtin builders: they
// run in the sandbox like any builder, with its namespaces, its root and
// the build user.
func InitBuiltins(builtins BuiltinFunc) {
	if os.Getenv(initEnv) != "1" {
		return
	}
	// The personality, no_new_privs and the parent-death signal belong to
	// a thread, and exec keeps those of the thread that calls it: all of
	// the set-up runs on this one.
	runtime.LockOSThread()
	var st unix.Stat_t
	if unix.Fstat(configFD, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO ||
		unix.Fstat(statusFD, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		fmt.Fprintf(os.Stderr, "cairn: %s is set but this process was not started by the build sandbox\n", initEnv)
		os.Exit(2)
	}
	unix.CloseOnExec(configFD)
	unix.CloseOnExec(statusFD)
	status := os.NewFile(statusFD, "status")
	err := runInit(builtins, status)
	fmt.Fprintln(status, err)
	os.Exit(1)
}

// runInit returns only on failure.
func runInit(builtins BuiltinFunc, status *os.File) error {
	f := os.NewFile(configFD, "config")
	var cfg config
	err := json.NewDecoder(f).Decode(&cfg)
	f.Close()
	if err != nil {
		return fmt.Errorf("reading the sandbox configuration: %w", err)
	}
	if err := setup(&cfg); err != nil {
		return err
	}
	if IsBuiltin(cfg.Builder) {
		if builtins == nil {
			return fmt.Errorf("builder '%s' is not available in this program", cfg.Builder)
		}
		if err := dropPrivileges(&cfg); err != nil {
			return err
		}
		// The builder has started: the status pipe closes, as exec would.
		status.Close()
		env := map[string]string{}
		for _, kv := range cfg.Env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		inputs := make([]string, len(cfg.Inputs))
		for i, in := range cfg.Inputs {
			inputs[i] = in.Target
		}
		if err := builtins(cfg.Builder, env, cfg.StoreDir, inputs); err != nil {
			fmt.Fprintf(os.Stderr, "error: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	return enter(&cfg)
}

// IsBuiltin reports whether a builder is a builtin one ("builtin:NAME").
func IsBuiltin(builder string) bool { return strings.HasPrefix(builder, "builtin:") }

// setup builds the sandbox's root in the new mount namespace, as Nix's
// LocalDerivationGoal::runChild does, and pivots into it.
func setup(cfg *config) error {
	// Nothing mounted below may propagate to the host, whatever the
	// propagation of the host's mounts.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	if !cfg.Network {
		if err := loopbackUp(); err != nil {
			return err
		}
	}
	if err := unix.Sethostname([]byte("localhost")); err != nil {
		return fmt.Errorf("setting the host name: %w", err)
	}
	if err := unix.Setdomainname([]byte("(none)")); err != nil {
		return fmt.Errorf("setting the domain name: %w", err)
	}

	root := cfg.Root
	if err := unix.Mount("tmpfs", root, "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mounting the root tmpfs on %s: %w", root, err)
	}
	for _, d := range []string{"/etc", "/dev", "/proc", BuildDir, "/tmp"} {
		if err := os.Mkdir(root+d, 0o755); err != nil {
			return err
		}
	}
	for name, data := range cfg.Files {
		if _, err := target(root, name, false); err != nil {
			return err
		}
		if err := os.WriteFile(root+name, []byte(data), 0o644); err != nil {
			return err
		}
	}

	// The store: the scratch directory, writable, with the inputs mounted
	// read-only in it.
	t, err := target(root, cfg.StoreDir, true)
	if err != nil {
		return err
	}
	if err := bindMount(cfg.Store, t, false); err != nil {
		return err
	}
	for _, in := range cfg.Inputs {
		if err := bindInput(root, in); err != nil {
			return err
		}
	}
	for _, b := range []bind{{BuildDir, cfg.Build}, {"/tmp", cfg.Tmp}} {
		if err := bindMount(b.Source, root+b.Target, false); err != nil {
			return err
		}
	}

	// A minimal /dev, unless the sandbox paths bring their own.
	ownDev := false
	for _, p := range cfg.Paths {
		ownDev = ownDev || p.Target == "/dev"
	}
	if !ownDev {
		if err := makeDev(root); err != nil {
			return err
		}
	}
	// Fixed-output derivations resolve names as the host does.
	if cfg.Network {
		for _, p := range []string{"/etc/resolv.conf", "/etc/services", "/etc/hosts"} {
			if _, err := os.Stat(p); err == nil {
				cfg.Paths = append(cfg.Paths, bind{p, p})
			}
		}
	}
	for _, p := range cfg.Paths {
		fi, err := os.Stat(p.Source)
		if err != nil {
			return fmt.Errorf("sandbox path %s: %w", p.Target, err)
		}
		t, err := target(root, p.Target, fi.IsDir())
		if err != nil {
			return err
		}
		if err := bindMount(p.Source, t, true); err != nil {
			return err
		}
	}

	if err := unix.Mount("proc", root+"/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	if !ownDev {
		if err := makeDevMounts(root); err != nil {
			return err
		}
	}

	// pivot_root into the new root and drop the old one.
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.Mkdir("real-root", 0); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "real-root"); err != nil {
		return fmt.Errorf("pivot_root to %s: %w", root, err)
	}
	if err := unix.Chroot("."); err != nil {
		return err
	}
	if err := unix.Unmount("/real-root", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmounting the old root: %w", err)
	}
	if err := unix.Rmdir("/real-root"); err != nil {
		return err
	}
	return unix.Chdir(BuildDir)
}

// enter drops root and executes the builder.
func enter(cfg *config) error {
	if err := dropPrivileges(cfg); err != nil {
		return err
	}
	err := syscall.Exec(cfg.Builder, cfg.Args, cfg.Env)
	return fmt.Errorf("executing '%s': %w", cfg.Builder, err)
}

// dropPrivileges sets the builder's process up as Nix does and becomes the
// build user.
func dropPrivileges(cfg *config) error {
	// Nix disables address space randomisation and core dumps for
	// determinism, and builds with umask 022.
	if cur, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0); errno == 0 {
		unix.RawSyscall(unix.SYS_PERSONALITY, cur|addrNoRandomize, 0, 0)
	}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: unix.RLIM_INFINITY}); err != nil {
		return fmt.Errorf("disabling core dumps: %w", err)
	}
	unix.Umask(0o022)

	// syscall's Setgroups, Setgid and Setuid change every thread of the
	// process; the builder keeps no capability and cannot regain any.
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(cfg.GID); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(cfg.UID); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	if os.Getuid() != cfg.UID || os.Geteuid() != cfg.UID || os.Getgid() != cfg.GID {
		return errors.New("dropping privileges did not take")
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("setting no_new_privs: %w", err)
	}
	// Changing credentials cleared the parent-death signal; the build must
	// still die with the process that runs it.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return fmt.Errorf("setting the parent-death signal: %w", err)
	}
	return nil
}

func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cannot open IP socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	ifr.SetUint16(unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("cannot set loopback interface flags: %w", err)
	}
	return nil
}

// target makes the place to mount on at p below root: the missing parent
// directories, and a directory or an empty file. It refuses a path that
// passes through a symlink or something else than a directory.
func target(root, p string, dir bool) (string, error) {
	cur := root
	parts := strings.Split(strings.TrimPrefix(path.Clean(p), "/"), "/")
	for i, part := range parts {
		cur = filepath.Join(cur, part)
		last := i == len(parts)-1
		fi, err := os.Lstat(cur)
		switch {
		case err == nil && fi.Mode()&os.ModeSymlink != 0:
			return "", fmt.Errorf("sandbox path %s passes through the symlink %s", p, strings.TrimPrefix(cur, root))
		case err == nil && !last && !fi.IsDir():
			return "", fmt.Errorf("sandbox path %s: %s is not a directory", p, strings.TrimPrefix(cur, root))
		case err == nil:
		case !errors.Is(err, os.ErrNotExist):
			return "", err
		case !last || dir:
			if err := os.Mkdir(cur, 0o755); err != nil {
				return "", err
			}
		default:
			if err := os.WriteFile(cur, nil, 0o644); err != nil {
				return "", err
			}
		}
	}
	return cur, nil
}

// bindMount mounts source (and the mounts below it) on t, read-only if ro.
func bindMount(source, t string, ro bool) error {
	if err := unix.Mount(source, t, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind mount from '%s' to '%s' failed: %w", source, t, err)
	}
	if ro {
		if err := unix.Mount("", t, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("making '%s' read-only: %w", t, err)
		}
	}
	return nil
}

// bindInput makes a store path of the input closure visible read-only in
// the sandbox's store; a symlink is copied.
func bindInput(root string, in bind) error {
	fi, err := os.Lstat(in.Source)
	if err != nil {
		return fmt.Errorf("input %s: %w", in.Target, err)
	}
	dst := root + in.Target
	if fi.Mode()&os.ModeSymlink != 0 {
		link, err := os.Readlink(in.Source)
		if err != nil {
			return err
		}
		return os.Symlink(link, dst)
	}
	t, err := target(root, in.Target, fi.IsDir())
	if err != nil {
		return err
	}
	return bindMount(in.Source, t, true)
}

// makeDev fills /dev as Nix does: the harmless devices of the host,
// /dev/kvm if the host has it, the descriptor links, and mount points for
// /dev/shm and /dev/pts.
func makeDev(root string) error {
	for _, d := range []string{"/dev/shm", "/dev/pts"} {
		if err := os.Mkdir(root+d, 0o755); err != nil {
			return err
		}
	}
	for _, dev := range []string{"/dev/full", "/dev/kvm", "/dev/null", "/dev/random", "/dev/tty", "/dev/urandom", "/dev/zero"} {
		if _, err := os.Stat(dev); err != nil {
			continue
		}
		if err := os.WriteFile(root+dev, nil, 0o644); err != nil {
			return err
		}
		if err := bindMount(dev, root+dev, false); err != nil {
			return err
		}
	}
	for name, link := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := os.Symlink(link, root+"/dev/"+name); err != nil {
			return err
		}
	}
	return nil
}

// makeDevMounts mounts a private /dev/shm and, where the kernel has them,
// a new instance of devpts.
func makeDevMounts(root string) error {
	if _, err := os.Stat("/dev/shm"); err == nil {
		if err := unix.Mount("none", root+"/dev/shm", "tmpfs", 0, "size=50%"); err != nil {
			return fmt.Errorf("mounting /dev/shm: %w", err)
		}
	}
	if _, err := os.Stat("/dev/pts/ptmx"); err != nil {
		return nil
	}
	err := unix.Mount("none", root+"/dev/pts", "devpts", 0, "newinstance,mode=0620")
	if err == nil {
		if err := os.Symlink("/dev/pts/ptmx", root+"/dev/ptmx"); err != nil {
			return err
		}
		return os.Chmod(root+"/dev/pts/ptmx", 0o666)
	}
	if !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("mounting /dev/pts: %w", err)
	}
	if err := bindMount("/dev/pts", root+"/dev/pts", false); err != nil {
		return err
	}
	if err := os.WriteFile(root+"/dev/ptmx", nil, 0o644); err != nil {
		return err
	}
	return bindMount("/dev/ptmx", root+"/dev/ptmx", false)
}
