package supervise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/atomicfile"
	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/service/unit"
)

// ErrRunning is the error of a daemon started for a root that has one.
var ErrRunning = errors.New("a supervisor already runs")

// Config configures a daemon.
type Config struct {
	Root       string           // the managed root; "/" for the host itself
	StoreDir   string           // default /nix/store
	MaxLogSize int64            // default DefaultMaxLogSize
	Now        func() time.Time // default time.Now
	Log        io.Writer        // the daemon's own messages; default io.Discard
	// Confine is the cairn binary that runs `cairn __confine` for units
	// with RootDirectory=; default the running executable
	// (/proc/self/exe).
	Confine string
}

// Daemon is the supervisor: the units of the loaded generation and their
// processes.
type Daemon struct {
	root, storeDir string
	confine        string
	paths          Paths
	now            func() time.Time
	maxLog         int64
	msgs           io.Writer
	started        time.Time

	mu    sync.Mutex // guards units and every unitRun's state fields
	units map[string]*unitRun
	order []string // load order, for a stable stop-all
	quit  chan struct{}
	quitO sync.Once
}

// New returns a daemon for cfg; Run starts it.
func New(cfg Config) (*Daemon, error) {
	root, err := filepath.Abs(cfg.Root)
	if err != nil || cfg.Root == "" {
		return nil, fmt.Errorf("supervise: bad root %q", cfg.Root)
	}
	d := &Daemon{root: root, storeDir: cfg.StoreDir, confine: cfg.Confine, paths: Paths{root}, now: cfg.Now,
		maxLog: cfg.MaxLogSize, msgs: cfg.Log, units: map[string]*unitRun{}, quit: make(chan struct{})}
	if d.storeDir == "" {
		d.storeDir = "/nix/store"
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.maxLog == 0 {
		d.maxLog = DefaultMaxLogSize
	}
	if d.msgs == nil {
		d.msgs = io.Discard
	}
	return d, nil
}

// Run serves the control socket until ctx ends or a client asks for
// shutdown, then stops every unit. ready, if not nil, is called once the
// socket accepts connections.
func (d *Daemon) Run(ctx context.Context, ready func()) error {
	d.started = d.now()
	for _, dir := range []string{d.paths.RunDir(), d.paths.LogDir()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("supervise: %v", err)
		}
	}
	// One daemon a root: it holds an exclusive lock for its lifetime.
	lock, err := os.OpenFile(filepath.Join(d.paths.RunDir(), "supervise.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("supervise: %v", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(d.paths.PIDFile())
		return fmt.Errorf("supervise: %w for %s (pid %s)", ErrRunning, d.root, strings.TrimSpace(string(pid)))
	}
	sock := d.paths.Socket()
	os.Remove(sock)
	ln, err := listenUnix(sock)
	if err != nil {
		return fmt.Errorf("supervise: %v", err)
	}
	defer os.Remove(sock)
	defer ln.Close()
	if _, err := atomicfile.WriteFile(d.paths.PIDFile(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("supervise: %v", err)
	}
	defer os.Remove(d.paths.PIDFile())
	fmt.Fprintf(d.msgs, "cairn supervise: serving %s (pid %d)\n", sock, os.Getpid())
	if ready != nil {
		ready()
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-d.quit:
		}
		ln.Close()
	}()
	var wg sync.WaitGroup
	for {
		conn, err := ln.Accept()
		if err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.serve(conn)
		}()
	}
	d.stopAll()
	wg.Wait()
	// The socket goes before the pid file: a client waiting for
	// shutdown (Client.Shutdown) takes a missing pid file as the end.
	os.Remove(sock)
	fmt.Fprintf(d.msgs, "cairn supervise: stopped\n")
	return nil
}

func (d *Daemon) serve(conn net.Conn) {
	defer conn.Close()
	var req Request
	if err := json.NewDecoder(conn).Decode(&req); err != nil {
		json.NewEncoder(conn).Encode(Response{Error: "bad request: " + err.Error()})
		return
	}
	resp := d.handle(req)
	json.NewEncoder(conn).Encode(resp)
	if req.Op == "shutdown" {
		d.quitO.Do(func() { close(d.quit) })
	}
}

func (d *Daemon) handle(req Request) Response {
	var err error
	switch req.Op {
	case "ping", "shutdown":
		return Response{PID: os.Getpid()}
	case "load":
		err = d.Load(req.Units)
	case "start":
		err = d.Start(req.Names...)
	case "stop":
		err = d.Stop(req.Names...)
	case "restart":
		err = d.Restart(req.Names...)
	case "reload":
		err = d.Reload(req.Names...)
	case "status":
		if len(req.Names) != 1 {
			return Response{Error: "status takes one unit"}
		}
		st := d.Status(req.Names[0])
		return Response{State: &st}
	case "logs":
		if len(req.Names) != 1 {
			return Response{Error: "logs takes one unit"}
		}
		lines, err := ReadLog(d.root, req.Names[0], req.Lines)
		if err != nil {
			return Response{Error: err.Error()}
		}
		return Response{Lines: lines}
	default:
		return Response{Error: fmt.Sprintf("unknown op %q", req.Op)}
	}
	var ue *service.UnitError
	if errors.As(err, &ue) {
		return Response{UnitError: &UnitError{Op: ue.Op, Unit: ue.Unit, Err: ue.Err.Error(), Log: ue.Log}}
	}
	if err != nil {
		return Response{Error: err.Error()}
	}
	return Response{}
}

// unitRun is a loaded unit and its run state (fields below op guarded by
// Daemon.mu).
type unitRun struct {
	name string
	file *unit.File
	src  []byte
	log  *logFile
	op   sync.Mutex // serialises start, stop and reload of this unit

	active, sub, result string
	since               time.Time
	pid                 int
	pgid                int
	exited              chan struct{} // closed when the main process ends
	gen                 int           // bumped by every start and stop; cancels pending restarts
	starts              []time.Time   // recent starts, for the start limit
	lastActive          time.Time
	timerStop           context.CancelFunc
}

func (d *Daemon) setState(u *unitRun, active, sub string) {
	if u.active != active {
		u.since = d.now()
	}
	u.active, u.sub = active, sub
}

// Load makes the daemon see exactly units: new ones are added (inactive),
// changed ones get their new definition (running processes keep running
// until restarted), removed ones are stopped and dropped.
func (d *Daemon) Load(units []service.Unit) error {
	type parsed struct {
		file *unit.File
		src  []byte
	}
	next := map[string]parsed{}
	for _, su := range units {
		path := su.Path
		if _, err := os.Stat(path); err != nil && d.root != "/" {
			path = filepath.Join(d.root, path)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("load %s: %v", su.Name, err)
		}
		f, err := unit.Parse(su.Path, src)
		if err != nil {
			return fmt.Errorf("load %s: %w", su.Name, err)
		}
		f.Name = su.Name
		switch f.Kind() {
		case "service", "timer", "target":
		default:
			return fmt.Errorf("load %s: unit type %q is not supported by cairn supervise", su.Name, f.Kind())
		}
		next[su.Name] = parsed{f, src}
	}
	var removed []*unitRun
	d.mu.Lock()
	for name, u := range d.units {
		if _, ok := next[name]; !ok {
			removed = append(removed, u)
		}
	}
	var order []string
	for _, su := range units {
		p := next[su.Name]
		order = append(order, su.Name)
		if u, ok := d.units[su.Name]; ok {
			u.file, u.src = p.file, p.src
			continue
		}
		d.units[su.Name] = &unitRun{name: su.Name, file: p.file, src: p.src, active: "inactive", sub: "dead",
			log: openLog(d.paths.Log(su.Name), d.maxLog, d.now)}
	}
	d.order = order
	d.mu.Unlock()
	sort.Slice(removed, func(i, j int) bool { return removed[i].name < removed[j].name })
	for _, u := range removed {
		d.stopOne(u)
		u.log.Printf("removed from the configuration")
		d.mu.Lock()
		delete(d.units, u.name)
		d.mu.Unlock()
		u.log.Close()
	}
	return nil
}

// Status reports a unit; unknown units are inactive.
func (d *Daemon) Status(name string) service.State {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.units[name]
	if !ok {
		return service.State{Name: name, Active: "inactive", Sub: "dead"}
	}
	return service.State{Name: name, Active: u.active, Sub: u.sub, MainPID: u.pid, Since: u.since, Result: u.result}
}

func (d *Daemon) lookup(names []string) ([]*unitRun, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*unitRun
	for _, n := range names {
		u, ok := d.units[n]
		if !ok {
			return nil, fmt.Errorf("unit %s is not loaded", n)
		}
		out = append(out, u)
	}
	return out, nil
}

// Start starts the units with what they require and want, in After/Before
// order. The first failure of a named unit or of a unit it requires is the
// error.
func (d *Daemon) Start(names ...string) error {
	if _, err := d.lookup(names); err != nil {
		return err
	}
	d.mu.Lock()
	set := map[string]bool{}
	required := map[string]bool{} // names and what they require, transitively
	var missing error
	var visit func(n string, req bool)
	visit = func(n string, req bool) {
		u, ok := d.units[n]
		if !ok {
			if req && missing == nil {
				missing = fmt.Errorf("unit %s is required but not loaded", n)
			}
			return
		}
		if set[n] && (!req || required[n]) {
			return
		}
		set[n] = true
		if req {
			required[n] = true
		}
		for _, r := range append(append([]string{}, u.file.Unit.Requires...), u.file.Unit.BindsTo...) {
			visit(r, req)
		}
		for _, w := range u.file.Unit.Wants {
			visit(w, false)
		}
	}
	for _, n := range names {
		visit(n, true)
	}
	order := d.startOrder(set)
	d.mu.Unlock()
	if missing != nil {
		return missing
	}
	failed := map[string]bool{}
	var first error
	for _, n := range order {
		u, _ := d.lookup([]string{n})
		if len(u) == 0 {
			continue
		}
		f := u[0].file
		var depFailed string
		for _, r := range append(append([]string{}, f.Unit.Requires...), f.Unit.BindsTo...) {
			if failed[r] {
				depFailed = r
			}
		}
		var err error
		if depFailed != "" {
			u[0].log.Printf("dependency %s failed; not starting", depFailed)
			err = &service.UnitError{Op: "start", Unit: n, Err: fmt.Errorf("dependency %s failed", depFailed)}
		} else {
			err = d.startOne(u[0], true)
		}
		if err != nil {
			failed[n] = true
			if required[n] && first == nil {
				first = err
			}
		}
	}
	return first
}

// startOrder sorts set so that a unit comes after what it is After= and
// before what it is Before=; ties by name. Called with d.mu held.
func (d *Daemon) startOrder(set map[string]bool) []string {
	after := map[string]map[string]bool{} // n -> units that must start first
	add := func(n, first string) {
		if !set[n] || !set[first] || n == first {
			return
		}
		if after[n] == nil {
			after[n] = map[string]bool{}
		}
		after[n][first] = true
	}
	for n := range set {
		f := d.units[n].file
		for _, a := range f.Unit.After {
			add(n, a)
		}
		for _, b := range f.Unit.Before {
			add(b, n)
		}
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	done := map[string]bool{}
	visiting := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		if done[n] || visiting[n] {
			return // a cycle is broken here
		}
		visiting[n] = true
		var firsts []string
		for f := range after[n] {
			firsts = append(firsts, f)
		}
		sort.Strings(firsts)
		for _, f := range firsts {
			visit(f)
		}
		visiting[n] = false
		done[n] = true
		out = append(out, n)
	}
	for _, n := range names {
		visit(n)
	}
	return out
}

// Stop stops the units and, first, the active units that require or bind
// to them, in reverse start order.
func (d *Daemon) Stop(names ...string) error {
	if _, err := d.lookup(names); err != nil {
		return err
	}
	d.mu.Lock()
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	for changed := true; changed; {
		changed = false
		for n, u := range d.units {
			if set[n] || u.active == "inactive" {
				continue
			}
			for _, r := range append(append([]string{}, u.file.Unit.Requires...), u.file.Unit.BindsTo...) {
				if set[r] {
					set[n], changed = true, true
					break
				}
			}
		}
	}
	order := d.startOrder(set)
	d.mu.Unlock()
	var first error
	for i := len(order) - 1; i >= 0; i-- {
		u, _ := d.lookup([]string{order[i]})
		if len(u) == 0 {
			continue
		}
		if err := d.stopOne(u[0]); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Restart stops each unit and starts it again (with its dependencies).
func (d *Daemon) Restart(names ...string) error {
	us, err := d.lookup(names)
	if err != nil {
		return err
	}
	for _, u := range us {
		d.stopOne(u)
	}
	return d.Start(names...)
}

// Reload runs each unit's ExecReload= with $MAINPID.
func (d *Daemon) Reload(names ...string) error {
	us, err := d.lookup(names)
	if err != nil {
		return err
	}
	for _, u := range us {
		if err := d.reloadOne(u); err != nil {
			return err
		}
	}
	return nil
}

// stopAll stops every unit, in reverse start order.
func (d *Daemon) stopAll() {
	d.mu.Lock()
	set := map[string]bool{}
	for n := range d.units {
		set[n] = true
	}
	order := d.startOrder(set)
	d.mu.Unlock()
	for i := len(order) - 1; i >= 0; i-- {
		if u, _ := d.lookup([]string{order[i]}); len(u) == 1 {
			d.stopOne(u[0])
		}
	}
}

// listenUnix and dialUnix reach a socket whose path may be longer than a
// sockaddr_un holds, through /proc/self/fd of its directory.
func listenUnix(path string) (net.Listener, error) {
	addr, done, err := shortSockPath(path)
	if err != nil {
		return nil, err
	}
	defer done()
	ln, err := net.Listen("unix", addr)
	if err != nil {
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	return ln, nil
}

func dialUnix(path string) (net.Conn, error) {
	addr, done, err := shortSockPath(path)
	if err != nil {
		return nil, err
	}
	defer done()
	return net.DialTimeout("unix", addr, 5*time.Second)
}

func shortSockPath(path string) (string, func(), error) {
	if len(path) < 100 {
		return path, func() {}, nil
	}
	fd, err := syscall.Open(filepath.Dir(path), syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", fd, filepath.Base(path)), func() { syscall.Close(fd) }, nil
}
