package systemd

import (
	"context"
	"encoding/json"
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

	"cairn.dev/cairn/internal/build/builtin"
	"cairn.dev/cairn/internal/pkgs/deb"
	"cairn.dev/cairn/internal/pkgs/deb/debtest"
	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/service/servicetest"
)

// The rootfs recipe of ../shared/notes/systemd-in-ci.md; the cache file
// name carries its version, bump it when the recipe changes.
const rootfsCache = "debian-bookworm-systemd-v1.tar.zst"

func cacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "cairn-test")
	}
	return "/var/cache/cairn-test"
}

// needTools installs the container tools when they are missing.
func needTools(t *testing.T) {
	var missing []string
	for bin, pkg := range map[string]string{"systemd-nspawn": "systemd-container", "mmdebstrap": "mmdebstrap", "zstd": "zstd", "nsenter": "util-linux"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, pkg)
		}
	}
	if len(missing) == 0 {
		return
	}
	t.Logf("installing %s", strings.Join(missing, " "))
	cmd := exec.Command("apt-get", append([]string{"install", "-y"}, missing...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot install %s (needed for a real systemd): %v\n%s", missing, err, out)
	}
}

func mirror() string {
	data, _ := os.ReadFile("/etc/apt/sources.list.d/debian.sources")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "URIs:" {
			return f[1]
		}
	}
	return "" // mmdebstrap then uses the host's apt sources
}

// rootfs unpacks the cached systemd rootfs into a temp dir, building and
// caching it first when needed.
func rootfs(t *testing.T) string {
	cache := filepath.Join(cacheDir(), rootfsCache)
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if _, err := os.Stat(cache); err != nil {
		t.Logf("building the systemd rootfs into %s (cached afterwards)", cache)
		build := filepath.Join(dir, "build")
		cmd := exec.Command("mmdebstrap", "--variant=minbase", "--include=systemd,systemd-sysv,dbus,procps",
			"--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/doc/*",
			`--customize-hook=mkdir -p "$1/etc/systemd/system.conf.d"; printf "[Manager]\nDefaultStartLimitIntervalSec=0\n" > "$1/etc/systemd/system.conf.d/ci.conf"`,
			`--customize-hook=chroot "$1" systemctl set-default multi-user.target`,
			`--customize-hook=chroot "$1" systemctl mask console-getty.service getty.target apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer dpkg-db-backup.timer`,
			"bookworm", build)
		if m := mirror(); m != "" {
			cmd.Args = append(cmd.Args, m)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mmdebstrap: %v\n%s", err, tail(out))
		}
		os.MkdirAll(cacheDir(), 0o755)
		tmp := cache + ".tmp"
		if out, err := exec.Command("tar", "--zstd", "-C", build, "-cf", tmp, ".").CombinedOutput(); err != nil {
			t.Fatalf("tar: %v\n%s", err, out)
		}
		if err := os.Rename(tmp, cache); err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(build)
	}
	os.MkdirAll(root, 0o755)
	if out, err := exec.Command("tar", "--zstd", "-C", root, "-xf", cache).CombinedOutput(); err != nil {
		t.Fatalf("unpacking %s: %v\n%s", cache, err, out)
	}
	return root
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// boot starts systemd in root with nspawn and returns the pid of the
// container's init; the container is halted when the test ends.
func boot(t *testing.T, root string) int {
	logf, err := os.Create(root + ".log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command("systemd-nspawn", "-D", root, "--boot", "--register=no", "--keep-unit",
		"--console=passive", "-M", fmt.Sprintf("cairntest%d", os.Getpid()))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			log, _ := os.ReadFile(root + ".log")
			t.Fatalf("systemd-nspawn exited:\n%s", tail(log))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the container's systemd did not come up")
		}
		if leader := childOf(cmd.Process.Pid); leader != 0 {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d/root/run/systemd/private", leader)); err == nil {
				out, err := exec.Command("nsenter", "-t", strconv.Itoa(leader), "-a", "systemctl", "is-system-running", "--wait").CombinedOutput()
				if s := strings.TrimSpace(string(out)); s != "running" && s != "degraded" {
					t.Fatalf("is-system-running: %q %v", s, err)
				}
				return leader
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// childOf returns a child of pid, or 0.
func childOf(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// TestRealSystemd drives a real systemd, booted in a container, through
// Manager.
func TestRealSystemd(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to boot systemd in systemd-nspawn")
	}
	if testing.Short() {
		t.Skip("boots a container; skipped with -short")
	}
	needTools(t)
	root := rootfs(t)
	leader := boot(t, root)
	ctx := context.Background()
	m := New(root, ExecRunner("nsenter", "-t", strconv.Itoa(leader), "-a"))
	inside := func(p string) string { return filepath.Join(root, p) } // a container path seen from here

	gen := func(n int, files map[string]string) []service.Unit {
		dir := fmt.Sprintf("/gen%d/units", n)
		os.MkdirAll(inside(dir), 0o755)
		var units []service.Unit
		for name, text := range files {
			os.WriteFile(inside(dir+"/"+name), []byte(text), 0o644)
			units = append(units, service.Unit{Name: name, Path: dir + "/" + name})
		}
		return units
	}
	web := `[Unit]
Description=cairn test web
[Service]
ExecStart=/bin/sh -c 'trap "echo reloaded >> /run/reloads" HUP; echo web %s up; echo $$$$ > /run/web.ready; while :; do sleep 0.1; done'
ExecReload=/bin/kill -HUP $MAINPID
[Install]
WantedBy=multi-user.target
`
	broken := "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo broken: missing /etc/broken.conf >&2; exit 1'\n"
	if err := m.Load(ctx, gen(1, map[string]string{"web.service": fmt.Sprintf(web, "v1"), "broken.service": broken})); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(inside("/etc/systemd/system/multi-user.target.wants/web.service")); err != nil || target != "/gen1/units/web.service" {
		t.Errorf("WantedBy link: %q %v", target, err)
	}

	if err := m.Start(ctx, "web.service"); err != nil {
		t.Fatal(err)
	}
	st, err := m.Status(ctx, "web.service")
	if err != nil || st.Active != "active" || st.Sub != "running" || st.MainPID == 0 || st.Since.IsZero() {
		t.Fatalf("after start: %+v %v", st, err)
	}

	if err := m.Restart(ctx, "web.service"); err != nil {
		t.Fatal(err)
	}
	st2, _ := m.Status(ctx, "web.service")
	if st2.Active != "active" || st2.MainPID == st.MainPID {
		t.Errorf("after restart: %+v (pid before %d)", st2, st.MainPID)
	}

	eventually(t, "web's HUP trap", func() bool {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/root/run/web.ready", leader))
		return strings.TrimSpace(string(data)) == strconv.Itoa(st2.MainPID)
	})
	if err := m.Reload(ctx, "web.service"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ExecReload's HUP", func() bool {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/root/run/reloads", leader)) // the container's own /run
		return strings.Contains(string(data), "reloaded")
	})

	logs, err := m.Logs(ctx, "web.service", 50)
	if err != nil || !strings.Contains(strings.Join(logs, "\n"), "web v1 up") {
		t.Errorf("logs: %q %v", logs, err)
	}

	if err := m.Stop(ctx, "web.service"); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status(ctx, "web.service"); st.Active != "inactive" {
		t.Errorf("after stop: %+v", st)
	}

	err = m.Start(ctx, "broken.service")
	var ue *service.UnitError
	if !errors.As(err, &ue) || ue.Unit != "broken.service" {
		t.Fatalf("failing start: %v", err)
	}
	if !strings.Contains(err.Error(), "broken: missing /etc/broken.conf") {
		t.Errorf("failing start lacks the log tail:\n%v", err)
	}
	if st, _ := m.Status(ctx, "broken.service"); st.Active != "failed" || st.Result != "exit-code" {
		t.Errorf("broken: %+v", st)
	}

	// The next generation changes web and drops broken: daemon-reload
	// picks up the new file, broken's link goes.
	if err := m.Load(ctx, gen(2, map[string]string{"web.service": fmt.Sprintf(web, "v2")})); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(inside("/etc/systemd/system/broken.service")); !os.IsNotExist(err) {
		t.Errorf("broken.service still linked: %v", err)
	}
	if err := m.Start(ctx, "web.service"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the new version's output", func() bool {
		logs, _ := m.Logs(ctx, "web.service", 5)
		return strings.Contains(strings.Join(logs, "\n"), "web v2 up")
	})
	m.Stop(ctx, "web.service")

	t.Run("confined", func(t *testing.T) { confined(t, m, inside) })

	t.Run("conformance", func(t *testing.T) {
		servicetest.Run(t, servicetest.Harness{
			Manager: m,
			WriteUnit: func(gen int, name, text string) service.Unit {
				dir := fmt.Sprintf("/conf%d", gen)
				os.MkdirAll(inside(dir), 0o755)
				if err := os.WriteFile(inside(dir+"/"+name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return service.Unit{Name: name, Path: dir + "/" + name}
			},
		})
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestParseTimestamp(t *testing.T) {
	if got := parseTimestamp("@1764123652"); got.Unix() != 1764123652 {
		t.Errorf("unix: %v", got)
	}
	if got := parseTimestamp("Thu 2026-11-26 02:20:52 UTC"); !got.Equal(time.Date(2026, 11, 26, 2, 20, 52, 0, time.UTC)) {
		t.Errorf("default format: %v", got)
	}
	if !parseTimestamp("").IsZero() {
		t.Error("empty is not zero")
	}
}

// confined runs a unit the way <cairn/nixos>'s confinement options write
// it (RootDirectory= a builtin:cairn-files "fhs" root of Debian's dash and
// its closure, the store and /etc bound read-only, API file systems, a
// private /tmp, ProtectSystem=strict, a StateDirectory=) under the container's systemd: the
// command sees only its packages, /usr is read-only, its state folder is
// writable and is the host's /var/lib/NAME.
func confined(t *testing.T, m *Manager, inside func(string) string) {
	ctx := context.Background()
	names, err := debtest.Closure("dash")
	if err != nil {
		t.Skip(err)
	}
	debs, err := debtest.Download(names...)
	if err != nil {
		t.Skip(err)
	}
	var sources []string
	os.MkdirAll(inside("/nix/store"), 0o755)
	for i, f := range debs {
		p := "/nix/store/" + strings.Repeat(strconv.Itoa(i%10), 32) + "-" + names[i]
		if err := deb.Unpack(ctx, f, inside(p)); err != nil {
			t.Fatal(err)
		}
		sources = append(sources, p)
	}
	entries, _ := json.Marshal([]builtin.Entry{{Type: "fhs", Sources: sources, Collisions: "first",
		MountPoints: []string{"nix/store", "etc", "proc", "sys", "dev", "run", "tmp", "var/tmp", "var/lib/probe"}}})
	root := "/nix/store/" + strings.Repeat("r", 32) + "-unit-probe-root"
	if err := builtin.Run(ctx, &builtin.Request{Builder: builtin.Files, Env: map[string]string{"entries": string(entries)},
		Outputs: map[string]string{"out": root}, StoreDir: "/nix/store", RealStoreDir: inside("/nix/store"), OutDir: inside("/nix/store")}); err != nil {
		t.Fatal(err)
	}
	unit := `[Service]
Type=oneshot
RemainAfterExit=yes
RootDirectory=` + root + `
BindReadOnlyPaths=/nix/store
BindReadOnlyPaths=/etc
MountAPIVFS=true
PrivateTmp=true
ProtectSystem=strict
StateDirectory=probe
ExecStart=/bin/sh -c 'test ! -e /usr/bin/systemctl && test ! -e /usr/bin/apt-get && test -e /proc/self && : > /tmp/t && ! (: > /usr/x) 2>/dev/null && echo confined > /var/lib/probe/out'
`
	os.MkdirAll(inside("/confined"), 0o755)
	if err := os.WriteFile(inside("/confined/probe.service"), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.Load(ctx, []service.Unit{{Name: "probe.service", Path: "/confined/probe.service"}}); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, "probe.service"); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(inside("/var/lib/probe/out")); err != nil || string(data) != "confined\n" {
		t.Errorf("the confined command wrote %q %v to its state folder", data, err)
	}
}
