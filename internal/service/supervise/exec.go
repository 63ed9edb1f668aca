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
