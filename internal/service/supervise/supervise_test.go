package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/service/servicetest"
)

// TestMain lets the test binary act as a daemon ("supervise-daemon ROOT")
// or as a short-lived client ("supervise-client ROOT") for the tests that
// need separate processes.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 {
		switch os.Args[1] {
		case "supervise-daemon":
			d, err := New(Config{Root: os.Args[2], Log: os.Stderr})
			if err == nil {
				err = d.Run(context.Background(), nil)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		case "supervise-client":
			os.Exit(clientMain(os.Args[2]))
		}
	}
	os.Exit(m.Run())
}

func clientMain(root string) int {
	ctx := context.Background()
	if _, err := StartBackground(ctx, root, []string{os.Args[0], "supervise-daemon", root}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c := NewClient(root)
	units := []service.Unit{{Name: "long.service", Path: filepath.Join(root, "units", "long.service")}}
	if err := c.Load(ctx, units); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := c.Start(ctx, "long.service"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st, _ := c.Status(ctx, "long.service")
	fmt.Println(st.MainPID)
	return 0
}

// testRoot is a managed root with a units/ directory.
type testRoot struct {
	t    *testing.T
	dir  string
	unit []service.Unit
}

func newRoot(t *testing.T) *testRoot {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "units"), 0o755)
	return &testRoot{t: t, dir: dir}
}

// write writes a unit file (with @DIR@ replaced by the root) and returns it.
func (r *testRoot) write(name, text string) service.Unit {
	p := filepath.Join(r.dir, "units", name)
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(text, "@DIR@", r.dir)), 0o644); err != nil {
		r.t.Fatal(err)
	}
	return service.Unit{Name: name, Path: p}
}

func (r *testRoot) file(name string) string {
	data, _ := os.ReadFile(filepath.Join(r.dir, name))
	return string(data)
}

// daemon runs a daemon for r in this process until the test ends and
// returns a client of it.
func (r *testRoot) daemon() *Client {
	ctx, cancel := context.WithCancel(context.Background())
	d, err := New(Config{Root: r.dir})
	if err != nil {
		r.t.Fatal(err)
	}
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Error(err)
		}
	})
	return NewClient(r.dir)
}

// eventually polls cond until it holds, failing the test after a long
// deadline (a hang guard, not a timing assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func status(t *testing.T, c *Client, name string) service.State {
	t.Helper()
	st, err := c.Status(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// alive reports whether pid runs (zombies count as dead).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] != 'Z'
}

func TestDependencyOrder(t *testing.T) {
	r := newRoot(t)
	svc := func(name, deps string) service.Unit {
		return r.write(name+".service", fmt.Sprintf(`[Unit]
%s
[Service]
WorkingDirectory=@DIR@
ExecStartPre=/bin/sh -c 'echo start-%s >> order'
ExecStart=/bin/sleep 1000
ExecStop=/bin/sh -c 'echo stop-%s >> order'
`, deps, name, name))
	}
	units := []service.Unit{
		svc("c", "Requires=b.service\nAfter=b.service"),
		svc("a", ""),
		svc("b", "Requires=a.service\nAfter=a.service"),
		svc("w", "Wants=a.service\nBefore=c.service"),
	}
	c := r.daemon()
	ctx := context.Background()
	if err := c.Load(ctx, units); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx, "c.service", "w.service"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c", "w"} {
		if st := status(t, c, n+".service"); st.Active != "active" || st.Sub != "running" || st.MainPID == 0 {
			t.Errorf("%s: %+v", n, st)
		}
	}
	// Stopping a stops what requires it first (c, then b), and not w,
	// which only wants it.
	if err := c.Stop(ctx, "a.service"); err != nil {
		t.Fatal(err)
	}
	want := "start-a\nstart-b\nstart-w\nstart-c\nstop-c\nstop-b\nstop-a\n"
	if got := r.file("order"); got != want {
		t.Errorf("order:\n%s\nwant:\n%s", got, want)
	}
	if st := status(t, c, "w.service"); st.Active != "active" {
		t.Errorf("w after stopping a: %+v", st)
	}
}

func TestRestartOnFailure(t *testing.T) {
	r := newRoot(t)
	u := r.write("flaky.service", `[Service]
WorkingDirectory=@DIR@
Restart=on-failure
RestartSec=10ms
ExecStart=/bin/sh -c 'echo run >> count; [ $(wc -l < count) -ge 3 ] && exec sleep 1000; echo failing; exit 1'
`)
	c := r.daemon()
	ctx := context.Background()
	if err := c.Load(ctx, []service.Unit{u}); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the third run", func() bool { return r.file("count") == "run\nrun\nrun\n" })
	eventually(t, "running", func() bool { st := status(t, c, u.Name); return st.Active == "active" && st.MainPID != 0 })
	logs, _ := c.Logs(ctx, u.Name, 0)
	if n := strings.Count(strings.Join(logs, "\n"), "scheduling restart"); n != 2 {
		t.Errorf("%d restarts logged, want 2:\n%s", n, strings.Join(logs, "\n"))
	}
}

func TestRestartLimit(t *testing.T) {
	r := newRoot(t)
	u := r.write("crash.service", `[Unit]
StartLimitBurst=3
StartLimitIntervalSec=1h
[Service]
WorkingDirectory=@DIR@
Restart=always
RestartSec=0
ExecStart=/bin/sh -c 'echo run >> count; exit 2'
`)
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{u})
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, "start-limit-hit", func() bool { return status(t, c, u.Name).Result == "start-limit-hit" })
	if st := status(t, c, u.Name); st.Active != "failed" {
		t.Errorf("state %+v", st)
	}
	if got := r.file("count"); got != "run\nrun\nrun\n" {
		t.Errorf("ran %d times, want 3", strings.Count(got, "\n"))
	}
	// An explicit start resets the limit.
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, "start-limit-hit again", func() bool { return strings.Count(r.file("count"), "\n") == 6 })
}

func TestEnvironmentAndPaths(t *testing.T) {
	r := newRoot(t)
	// A store path and an /etc path of the unit are files under the root.
	bin := filepath.Join(r.dir, "nix/store/0000-hello/bin")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "hello"), []byte("#!/bin/sh\necho \"$A|$B|$C|$(pwd)|$1\" > \"$OUT\"\n"), 0o755)
	os.MkdirAll(filepath.Join(r.dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(r.dir, "etc/hello.env"), []byte("# comment\nB='from file'\nexport C=\"c\"\nA=overridden\n"), 0o644)
	work := filepath.Join(r.dir, "work")
	os.MkdirAll(work, 0o755)
	u := r.write("hello.service", `[Service]
Type=oneshot
Environment="A=x y" OUT=@DIR@/out
EnvironmentFile=/etc/hello.env
EnvironmentFile=-/etc/missing.env
WorkingDirectory=@DIR@/work
ExecStart=/nix/store/0000-hello/bin/hello /nix/store/0000-hello
`)
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{u})
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("overridden|from file|c|%s|%s/nix/store/0000-hello\n", work, r.dir)
	if got := r.file("out"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if st := status(t, c, u.Name); st.Active != "inactive" || st.Result != "success" {
		t.Errorf("oneshot without RemainAfterExit: %+v", st)
	}
}

func TestUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to change user")
	}
	r := newRoot(t)
	uid := 61000
	for hostHas(uid) {
		uid++
	}
	os.MkdirAll(filepath.Join(r.dir, "etc"), 0o755)
	os.WriteFile(filepath.Join(r.dir, "etc/passwd"), []byte(fmt.Sprintf("root:x:0:0::/root:/bin/sh\nsvc:x:%d:%d::/home/svc:/bin/sh\n", uid, uid+1)), 0o644)
	os.WriteFile(filepath.Join(r.dir, "etc/group"), []byte(fmt.Sprintf("svc:x:%d:\nextra:x:%d:svc\n", uid+1, uid+2)), 0o644)
	outDir := filepath.Join(r.dir, "out")
	os.MkdirAll(outDir, 0o777)
	os.Chmod(outDir, 0o777)
	os.Chmod(r.dir, 0o755)
	os.Chmod(filepath.Dir(r.dir), 0o755) // the test's temp dir, 0700
	u := r.write("who.service", `[Service]
Type=oneshot
User=svc
ExecStart=/bin/sh -c 'echo "$(id -u) $(id -g) $(id -G) $USER $HOME" > @DIR@/out/id'
ExecStartPost=+/bin/sh -c 'id -u > @DIR@/out/privileged'
`)
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{u})
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d %d %d %d svc /home/svc\n", uid, uid+1, uid+1, uid+2)
	if got := r.file("out/id"); got != want {
		t.Errorf("id: got %q, want %q", got, want)
	}
	if got := r.file("out/privileged"); got != "0\n" {
		t.Errorf("'+' command ran as %q, want root", got)
	}
}

func hostHas(uid int) bool {
	data, _ := os.ReadFile("/etc/passwd")
	return strings.Contains(string(data), ":"+strconv.Itoa(uid)+":")
}

func TestFailedStartReportsLog(t *testing.T) {
	r := newRoot(t)
	u := r.write("broken.service", `[Service]
ExecStartPre=/bin/sh -c 'echo config check: port 80 in use >&2; exit 3'
ExecStart=/bin/sleep 1000
`)
	missing := r.write("missing.service", "[Service]\nExecStart=@DIR@/no/such/binary\n")
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{u, missing})
	err := c.Start(ctx, u.Name)
	var ue *service.UnitError
	if !errors.As(err, &ue) || ue.Unit != u.Name || ue.Op != "start" {
		t.Fatalf("start error %v, want a UnitError for %s", err, u.Name)
	}
	if !strings.Contains(err.Error(), "broken.service") || !strings.Contains(err.Error(), "config check: port 80 in use") || !strings.Contains(err.Error(), "status=3") {
		t.Errorf("error lacks the unit, its log or its status:\n%v", err)
	}
	if st := status(t, c, u.Name); st.Active != "failed" {
		t.Errorf("state %+v", st)
	}
	err = c.Start(ctx, missing.Name)
	if err == nil || !strings.Contains(err.Error(), "missing.service") || !strings.Contains(err.Error(), "no/such/binary") {
		t.Errorf("missing executable: %v", err)
	}
}

func TestReloadAndLogs(t *testing.T) {
	r := newRoot(t)
	u := r.write("web.service", `[Service]
ExecStart=/bin/sh -c 'echo hello from web; trap "echo got HUP" HUP; touch @DIR@/ready; while :; do sleep 0.05; done'
ExecReload=/bin/sh -c 'echo reload $MAINPID; kill -HUP $MAINPID'
`)
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{u})
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	pid := status(t, c, u.Name).MainPID
	eventually(t, "the HUP trap", func() bool { _, err := os.Stat(filepath.Join(r.dir, "ready")); return err == nil })
	if err := c.Reload(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the HUP in the log", func() bool {
		l, _ := c.Logs(ctx, u.Name, 0)
		return strings.Contains(strings.Join(l, "\n"), "got HUP")
	})
	logs, _ := c.Logs(ctx, u.Name, 0)
	all := strings.Join(logs, "\n")
	for _, want := range []string{"hello from web", fmt.Sprintf("reload %d", pid)} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q:\n%s", want, all)
		}
	}
	if st := status(t, c, u.Name); st.Active != "active" || st.MainPID != pid {
		t.Errorf("after reload %+v, want active with pid %d", st, pid)
	}
	if tail, _ := c.Logs(ctx, u.Name, 1); len(tail) != 1 || tail[0] != logs[len(logs)-1] {
		t.Errorf("Logs(1) = %q", tail)
	}
}

func TestStopKillsProcessGroup(t *testing.T) {
	r := newRoot(t)
	u := r.write("parent.service", `[Service]
ExecStart=/bin/sh -c 'sleep 1000 & echo $! > @DIR@/child; wait'
TimeoutStopSec=30
`)
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{u})
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the child pid", func() bool { return strings.HasSuffix(r.file("child"), "\n") })
	child, _ := strconv.Atoi(strings.TrimSpace(r.file("child")))
	main := status(t, c, u.Name).MainPID
	if !alive(child) || !alive(main) {
		t.Fatal("processes not running")
	}
	if err := c.Stop(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the child to die", func() bool { return !alive(child) })
	if alive(main) {
		t.Error("main process survives stop")
	}
	if st := status(t, c, u.Name); st.Active != "inactive" || st.MainPID != 0 {
		t.Errorf("after stop %+v", st)
	}
}

func TestTakeover(t *testing.T) {
	r := newRoot(t)
	keep := r.write("keep.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	gone := r.write("gone.service", "[Service]\nExecStart=/bin/sleep 1001\n")
	c := r.daemon()
	ctx := context.Background()
	if err := c.Load(ctx, []service.Unit{keep, gone}); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx, keep.Name, gone.Name); err != nil {
		t.Fatal(err)
	}
	keepPID, gonePID := status(t, c, keep.Name).MainPID, status(t, c, gone.Name).MainPID
	// The next generation: keep unchanged (in another directory), gone
	// removed, fresh added.
	next := filepath.Join(r.dir, "gen2")
	os.MkdirAll(next, 0o755)
	os.WriteFile(filepath.Join(next, "keep.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644)
	os.WriteFile(filepath.Join(next, "fresh.service"), []byte("[Service]\nExecStart=/bin/sleep 1002\n"), 0o644)
	if err := c.Load(ctx, []service.Unit{
		{Name: "keep.service", Path: filepath.Join(next, "keep.service")},
		{Name: "fresh.service", Path: filepath.Join(next, "fresh.service")},
	}); err != nil {
		t.Fatal(err)
	}
	if st := status(t, c, keep.Name); st.MainPID != keepPID || st.Active != "active" {
		t.Errorf("keep after takeover: %+v, want pid %d", st, keepPID)
	}
	if alive(gonePID) {
		t.Error("removed unit still runs")
	}
	if st := status(t, c, gone.Name); st.Active != "inactive" {
		t.Errorf("gone: %+v", st)
	}
	if st := status(t, c, "fresh.service"); st.Active != "inactive" {
		t.Errorf("fresh started without a Start call: %+v", st)
	}
	if err := c.Start(ctx, "fresh.service"); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx, "gone.service"); err == nil {
		t.Error("starting a removed unit succeeded")
	}
	// A unit that fails to load leaves the loaded set as it was.
	os.WriteFile(filepath.Join(next, "bad.service"), []byte("[Service]\nType=sometimes\n"), 0o644)
	err := c.Load(ctx, []service.Unit{{Name: "bad.service", Path: filepath.Join(next, "bad.service")}})
	if err == nil || !strings.Contains(err.Error(), "bad.service:2:6") {
		t.Errorf("bad unit: %v", err)
	}
	if st := status(t, c, keep.Name); st.MainPID != keepPID {
		t.Errorf("failed load changed keep: %+v", st)
	}
}

func TestDaemonSurvivesClient(t *testing.T) {
	r := newRoot(t)
	r.write("long.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	out, err := exec.Command(os.Args[0], "supervise-client", r.dir).Output()
	if err != nil {
		t.Fatalf("client: %v\n%s", err, out)
	}
	c := NewClient(r.dir)
	ctx := context.Background()
	t.Cleanup(func() { c.Shutdown(ctx) })
	pid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	st := status(t, c, "long.service")
	if st.Active != "active" || st.MainPID != pid || pid == 0 {
		t.Errorf("after the client exited: %+v, want active with pid %d", st, pid)
	}
	dpid, err := c.Ping(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The daemon is in its own session, not the client's.
	if sid, _ := getsid(dpid); sid != dpid {
		t.Errorf("daemon %d has session %d, want its own", dpid, sid)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the service to stop with the daemon", func() bool { return !alive(pid) })
}

func getsid(pid int) (int, error) {
	r, _, e := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

func TestTimer(t *testing.T) {
	r := newRoot(t)
	tick := r.write("tick.timer", "[Timer]\nOnUnitActiveSec=200ms\n")
	job := r.write("tick.service", "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo tick >> @DIR@/ticks'\n")
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{tick, job})
	if err := c.Start(ctx, tick.Name); err != nil {
		t.Fatal(err)
	}
	if st := status(t, c, tick.Name); st.Active != "active" || st.Sub != "waiting" {
		t.Errorf("timer: %+v", st)
	}
	eventually(t, "three ticks", func() bool { return strings.Count(r.file("ticks"), "tick") >= 3 })
	if err := c.Stop(ctx, tick.Name); err != nil {
		t.Fatal(err)
	}
	if st := status(t, c, tick.Name); st.Active != "inactive" {
		t.Errorf("stopped timer: %+v", st)
	}
}

func TestRemainAfterExit(t *testing.T) {
	r := newRoot(t)
	u := r.write("setup.service", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\nExecStop=/bin/sh -c 'echo undone > @DIR@/undone'\n")
	c := r.daemon()
	ctx := context.Background()
	c.Load(ctx, []service.Unit{u})
	if err := c.Start(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	if st := status(t, c, u.Name); st.Active != "active" || st.Sub != "exited" {
		t.Errorf("oneshot with RemainAfterExit: %+v", st)
	}
	if err := c.Stop(ctx, u.Name); err != nil {
		t.Fatal(err)
	}
	if r.file("undone") != "undone\n" {
		t.Error("ExecStop did not run")
	}
}

func TestConformance(t *testing.T) {
	r := newRoot(t)
	servicetest.Run(t, servicetest.Harness{
		Manager: r.daemon(),
		WriteUnit: func(gen int, name, text string) service.Unit {
			dir := filepath.Join(r.dir, fmt.Sprintf("gen%d", gen))
			os.MkdirAll(dir, 0o755)
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			return service.Unit{Name: name, Path: p}
		},
	})
}
