// Package build realises derivations: it reads the graph of .drv files
// from the local store, substitutes outputs from binary caches where it
// can, and builds the rest in dependency order, in parallel up to a
// number of jobs, each in the sandbox. A build's outputs are hashed
// (fixed-output derivations must match their declared hash), scanned for
// references to the build's input closure and to each other, and
// registered together; a failed build registers nothing and keeps its log.
package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"cairn.dev/cairn/internal/build/sandbox"
	"cairn.dev/cairn/internal/store/binarycache"
	"cairn.dev/cairn/internal/store/derivation"
	"cairn.dev/cairn/internal/store/local"
	"cairn.dev/cairn/internal/store/narinfo"
	"cairn.dev/cairn/internal/store/nixhash"
)

// Substituter is a binary cache and the keys trusted to sign its paths.
type Substituter struct {
	Cache   *binarycache.Cache
	Trusted []narinfo.PublicKey
}

// Options configure a Builder.
type Options struct {
	Store *local.Store
	// Jobs is the number of builders running at a time (1 when 0); when
	// more are ready, those with the largest input files go first.
	// Registering outputs, and downloads copied from the download cache,
	// run beside them.
	Jobs  int
	Cores int // NIX_BUILD_CORES; the number of CPUs when 0
	// Paths are the sandbox paths (target -> host source);
	// sandbox.DefaultPaths() when nil.
	Paths        map[string]string
	Substituters []Substituter
	// Downloads is a folder of downloaded files named by their sha256,
	// DIR/by-hash/SHA256/HEX (the layout of the Debian channel's cache,
	// whose folder the CLI gives): the output of a builtin:cairn-fetchurl
	// derivation is copied from there when its file is there with the
	// declared hash, without the sandbox or the network, and a file
	// downloaded is added to it. "" disables it.
	Downloads string
	// Progress receives one line per build or substitution started and
	// warnings; nil discards them.
	Progress io.Writer
}

// Builder realises derivations.
type Builder struct {
	opts  Options
	st    *local.Store
	slots *slots // build slots, by index (build users)
	mu    sync.Mutex
	nodes map[string]*node
	// failed are the builds and substitutions that failed, in order.
	failed []error
	logMu  sync.Mutex
}

// node is one derivation of the graph, realised at most once.
type node struct {
	drvPath string
	drv     *derivation.Derivation
	once    sync.Once
	done    chan struct{}
	err     error
}

// New returns a Builder.
func New(opts Options) (*Builder, error) {
	if opts.Store == nil {
		return nil, errors.New("build: no store")
	}
	if opts.Jobs < 1 {
		opts.Jobs = 1
	}
	if opts.Cores == 0 {
		opts.Cores = runtime.NumCPU() // Nix's cores = 0: all of them
	}
	if opts.Paths == nil {
		p, err := sandbox.DefaultPaths()
		if err != nil {
			return nil, err
		}
		opts.Paths = p
	}
	return &Builder{opts: opts, st: opts.Store, slots: newSlots(opts.Jobs), nodes: map[string]*node{}}, nil
}

// Error is a failed build.
type Error struct {
	DrvPath string
	Log     string // the log file, kept
	Err     error
}

func (e *Error) Error() string {
	return fmt.Sprintf("builder for '%s' failed: %v", e.DrvPath, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Realise makes every output of the derivations drvPaths valid and
// returns their output paths by .drv path and output name. Derivations
// that do not depend on a failed one are still built; the first error is
// returned.
func (b *Builder) Realise(ctx context.Context, drvPaths []string) (map[string]map[string]string, error) {
	var nodes []*node
	for _, p := range drvPaths {
		n, err := b.node(p)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		b.start(ctx, n)
	}
	res := map[string]map[string]string{}
	var errs []error
	for _, n := range nodes {
		<-n.done
		if n.err != nil {
			errs = append(errs, n.err)
			continue
		}
		outs := map[string]string{}
		for name, o := range n.drv.Outputs {
			outs[name] = o.Path
		}
		res[n.drvPath] = outs
	}
	if len(errs) > 0 {
		// The failed builds themselves, not just "dependency failed".
		b.mu.Lock()
		failed := append([]error(nil), b.failed...)
		b.mu.Unlock()
		if len(failed) > 0 {
			return res, errors.Join(failed...)
		}
		return res, errs[0]
	}
	return res, nil
}

func (b *Builder) node(drvPath string) (*node, error) {
	b.mu.Lock()
	n, ok := b.nodes[drvPath]
	b.mu.Unlock()
	if ok {
		return n, nil
	}
	d, err := b.st.ReadDerivation(drvPath)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n, ok := b.nodes[drvPath]; ok {
		return n, nil
	}
	n = &node{drvPath: drvPath, drv: d, done: make(chan struct{})}
	b.nodes[drvPath] = n
	return n, nil
}

// start realises n in its own goroutine, once.
func (b *Builder) start(ctx context.Context, n *node) {
	n.once.Do(func() {
		go func() {
			defer close(n.done)
			n.err = b.realise(ctx, n)
		}()
	})
}

func (b *Builder) progress(format string, args ...any) {
	if b.opts.Progress == nil {
		return
	}
	b.logMu.Lock()
	defer b.logMu.Unlock()
	fmt.Fprintf(b.opts.Progress, format+"\n", args...)
}

// outputPaths returns n's output paths, sorted.
func (n *node) outputPaths() []string {
	var ps []string
	for _, o := range n.drv.Outputs {
		ps = append(ps, o.Path)
	}
	sort.Strings(ps)
	return ps
}

func (b *Builder) allValid(paths []string) (bool, error) {
	for _, p := range paths {
		ok, err := b.st.IsValid(p)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (b *Builder) realise(ctx context.Context, n *node) error {
	outs := n.outputPaths()
	if ok, err := b.allValid(outs); err != nil || ok {
		return err
	}
	if b.substitute(ctx, n, outs) {
		return nil
	}
	// Inputs first, in parallel.
	var deps []*node
	for p := range n.drv.InputDrvs {
		d, err := b.node(p)
		if err != nil {
			return err
		}
		deps = append(deps, d)
		b.start(ctx, d)
	}
	for _, d := range deps {
		select {
		case <-d.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if d.err != nil {
			return fmt.Errorf("cannot build '%s': dependency '%s' failed", n.drvPath, d.drvPath)
		}
	}
	err := b.build(ctx, n)
	if err != nil {
		b.mu.Lock()
		b.failed = append(b.failed, err)
		b.mu.Unlock()
	}
	return err
}

// substitute tries to fetch all of n's outputs from a binary cache.
func (b *Builder) substitute(ctx context.Context, n *node, outs []string) bool {
	for _, s := range b.opts.Substituters {
		has := true
		for _, p := range outs {
			if !s.Cache.Has(p) {
				has = false
				break
			}
		}
		if !has {
			continue
		}
		b.progress("copying outputs of '%s' from '%s'...", n.drvPath, "file://"+s.Cache.Dir())
		if _, err := s.Cache.Substitute(ctx, b.st, outs, s.Trusted); err != nil {
			b.progress("warning: %v; building instead", err)
			continue
		}
		return true
	}
	return false
}

// build runs n's builder in the sandbox, in a build slot, and registers
// its outputs. A download found in the download cache needs no slot.
func (b *Builder) build(ctx context.Context, n *node) (err error) {
	outs := n.outputPaths()
	var locks []*local.PathLock
	defer func() {
		for _, l := range locks {
			l.Unlock()
		}
	}()
	for _, p := range outs {
		l, err := b.st.LockPath(ctx, p)
		if err != nil {
			return err
		}
		locks = append(locks, l)
	}
	// Another process may have built them meanwhile.
	if ok, err := b.allValid(outs); err != nil || ok {
		return err
	}
	// Unregistered leftovers of a crashed build are in the way.
	for _, p := range outs {
		if err := removeTree(b.st.RealPath(p)); err != nil {
			return fmt.Errorf("removing the unregistered '%s': %w", p, err)
		}
	}
	inputs, err := b.inputClosure(n)
	if err != nil {
		return err
	}
	logPath := b.st.LogPath(n.drvPath)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	for _, p := range outs {
		b.st.LinkOutputLog(p, n.drvPath)
	}
	cached, err := b.fromDownloads(n)
	if err != nil {
		return &Error{DrvPath: n.drvPath, Log: logPath, Err: err}
	}
	if cached {
		b.progress("copying the output of '%s' from the download cache...", n.drvPath)
		fmt.Fprintf(logf, "copied from the download cache %s\n", b.opts.Downloads)
	} else {
		slot, err := b.slots.acquire(ctx, b.weight(inputs))
		if err != nil {
			return err
		}
		err = b.runSandboxed(ctx, n, slot, inputs, logf, logPath)
		b.slots.release(slot)
		if err != nil {
			return err
		}
	}
	var regs []local.Output
	for name, o := range n.drv.Outputs {
		reg := local.Output{Path: o.Path, Deriver: n.drvPath}
		if o.Hash != "" {
			ca, err := checkFixed(ctx, b.st.RealPath(o.Path), o)
			if err != nil {
				for _, p := range outs {
					removeTree(b.st.RealPath(p))
				}
				fmt.Fprintf(logf, "error: %v\n", err)
				return &Error{DrvPath: n.drvPath, Log: logPath, Err: fmt.Errorf("output '%s': %w", name, err)}
			}
			reg.CA = ca
		}
		regs = append(regs, reg)
	}
	if _, err := b.st.RegisterOutputs(ctx, regs, inputs); err != nil {
		for _, p := range outs {
			removeTree(b.st.RealPath(p))
		}
		return &Error{DrvPath: n.drvPath, Log: logPath, Err: err}
	}
	if !cached {
		b.keepDownload(n)
	}
	return nil
}

// runSandboxed runs n's builder in the sandbox; its outputs are then in
// the store, not yet registered.
func (b *Builder) runSandboxed(ctx context.Context, n *node, slot int, inputs []string, logf *os.File, logPath string) error {
	b.progress("building '%s'...", n.drvPath)
	env, files, structured, err := structuredAttrs(n.drv)
	if err != nil {
		return &Error{DrvPath: n.drvPath, Log: logPath, Err: err}
	}
	if !structured {
		env = n.drv.Env
	}
	spec := &sandbox.Spec{
		Builder:      n.drv.Builder,
		Args:         n.drv.Args,
		Env:          env,
		BuildFiles:   files,
		StoreDir:     b.st.StoreDir(),
		RealStoreDir: b.st.RealStoreDir(),
		Inputs:       inputs,
		Outputs:      n.outputPaths(),
		Paths:        b.opts.Paths,
		Network:      n.drv.IsFixedOutput(),
		Cores:        b.opts.Cores,
		UID:          sandbox.DefaultUID + slot,
		GID:          sandbox.DefaultGID,
		Log:          logf,
	}
	// Builtin builders (builtin:cairn-files) run in the sandbox too: the
	// sandbox's init runs them in Go, as the build user
	// (docs/design/toplevel.md).
	if err := sandbox.Run(ctx, spec); err != nil {
		logf.Sync()
		if ctx.Err() != nil {
			return &Error{DrvPath: n.drvPath, Log: logPath, Err: ctx.Err()}
		}
		return &Error{DrvPath: n.drvPath, Log: logPath, Err: fmt.Errorf("%w%s", err, logTail(logPath, 10))}
	}
	return nil
}

// inputClosure is the closure of the input sources and of the outputs
// of the input derivations that n uses.
func (b *Builder) inputClosure(n *node) ([]string, error) {
	paths := append([]string(nil), n.drv.InputSrcs...)
	for p, names := range n.drv.InputDrvs {
		in, err := b.node(p)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			o, ok := in.drv.Outputs[name]
			if !ok {
				return nil, fmt.Errorf("'%s' has no output '%s' (used by '%s')", p, name, n.drvPath)
			}
			paths = append(paths, o.Path)
		}
	}
	return b.st.Closure(paths)
}

// checkFixed verifies a fixed-output derivation's output against its
// declared hash and returns its content address.
func checkFixed(ctx context.Context, real string, o derivation.Output) (string, error) {
	algoName, recursive := strings.CutPrefix(o.HashAlgo, "r:")
	algo, err := nixhash.ParseAlgo(algoName)
	if err != nil {
		return "", err
	}
	want, err := nixhash.Parse(o.Hash, algo)
	if err != nil {
		return "", err
	}
	var got nixhash.Hash
	if recursive {
		got, err = local.HashNAR(ctx, real, algo)
	} else {
		got, err = nixhash.File(real, algo)
	}
	if err != nil {
		return "", fmt.Errorf("hashing the output of a fixed-output derivation: %w", err)
	}
	if !got.Equal(want) {
		return "", fmt.Errorf("hash mismatch in fixed-output derivation '%s':\n  specified: %s\n  got:       %s", o.Path, want.SRI(), got.SRI())
	}
	prefix := "fixed:"
	if recursive {
		prefix += "r:"
	}
	return prefix + got.String(), nil
}

// logTail returns the last n lines of a log, for error messages.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nlast %d log lines (%s):", len(lines), path)
	for _, l := range lines {
		sb.WriteString("\n> ")
		sb.Write(l)
	}
	return sb.String()
}

func removeTree(p string) error {
	if _, err := os.Lstat(p); err != nil {
		return nil
	}
	filepath.Walk(p, func(q string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}
