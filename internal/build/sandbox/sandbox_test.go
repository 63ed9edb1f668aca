package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"cairn.dev/cairn/internal/store/nixhash"
)

func TestMain(m *testing.M) {
	Init()
	if os.Getenv("SANDBOX_TEST_HELPER") == "1" {
		os.Exit(helper(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helper is the test binary run inside a sandbox as /bin/probe, for what
// /bin/sh cannot do alone: "sleep D", "mkdir DIR", "symlink TARGET LINK",
// "chmod OCTAL FILE",
// and "dial ADDR", which connects to a TCP address and prints what
// happens.
func helper(args []string) int {
	switch {
	case len(args) == 2 && args[0] == "sleep":
		d, err := time.ParseDuration(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		time.Sleep(d)
		return 0
	case len(args) == 2 && args[0] == "mkdir":
		if err := os.Mkdir(args[1], 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case len(args) == 3 && args[0] == "symlink":
		if err := os.Symlink(args[1], args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case len(args) == 3 && args[0] == "chmod":
		var mode uint32
		fmt.Sscanf(args[1], "%o", &mode)
		if err := syscall.Chmod(args[2], mode); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case len(args) == 2 && args[0] == "dial":
		c, err := net.DialTimeout("tcp", args[1], 5*time.Second)
		if err != nil {
			fmt.Println("dial failed")
			return 0
		}
		defer c.Close()
		reply, _ := io.ReadAll(c)
		fmt.Printf("dial answered %s", reply)
		return 0
	}
	fmt.Fprintln(os.Stderr, "usage: probe sleep D | mkdir DIR | symlink TARGET LINK | chmod OCTAL FILE | dial ADDR")
	return 2
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the build sandbox needs root (namespaces, mounts, a build user); run the tests as root, as CI does")
	}
}

// syncBuffer is a log that the test reads while the builder writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a chroot store: /nix/store is ROOT/nix/store.
type fixture struct {
	realStore string
	paths     map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	needRoot(t)
	root := t.TempDir()
	// The build user must be able to reach nothing here; the sandbox
	// mounts what it needs.
	f := &fixture{realStore: filepath.Join(root, "nix", "store")}
	if err := os.MkdirAll(f.realStore, 0o755); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.paths, err = DefaultPaths(); err != nil {
		t.Fatal(err)
	}
	return f
}

// withProbe adds the test binary as /bin/probe (see helper), with what it
// needs to run.
func withProbe(t *testing.T, spec *Spec) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Closure(exe)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for target, source := range spec.Paths {
		paths[target] = source
	}
	for target, source := range c {
		if target == exe {
			target = "/bin/probe"
		}
		paths[target] = source
	}
	spec.Paths = paths
	spec.Env["SANDBOX_TEST_HELPER"] = "1"
}

// storePath makes a well-formed store path for name.
func storePath(name string) string {
	h := nixhash.Sum(nixhash.SHA256, []byte(name)).Base32()[:32]
	return "/nix/store/" + h + "-" + name
}

func (f *fixture) spec(name, script string) *Spec {
	out := storePath(name)
	return &Spec{
		Builder:      "/bin/sh",
		Args:         []string{"-c", script},
		Env:          map[string]string{"out": out, "name": name, "builder": "/bin/sh", "system": "x86_64-linux"},
		StoreDir:     "/nix/store",
		RealStoreDir: f.realStore,
		Outputs:      []string{out},
		Paths:        f.paths,
		Cores:        1,
		Log:          &syncBuffer{},
	}
}

// input adds a store path holding a file data with the given content.
func (f *fixture) input(t *testing.T, name, data string) string {
	t.Helper()
	p := storePath(name)
	dir := filepath.Join(f.realStore, filepath.Base(p))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), []byte(data), 0o444); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) real(p string) string { return filepath.Join(f.realStore, filepath.Base(p)) }

// storeEntries lists the real store directory, scratch directories included.
func (f *fixture) storeEntries(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(f.realStore)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func run(t *testing.T, spec *Spec) {
	t.Helper()
	if err := Run(context.Background(), spec); err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, spec.Log)
	}
}

func TestBuild(t *testing.T) {
	f := newFixture(t)
	in := f.input(t, "input", "from-input\n")
	spec := f.spec("hello", `
		set -e
		[ "$(pwd)" = /build ]
		echo scratch > /build/file
		read x < `+in+`/data
		if (echo no > `+in+`/data) 2>/dev/null; then echo "input is writable"; exit 3; fi
		if (echo no > `+in+`/new) 2>/dev/null; then echo "input dir is writable"; exit 3; fi
		echo "building" >&2
		/bin/probe mkdir $out
		echo "hello $x" > $out/greeting
	`)
	spec.Inputs = []string{in}
	withProbe(t, spec)
	run(t, spec)
	got, err := os.ReadFile(filepath.Join(f.real(spec.Outputs[0]), "greeting"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello from-input\n" {
		t.Errorf("output = %q", got)
	}
	if log := spec.Log.(*syncBuffer).String(); log != "building\n" {
		t.Errorf("log = %q", log)
	}
	want := []string{filepath.Base(in), filepath.Base(spec.Outputs[0])}
	sort.Strings(want)
	if got := f.storeEntries(t); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("store holds %q, want %q", got, want)
	}
	// The input is untouched and the output belongs to the build user.
	if data, err := os.ReadFile(filepath.Join(f.real(in), "data")); err != nil || string(data) != "from-input\n" {
		t.Errorf("input data = %q, %v", data, err)
	}
	var st = statOwner(t, f.real(spec.Outputs[0]))
	if st != [2]int{DefaultUID, DefaultGID} {
		t.Errorf("output owned by %v, want the build user", st)
	}
}

func TestFileOutputAndMultipleOutputs(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("multi", `echo one > $out; /bin/probe symlink $out $dev`)
	withProbe(t, spec)
	dev := storePath("multi-dev")
	spec.Env["dev"] = dev
	spec.Outputs = append(spec.Outputs, dev)
	run(t, spec)
	if data, err := os.ReadFile(f.real(spec.Outputs[0])); err != nil || string(data) != "one\n" {
		t.Errorf("out = %q, %v", data, err)
	}
	if link, err := os.Readlink(f.real(dev)); err != nil || link != spec.Outputs[0] {
		t.Errorf("dev -> %q, %v", link, err)
	}
}

// TestSetIDCleared checks that no output keeps a setuid or setgid bit.
func TestSetIDCleared(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("setid", `
		set -e
		/bin/probe mkdir $out
		echo x > $out/suid; /bin/probe chmod 4755 $out/suid
		echo x > $out/sgid; /bin/probe chmod 2755 $out/sgid
		/bin/probe chmod 2755 $out
	`)
	withProbe(t, spec)
	run(t, spec)
	for name, want := range map[string]os.FileMode{"": os.ModeDir | 0o755, "suid": 0o755, "sgid": 0o755} {
		fi, err := os.Lstat(filepath.Join(f.real(spec.Outputs[0]), name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
	}
}

// TestProbe compares what a builder sees (environment, file system,
// identity, host name, network) with what it sees in Nix 2.8's sandbox.
// The expectation comes from nix-build; CAIRN_UPDATE=1 regenerates it.
func TestProbe(t *testing.T) {
	f := newFixture(t)
	golden := filepath.Join("testdata", "probe.txtar")
	ar, err := txtar.ParseFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	section := func(name string) []byte {
		for _, fl := range ar.Files {
			if fl.Name == name {
				return fl.Data
			}
		}
		t.Fatalf("%s has no section %s", golden, name)
		return nil
	}
	script := string(section("probe.sh"))
	if os.Getenv("CAIRN_UPDATE") == "1" {
		out := nixProbe(t, f.paths, script)
		for i := range ar.Files {
			if ar.Files[i].Name == "nix.out" {
				ar.Files[i].Data = out
			}
		}
		if err := os.WriteFile(golden, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := string(section("nix.out"))
	m := regexp.MustCompile(`(?m)^export out='(.*)'$`).FindStringSubmatch(want)
	sys := regexp.MustCompile(`(?m)^export system='(.*)'$`).FindStringSubmatch(want)
	if m == nil || sys == nil {
		t.Fatalf("%s: no out or system in nix.out", golden)
	}
	spec := f.spec("probe", script)
	spec.Env = probeEnv(script)
	spec.Env["out"] = m[1]
	spec.Env["system"] = sys[1]
	spec.Outputs = []string{m[1]}
	spec.Cores = 2
	run(t, spec)
	got, err := os.ReadFile(f.real(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if g, w := normaliseProbe(string(got)), normaliseProbe(want); g != w {
		t.Errorf("the sandbox differs from Nix's (-nix +cairn):\n%s", lineDiff(w, g))
	}
}

// probeEnv is the probe derivation's environment, as probe.nix (written
// by nixProbe) declares it, without out and system.
func probeEnv(script string) map[string]string {
	return map[string]string{
		"name": "probe", "builder": "/bin/sh", "foo": "bar",
		"PATH": "/custom", "HOME": "/h", "NIX_BUILD_TOP": "/x", "TERM": "dumb",
		"passAsFile": "big", "big": "passed as a file",
	}
}

// nixProbe builds the probe with nix-build in a chroot store, with the
// same sandbox paths, and returns its output.
func nixProbe(t *testing.T, paths map[string]string, script string) []byte {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "probe.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	nix := `derivation {
  name = "probe"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" (builtins.readFile ./probe.sh) ];
  foo = "bar"; PATH = "/custom"; HOME = "/h"; NIX_BUILD_TOP = "/x"; TERM = "dumb";
  passAsFile = [ "big" ]; big = "passed as a file";
}
`
	if err := os.WriteFile(filepath.Join(dir, "probe.nix"), []byte(nix), 0o644); err != nil {
		t.Fatal(err)
	}
	var sp []string
	for target, source := range paths {
		sp = append(sp, target+"="+source)
	}
	sort.Strings(sp)
	cmd := exec.Command("nix-build", "--store", filepath.Join(dir, "chroot"), "--no-out-link",
		"--option", "sandbox", "true", "--option", "sandbox-paths", strings.Join(sp, " "),
		"--option", "cores", "2", "--option", "substituters", "", filepath.Join(dir, "probe.nix"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-build: %v", err)
	}
	p := strings.TrimSpace(string(out))
	data, err := os.ReadFile(filepath.Join(dir, "chroot", p))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// normaliseProbe drops what differs by design: the build user's ids
// (Nix 2.8 maps its build user to 1000:100 in a user namespace, cairn
// runs as DefaultUID:DefaultGID without one) and /dev/kvm, which both
// show only where the host has it.
func normaliseProbe(s string) string {
	for _, r := range []struct{ re, repl string }{
		{`(?m)^(Uid|Gid):.*$`, "$1: BUILD-USER"},
		{`(?m)^nixbld:x:\d+:\d+:`, "nixbld:x:UID:GID:"},
		{`(?m)^nixbld:!:\d+:`, "nixbld:!:GID:"},
		{`(?m)^/dev/kvm\n`, ""},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.repl)
	}
	return s
}

// lineDiff shows the lines of a and b that the other lacks, in order.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	// Longest common subsequence, small inputs only.
	lcs := make([][]int, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			i, j = i+1, j+1
		case j == len(bl) || (i < len(al) && lcs[i+1][j] >= lcs[i][j+1]):
			fmt.Fprintf(&out, "-%s\n", al[i])
			i++
		default:
			fmt.Fprintf(&out, "+%s\n", bl[j])
			j++
		}
	}
	return out.String()
}

func TestEnviron(t *testing.T) {
	spec := &Spec{
		StoreDir: "/nix/store", Cores: 3,
		Env: map[string]string{"out": "/nix/store/x-y", "PATH": "/p", "TMPDIR": "/no", "TERM": "dumb",
			"passAsFile": "big", "big": "data", "impureEnvVars": "http_proxy"},
	}
	want := []string{
		"HOME=/homeless-shelter", "NIX_BUILD_CORES=3", "NIX_BUILD_TOP=/build", "NIX_LOG_FD=2",
		"NIX_STORE=/nix/store", "PATH=/p", "PWD=/build", "TEMP=/build", "TEMPDIR=/build",
		"TERM=xterm-256color", "TMP=/build", "TMPDIR=/build",
		"bigPath=/build/.attr-" + nixhash.Sum(nixhash.SHA256, []byte("big")).Base32(),
		"impureEnvVars=http_proxy", "out=/nix/store/x-y", "passAsFile=big",
	}
	env, files := environ(spec, func(string) string { return "proxy" })
	if strings.Join(env, "\n") != strings.Join(want, "\n") {
		t.Errorf("env:\n%s\nwant:\n%s", strings.Join(env, "\n"), strings.Join(want, "\n"))
	}
	if len(files) != 1 || string(files[".attr-"+nixhash.Sum(nixhash.SHA256, []byte("big")).Base32()]) != "data" {
		t.Errorf("files = %q", files)
	}
	spec.Network = true
	env, _ = environ(spec, func(string) string { return "proxy" })
	joined := strings.Join(env, "\n")
	if !strings.Contains(joined, "NIX_OUTPUT_CHECKED=1") || !strings.Contains(joined, "http_proxy=proxy") {
		t.Errorf("fixed-output env lacks NIX_OUTPUT_CHECKED or the impure variable:\n%s", joined)
	}
}

// listen opens a TCP listener on the host's loopback interface that
// answers every connection with "host".
func listen(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("host\n"))
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).AddrPort().String()
}

// netScript connects to the host's listener at addr and lists the
// network interfaces the builder sees.
func netScript(addr string) string {
	return `
		exec > $out
		/bin/probe dial ` + addr + `; echo
		while read -r line; do case "$line" in *:*) echo "if ${line%%:*}";; esac; done < /proc/net/dev
		for f in /etc/*; do echo "etc $f"; done
		echo "checked=$NIX_OUTPUT_CHECKED"
	`
}

func TestNoNetwork(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("nonet", netScript(listen(t)))
	withProbe(t, spec)
	run(t, spec)
	got, _ := os.ReadFile(f.real(spec.Outputs[0]))
	if want := "dial failed\n\nif lo\netc /etc/group\netc /etc/hosts\netc /etc/passwd\nchecked=\n"; string(got) != want {
		t.Errorf("the sandbox sees the host network:\n%s\nwant:\n%s", got, want)
	}
}

func TestFixedOutputNetwork(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("net", netScript(listen(t)))
	spec.Network = true
	withProbe(t, spec)
	run(t, spec)
	got, _ := os.ReadFile(f.real(spec.Outputs[0]))
	want := "dial answered host\n\n"
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	var seen []string
	for _, m := range regexp.MustCompile(`(?m)^if (.*)$`).FindAllStringSubmatch(string(got), -1) {
		seen = append(seen, m[1])
	}
	sort.Strings(names)
	sort.Strings(seen)
	if !strings.HasPrefix(string(got), want) || strings.Join(seen, " ") != strings.Join(names, " ") {
		t.Errorf("a fixed-output build does not see the host network:\n%s\nwant %q and the interfaces %q", got, want, names)
	}
	// As Nix: the host's name service files, and NIX_OUTPUT_CHECKED.
	wantEtc := "etc /etc/group\n"
	if _, err := os.Stat("/etc/hosts"); err == nil {
		wantEtc += "etc /etc/hosts\n"
	}
	wantEtc += "etc /etc/nsswitch.conf\netc /etc/passwd\n"
	if _, err := os.Stat("/etc/resolv.conf"); err == nil {
		wantEtc += "etc /etc/resolv.conf\n"
	}
	if _, err := os.Stat("/etc/services"); err == nil {
		wantEtc += "etc /etc/services\n"
	}
	wantEtc += "checked=1\n"
	if !strings.HasSuffix(string(got), wantEtc) {
		t.Errorf("a fixed-output build sees:\n%s\nwant it to end with:\n%s", got, wantEtc)
	}
}

func TestHostHidden(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("hidden", `
		exec > $out
		for p in /root /usr /usr/bin /etc/hostname /etc/shadow /etc/resolv.conf /home /sys /var /run /nix/var `+f.realStore+`; do
			if [ -e "$p" ]; then echo "visible: $p"; fi
		done
		read h < /proc/sys/kernel/hostname; echo "hostname=$h"
		n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo "processes=$n"
		read c < /proc/1/status; echo "pid1=$c"
		echo "self=$$"
		if (echo x > /new) 2>/dev/null; then echo "root writable"; fi
		if (echo x > /etc/passwd) 2>/dev/null; then echo "passwd writable"; fi
	`)
	run(t, spec)
	got, _ := os.ReadFile(f.real(spec.Outputs[0]))
	want := "hostname=localhost\nprocesses=1\npid1=Name:\tsh\nself=1\n"
	if string(got) != want {
		t.Errorf("the sandbox shows:\n%s\nwant:\n%s", got, want)
	}
}

func TestFailure(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("fail", `/bin/probe mkdir $out; echo partial > $out/f; echo failing >&2; exit 3`)
	withProbe(t, spec)
	err := Run(context.Background(), spec)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("Run = %v, want exit code 3", err)
	}
	if got := f.storeEntries(t); len(got) != 0 {
		t.Errorf("a failed build left %q in the store", got)
	}
	if log := spec.Log.(*syncBuffer).String(); log != "failing\n" {
		t.Errorf("log = %q", log)
	}
}

func TestMissingOutput(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("lazy", `dev_is=$dev; echo one > $out`)
	dev := storePath("lazy-dev")
	spec.Env["dev"] = dev
	spec.Outputs = append(spec.Outputs, dev)
	err := Run(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "failed to produce output path "+dev) {
		t.Fatalf("Run = %v, want a missing output", err)
	}
	if got := f.storeEntries(t); len(got) != 0 {
		t.Errorf("a build without all its outputs left %q in the store", got)
	}
}

func TestSetupError(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("nobuilder", "true")
	spec.Builder = "/no/such/builder"
	err := Run(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "executing '/no/such/builder'") {
		t.Fatalf("Run = %v, want an exec error", err)
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		t.Errorf("a setup error is reported as a builder exit: %v", err)
	}
}

// TestCancel starts a builder that leaves a child and a grandchild
// sleeping, and cancels it once they run: Run returns, every process of
// the build is gone, and nothing is left in the store.
func TestCancel(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("sleeper", `
		echo partial > $out
		/bin/probe sleep 1h &
		/bin/sh -c '/bin/probe sleep 1h & /bin/probe sleep 1h' &
		echo started
		/bin/probe sleep 1h
	`)
	withProbe(t, spec)
	uid := ownUser(spec)
	log := spec.Log.(*syncBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, spec) }()
	var before []string
	for len(before) < 5 {
		select {
		case err := <-done:
			t.Fatalf("Run returned before cancellation: %v\n%s", err, log)
		case <-time.After(10 * time.Millisecond):
		}
		before = buildProcs(t, uid)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want cancellation", err)
	}
	if left := buildProcs(t, uid); len(left) != 0 {
		t.Errorf("build processes %q survived cancellation (there were %q)", left, before)
	}
	if got := f.storeEntries(t); len(got) != 0 {
		t.Errorf("a cancelled build left %q in the store", got)
	}
}

// ownUser gives spec a build user of its own, so that the processes of
// this build can be told from those of builds run by other tests at the
// same time, and returns its uid.
func ownUser(spec *Spec) int {
	spec.UID = 31000 + rand.Intn(8000)
	return spec.UID
}

// buildProcs lists the host pids of processes running as uid.
func buildProcs(t *testing.T, uid int) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if procUID(e.Name()) == fmt.Sprint(uid) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func procUID(pid string) string {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return ""
	}
	m := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindSubmatch(data)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// TestOutputsOnlyAfterSuccess holds a builder after it wrote its output
// and checks that the store does not show it until the builder is done.
func TestOutputsOnlyAfterSuccess(t *testing.T) {
	f := newFixture(t)
	spec := f.spec("late", `
		echo content > $out
		echo written
		while [ ! -e /build/go ]; do /bin/probe sleep 10ms; done
	`)
	withProbe(t, spec)
	uid := ownUser(spec)
	log := spec.Log.(*syncBuffer)
	done := make(chan error, 1)
	go func() { done <- Run(context.Background(), spec) }()
	for !strings.Contains(log.String(), "written") {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v\n%s", err, log)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := os.Lstat(f.real(spec.Outputs[0])); err == nil {
		t.Error("the output is in the store while the builder still runs")
	}
	// Release the builder through its build directory, which is the
	// working directory of the sandbox's PID 1.
	pids := buildProcs(t, uid)
	released := false
	for _, pid := range pids {
		if os.WriteFile("/proc/"+pid+"/cwd/go", nil, 0o644) == nil {
			released = true
			break
		}
	}
	if !released {
		t.Fatalf("could not release the builder (build processes %q)", pids)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v\n%s", err, log)
	}
	if data, err := os.ReadFile(f.real(spec.Outputs[0])); err != nil || string(data) != "content\n" {
		t.Errorf("output = %q, %v", data, err)
	}
}

func TestInvalidSpec(t *testing.T) {
	f := newFixture(t)
	for name, mod := range map[string]func(*Spec){
		"relative builder":   func(s *Spec) { s.Builder = "sh" },
		"output elsewhere":   func(s *Spec) { s.Outputs = []string{"/tmp/x-y"} },
		"no outputs":         func(s *Spec) { s.Outputs = nil },
		"missing input":      func(s *Spec) { s.Inputs = []string{storePath("absent")} },
		"input is an output": func(s *Spec) { s.Inputs = s.Outputs },
		"bad store dir":      func(s *Spec) { s.StoreDir = "/nix/store/" },
		"relative path":      func(s *Spec) { s.Paths = map[string]string{"bin/sh": "/bin/sh"} },
	} {
		spec := f.spec("invalid", "true")
		mod(spec)
		if err := Run(context.Background(), spec); err == nil {
			t.Errorf("%s: Run succeeded", name)
		}
	}
	if got := f.storeEntries(t); len(got) != 0 {
		t.Errorf("invalid specs left %q in the store", got)
	}
}

func statOwner(t *testing.T, p string) [2]int {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return [2]int{int(st.Uid), int(st.Gid)}
}

// BenchmarkTrivialBuild measures the set-up and tear-down of a sandbox
// around a builder that only writes $out.
func BenchmarkTrivialBuild(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("the build sandbox needs root")
	}
	paths, err := DefaultPaths()
	if err != nil {
		b.Fatal(err)
	}
	realStore := filepath.Join(b.TempDir(), "nix", "store")
	if err := os.MkdirAll(realStore, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		out := storePath(fmt.Sprintf("trivial-%d", i))
		spec := &Spec{
			Builder: "/bin/sh", Args: []string{"-c", "echo hi > $out"},
			Env:      map[string]string{"out": out},
			StoreDir: "/nix/store", RealStoreDir: realStore, Outputs: []string{out}, Paths: paths,
		}
		if err := Run(context.Background(), spec); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInitOutsideSandbox runs this test binary with the init's marker but
// without the descriptors Run passes: Init refuses and exits with 2.
func TestInitOutsideSandbox(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), initEnv+"=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "not started by the build sandbox") {
		t.Fatalf("exit %v, output %q", err, out)
	}
}
