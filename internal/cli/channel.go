package cli

import (
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/local"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"cairn.dev/cairn/internal/pkgs/channel"
	"cairn.dev/cairn/internal/pkgs/debian"
)

const channelUsage = `usage: cairn channel add NAME --suite SUITE [--mirror URL] [--component C]... [--arch ARCH] [--root DIR]
       cairn channel update [NAME]... [--root DIR]
       cairn channel list

Channels are Debian suites that packages come from. 'add' fetches the
suite's InRelease from the mirror (default: the host's apt mirror),
verifies its signature against the Debian archive keyring, fetches and
checks the Packages indexes, and pins them in cairn.lock beside the
configuration. 'update' re-pins channels to their suite's current state.
Each index is also a fixed-output store path (its storePath in the lock):
with --root DIR, add and update put it into the store under DIR, as
'cairn build' and 'cairn switch' do for the channels of a configuration.
The order of 'add' is the order of precedence: pkgs.NAME comes from the
first channel that has NAME.

Flags common to all: -c FILE (the configuration; cairn.lock is written in
its directory, default the current directory), --keyring FILE (default
` + debian.DefaultKeyring + `). Downloads are cached in
$XDG_CACHE_HOME/cairn/debian (or /var/cache/cairn/debian).
`

// channelFlags are the flags of channel and pkgs commands.
type channelFlags struct {
	config, keyring, suite, mirror, arch string
	root                                 string
	components                           []string
	closure                              bool
	args                                 []string
}

func parseChannelFlags(env *Env, args []string, usage string, extra map[string]bool) (*channelFlags, int) {
	f := &channelFlags{keyring: debian.DefaultKeyring}
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() (string, bool) {
			if i+1 >= len(args) {
				fmt.Fprintf(env.Stderr, "error: flag '%s' requires an argument\n%s", a, usage)
				return "", false
			}
			i++
			return args[i], true
		}
		var ok = true
		switch {
		case a == "-h" || a == "--help":
			fmt.Fprint(env.Stdout, usage)
			return nil, exitOK
		case a == "-c" || a == "--config":
			f.config, ok = val()
		case a == "--keyring":
			f.keyring, ok = val()
		case extra[a] && a == "--suite":
			f.suite, ok = val()
		case extra[a] && a == "--mirror":
			f.mirror, ok = val()
		case extra[a] && a == "--arch":
			f.arch, ok = val()
		case extra[a] && a == "--component":
			var c string
			c, ok = val()
			f.components = append(f.components, c)
		case extra[a] && a == "--root":
			f.root, ok = val()
		case extra[a] && a == "--closure":
			f.closure = true
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(env.Stderr, "error: unrecognised flag '%s'\n%s", a, usage)
			return nil, exitUsage
		default:
			f.args = append(f.args, a)
		}
		if !ok {
			return nil, exitUsage
		}
	}
	return f, -1
}

// lockPath returns cairn.lock beside the configuration.
func (f *channelFlags) lockPath(env *Env) string {
	dir := env.Dir
	if f.config != "" {
		c := f.config
		if !filepath.IsAbs(c) {
			c = filepath.Join(env.Dir, c)
		}
		dir = filepath.Dir(c)
	}
	return filepath.Join(dir, channel.LockName)
}

func runChannel(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, channelUsage)
		return exitUsage
	}
	sub, args := args[0], args[1:]
	if sub == "-h" || sub == "--help" {
		fmt.Fprint(env.Stdout, channelUsage)
		return exitOK
	}
	f, code := parseChannelFlags(env, args, channelUsage, map[string]bool{
		"--suite": sub == "add", "--mirror": sub == "add", "--arch": sub == "add", "--component": sub == "add",
		"--root": sub == "add" || sub == "update"})
	if code >= 0 {
		return code
	}
	lockPath := f.lockPath(env)
	lock, err := channel.ReadLock(lockPath)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	switch sub {
	case "list":
		if len(f.args) > 0 {
			fmt.Fprintf(env.Stderr, "error: unexpected argument '%s'\n%s", f.args[0], channelUsage)
			return exitUsage
		}
		for _, c := range lock.Channels {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.Suite, c.Mirror, strings.Join(c.Components, ","), c.Date.Format("2006-01-02T15:04:05Z"))
		}
		return exitOK
	case "add":
		if len(f.args) != 1 || f.suite == "" {
			fmt.Fprintf(env.Stderr, "error: channel add needs NAME and --suite SUITE\n%s", channelUsage)
			return exitUsage
		}
		if lock.Find(f.args[0]) != nil {
			fmt.Fprintf(env.Stderr, "error: channel %s already exists in %s (use 'cairn channel update')\n", f.args[0], lockPath)
			return exitFailure
		}
		mirror := strings.TrimSuffix(f.mirror, "/")
		if mirror == "" {
			if mirror, err = debian.HostMirror("/"); err != nil {
				fmt.Fprintf(env.Stderr, "error: %v (give --mirror URL)\n", err)
				return exitFailure
			}
		}
		c := channel.Channel{Name: f.args[0], Suite: f.suite, Mirror: mirror, Components: f.components, Architecture: f.arch}
		if len(c.Components) == 0 {
			c.Components = []string{"main"}
		}
		if c.Architecture == "" {
			c.Architecture = debianArch()
		}
		if err := updateChannel(ctx, env, f, &c); err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		lock.Channels = append(lock.Channels, c)
	case "update":
		names := f.args
		if len(names) == 0 {
			for _, c := range lock.Channels {
				names = append(names, c.Name)
			}
		}
		for _, n := range names {
			c := lock.Find(n)
			if c == nil {
				fmt.Fprintf(env.Stderr, "error: no channel %s in %s\n", n, lockPath)
				return exitFailure
			}
			if err := updateChannel(ctx, env, f, c); err != nil {
				fmt.Fprintf(env.Stderr, "error: %v\n", err)
				return exitFailure
			}
		}
	default:
		fmt.Fprintf(env.Stderr, "error: unknown channel command %q\n%s", sub, channelUsage)
		return exitUsage
	}
	if f.root != "" {
		if err := storeIndexes(ctx, env, storePathArg(env, f.root), lock); err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
	}
	if err := channel.WriteLock(lockPath, lock); err != nil {
		fmt.Fprintf(env.Stderr, "error: writing %s: %v\n", lockPath, err)
		return exitFailure
	}
	return exitOK
}

// storeIndexes puts the pinned Packages indexes of lock into the store
// under root, each as the fixed-output path the lock names (from the
// download cache, fetched by hash if it lacks one).
func storeIndexes(ctx context.Context, env *Env, root string, lock *channel.Lock) error {
	st, err := local.Open(ctx, local.Options{Root: root})
	if err != nil {
		return err
	}
	defer st.Close()
	return addIndexes(ctx, env, st, lock)
}

// addIndexes is storeIndexes on an open store.
func addIndexes(ctx context.Context, env *Env, st *local.Store, lock *channel.Lock) error {
	cache := debian.DefaultCacheDir(env.Getenv)
	for i := range lock.Channels {
		c := &lock.Channels[i]
		cl := c.Client(cache, nil)
		for _, pin := range c.Indexes {
			want, err := pin.ComputeStorePath(st.StoreDir(), c.Suite)
			if err != nil {
				return fmt.Errorf("channel %s: %w", c.Name, err)
			}
			if pin.StorePath != "" && st.StoreDir() == "/nix/store" && pin.StorePath != want {
				return fmt.Errorf("channel %s: cairn.lock names %s for %s, its hash gives %s", c.Name, pin.StorePath, pin.Path, want)
			}
			ok, err := st.IsValid(want)
			if err != nil {
				return err
			}
			if !ok {
				if _, err := cl.PinnedPackages(ctx, c.Suite, c.ByHash, pin); err != nil {
					return fmt.Errorf("channel %s: %w", c.Name, err)
				}
				got, err := st.AddPath(ctx, eval.AddPathRequest{Name: pin.StoreName(c.Suite), Src: cl.CachedPackages(pin), ExpectedSHA256: pin.SHA256})
				if err != nil {
					return fmt.Errorf("channel %s: adding %s to the store: %w", c.Name, pin.Path, err)
				}
				if got != want {
					return fmt.Errorf("channel %s: %s went to %s, not %s", c.Name, pin.Path, got, want)
				}
			}
			// A GC root per channel and index, replaced when the channel
			// is updated.
			root := "cairn-channels/" + c.Name + "-" + strings.ReplaceAll(pin.Path, "/", "-")
			if err := st.AddRoot(root, want); err != nil {
				return fmt.Errorf("channel %s: %w", c.Name, err)
			}
		}
	}
	return nil
}

func updateChannel(ctx context.Context, env *Env, f *channelFlags, c *channel.Channel) error {
	kr, err := debian.LoadKeyring(f.keyring)
	if err != nil {
		return err
	}
	if err := c.Update(ctx, c.Client(debian.DefaultCacheDir(env.Getenv), kr)); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "channel %s: %s %s of %s, InRelease sha256:%s\n", c.Name, c.Suite, c.Date.Format("2006-01-02"), c.Mirror, c.InRelease)
	return nil
}

// debianArch returns the Debian name of the architecture cairn runs on.
func debianArch() string {
	switch a := goarch(); a {
	case "386":
		return "i386"
	case "arm":
		return "armhf"
	case "ppc64le":
		return "ppc64el"
	default:
		return a // amd64, arm64, s390x, riscv64, mips64le
	}
}
