package supervise

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"cairn.dev/cairn/internal/service/confine"
	"cairn.dev/cairn/internal/service/unit"
)

// defaultPath is the PATH services start with, as systemd's.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// hostPath translates a path of a unit file to the file it names on this
// host: with a root other than "/", store paths and /etc paths are under
// the root.
func (d *Daemon) hostPath(p string) string {
	if d.root == "/" {
		return p
	}
	for _, pre := range []string{d.storeDir + "/", "/etc/"} {
		if strings.HasPrefix(p, pre) {
			return filepath.Join(d.root, p)
		}
	}
	return p
}

// hostArg translates store and /etc paths in one argument: the whole word,
// or the part after the first '=' (--config=/etc/x.conf).
func (d *Daemon) hostArg(a string) string {
	if d.root == "/" {
		return a
	}
	if strings.HasPrefix(a, "/") {
		return d.hostPath(a)
	}
	if i := strings.IndexByte(a, '='); i >= 0 && strings.HasPrefix(a[i+1:], "/") {
		return a[:i+1] + d.hostPath(a[i+1:])
	}
	return a
}

// environment computes a unit's environment: PATH, the account's USER,
// LOGNAME, HOME and SHELL, Environment= and then EnvironmentFile= (which
// override, as in systemd), and extra (e.g. MAINPID).
func (d *Daemon) environment(u *unit.File, acct *account, extra ...string) ([]string, error) {
	env := map[string]string{"PATH": defaultPath}
	var order []string
	set := func(kv string) {
		k, v, _ := strings.Cut(kv, "=")
		if _, ok := env[k]; !ok {
			order = append(order, k)
		}
		env[k] = v
	}
	order = append(order, "PATH")
	if acct != nil && acct.Name != "" {
		set("USER=" + acct.Name)
		set("LOGNAME=" + acct.Name)
		set("HOME=" + acct.Home)
		set("SHELL=" + acct.Shell)
	}
	for _, kv := range u.Service.Environment {
		set(kv)
	}
	for _, ef := range u.Service.EnvironmentFile {
		kvs, err := readEnvFile(d.hostPath(ef.Path))
		if err != nil {
			if ef.Optional && os.IsNotExist(err) {
				continue
			}
			return nil, fmt.Errorf("EnvironmentFile=%s: %v", ef.Path, err)
		}
		for _, kv := range kvs {
			set(kv)
		}
	}
	for _, kv := range extra {
		set(kv)
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+env[k])
	}
	return out, nil
}

// readEnvFile reads KEY=VALUE lines; # and ; start comments, quotes around
// the value are removed, a leading "export " is ignored.
func readEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out = append(out, k+"="+v)
	}
	return out, sc.Err()
}

// command builds the process for one Exec line of u, in its own process
// group, with output to log.
func (d *Daemon) command(u *unit.File, c unit.Command, env []string, acct *account, out *os.File) (*exec.Cmd, error) {
	lookup := func(k string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if kk, v, _ := strings.Cut(env[i], "="); kk == k {
				return v
			}
		}
		return ""
	}
	argv := c.Expand(lookup)
	path := c.Path
	if u.Service.RootDirectory != "" {
		return d.confined(u, c, argv, env, acct, out)
	}
	if !strings.HasPrefix(path, "/") {
		found := ""
		for _, dir := range filepath.SplitList(lookup("PATH")) {
			cand := d.hostPath(filepath.Join(dir, path))
			if st, err := os.Stat(cand); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				found = cand
				break
			}
		}
		if found == "" {
			return nil, fmt.Errorf("%s: executable %q not found in PATH", c.Pos, path)
		}
		path = found
	} else {
		path = d.hostPath(path)
	}
	for i := 1; i < len(argv); i++ {
		argv[i] = d.hostArg(argv[i])
	}
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env, Stdout: out, Stderr: out}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if acct != nil && !c.Privileged && acct.UID >= 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(acct.UID), Gid: uint32(acct.GID), Groups: acct.Groups}
	}
	if wd := u.Service.WorkingDirectory; wd != "" {
		if wd == "~" {
			wd = "/"
			if acct != nil {
				wd = acct.Home
			}
		}
		wd = d.hostPath(wd)
		if st, err := os.Stat(wd); err != nil || !st.IsDir() {
			if !u.Service.WorkingDirectoryOptional {
				return nil, fmt.Errorf("WorkingDirectory=%s: not a directory", u.Service.WorkingDirectory)
			}
			wd = ""
		}
		cmd.Dir = wd
	} else {
		cmd.Dir = "/"
	}
	return cmd, nil
}

// rootPath translates any absolute path of a unit to this host: under a
// root other than "/", the same path below the root.
func (d *Daemon) rootPath(p string) string {
	if d.root == "/" {
		return p
	}
	return filepath.Join(d.root, p)
}

// confined builds the process of an Exec line of a unit with
// RootDirectory=: cairn itself (`cairn __confine`), which makes the
// namespace and executes the command in it as the unit's user. Paths of
// the command are those inside the root, where the store is bound.
func (d *Daemon) confined(u *unit.File, c unit.Command, argv, env []string, acct *account, out *os.File) (*exec.Cmd, error) {
	s := u.Service
	spec := &confine.Spec{Root: d.rootPath(s.RootDirectory), APIVFS: s.MountAPIVFS, PrivateTmp: s.PrivateTmp, UID: -1, GID: -1}
	if !strings.HasPrefix(c.Path, "/") {
		return nil, fmt.Errorf("%s: with RootDirectory=, %q must be an absolute path", c.Pos, c.Path)
	}
	for _, b := range s.BindPaths {
		spec.Binds = append(spec.Binds, confine.Bind{Source: d.rootPath(b.Source), Target: b.Target, ReadOnly: b.ReadOnly, Optional: b.Optional})
	}
	// The unit's own folders are writable in the root, as systemd makes
	// them.
	for _, dir := range s.StateDirectory {
		spec.Binds = append(spec.Binds, confine.Bind{Source: d.rootPath("/var/lib/" + dir), Target: "/var/lib/" + dir})
	}
	for _, dir := range s.LogsDirectory {
		spec.Binds = append(spec.Binds, confine.Bind{Source: d.rootPath("/var/log/" + dir), Target: "/var/log/" + dir})
	}
	for _, dir := range s.RuntimeDirectory {
		spec.Binds = append(spec.Binds, confine.Bind{Source: d.rootPath("/run/" + dir), Target: "/run/" + dir})
	}
	for _, dir := range s.CacheDirectory {
		spec.Binds = append(spec.Binds, confine.Bind{Source: d.rootPath("/var/cache/" + dir), Target: "/var/cache/" + dir})
	}
	if acct != nil && !c.Privileged && acct.UID >= 0 {
		spec.UID, spec.GID, spec.Groups = acct.UID, acct.GID, acct.Groups
	}
	switch wd := s.WorkingDirectory; {
	case wd == "~" && acct != nil:
		spec.Dir = acct.Home
	case wd != "" && wd != "~":
		spec.Dir = wd
	}
	kv, err := spec.Encode()
	if err != nil {
		return nil, err
	}
	self := d.confine
	if self == "" {
		// The supervisor's own binary, even if a newer cairn has
		// replaced the file since it started.
		self = "/proc/self/exe"
	}
	cmd := &exec.Cmd{Path: self, Args: append([]string{"cairn", "__confine", c.Path}, argv...), Env: append(env, kv), Stdout: out, Stderr: out, Dir: "/"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// makeDirectories makes a unit's StateDirectory=, LogsDirectory=,
// CacheDirectory= (mode 0755) and RuntimeDirectory= folders and hands
// them to its user, as systemd does before starting it.
func (d *Daemon) makeDirectories(u *unit.File, acct *account) error {
	s := u.Service
	for base, dirs := range map[string][]string{"/var/lib/": s.StateDirectory, "/var/log/": s.LogsDirectory,
		"/var/cache/": s.CacheDirectory, "/run/": s.RuntimeDirectory} {
		for _, dir := range dirs {
			p := d.rootPath(base + dir)
			if err := os.MkdirAll(p, 0o755); err != nil {
				return fmt.Errorf("%s%s: %w", base, dir, err)
			}
			if acct != nil && acct.UID >= 0 {
				if err := os.Chown(p, acct.UID, acct.GID); err != nil {
					return fmt.Errorf("%s%s: %w", base, dir, err)
				}
			}
		}
	}
	return nil
}

// exitResult describes how a process ended, in systemd's words.
func exitResult(err error) (result, text string) {
	if err == nil {
		return "success", "exited, status=0/SUCCESS"
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
			if ws.Signaled() {
				return "signal", "killed, signal=" + ws.Signal().String()
			}
			return "exit-code", "exited, status=" + strconv.Itoa(ws.ExitStatus())
		}
	}
	return "resources", err.Error()
}
