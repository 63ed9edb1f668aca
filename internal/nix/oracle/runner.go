package oracle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Invocation is one evaluation request: the arguments of `cairn eval` (the
// same as those of `nix-instantiate --eval`), run in Dir with exactly the
// variables in Env.
type Invocation struct {
	Args  []string
	Dir   string
	Env   map[string]string
	Stdin string
}

// Result is what an invocation printed and how it exited.
type Result struct {
	Stdout string
	Stderr string
	Code   int  // exit status; -1 when the command did not finish
	Hung   bool // the deadline passed before the command returned
}

// Runner executes invocations.
type Runner interface {
	Run(ctx context.Context, inv Invocation) Result
}

// Exec runs an external command: Argv followed by the invocation's
// arguments, e.g. Argv = ["nix-instantiate", "--eval"] or
// ["/path/to/cairn", "eval"]. PATH is taken from Path when the invocation's
// environment has none.
type Exec struct {
	Argv    []string
	Path    string        // PATH for the child when Env has none
	Timeout time.Duration // per invocation; zero means no limit
}

// Run implements Runner.
func (e Exec) Run(ctx context.Context, inv Invocation) Result {
	if e.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.Timeout)
		defer cancel()
	}
	args := append(append([]string(nil), e.Argv[1:]...), inv.Args...)
	cmd := exec.CommandContext(ctx, e.Argv[0], args...)
	cmd.Dir = inv.Dir
	cmd.Env = environ(inv.Env, e.Path)
	cmd.Stdin = strings.NewReader(inv.Stdin)
	// On the deadline, kill the whole process group: a child left behind
	// would hold the pipes open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.Code, res.Hung = -1, true
	case err == nil:
		res.Code = 0
	case errors.As(err, &exitErr):
		res.Code = exitErr.ExitCode()
	default:
		res.Code = -1
		res.Stderr += fmt.Sprintf("oracle: running %s: %v\n", e.Argv[0], err)
	}
	return res
}

// environ turns env into the KEY=VALUE form, sorted, adding PATH when
// missing.
func environ(env map[string]string, path string) []string {
	out := make([]string, 0, len(env)+1)
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	if _, ok := env["PATH"]; !ok && path != "" {
		out = append(out, "PATH="+path)
	}
	sort.Strings(out)
	return out
}

// MainFunc is the shape of cli.Run once its Env is unpacked: it runs one
// command with the given stdio, environment lookup and working directory,
// and returns the exit status.
type MainFunc func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, dir string, args []string) int

// InProcess runs Main in a goroutine with Prefix before the invocation's
// arguments (e.g. ["eval"]). The context passed to Main is cancelled at the
// deadline; if Main has not returned by then, the result is marked Hung and
// the goroutine is abandoned. A panic in Main is reported as exit status -1
// with the panic and stack on stderr.
type InProcess struct {
	Main    MainFunc
	Prefix  []string
	Timeout time.Duration // per invocation; zero means no limit
}

// Run implements Runner.
func (p InProcess) Run(ctx context.Context, inv Invocation) Result {
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	args := append(append([]string(nil), p.Prefix...), inv.Args...)
	env := inv.Env
	getenv := func(k string) string { return env[k] }
	stdout, stderr := new(lockedBuffer), new(lockedBuffer)
	done := make(chan int, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				fmt.Fprintf(stderr, "oracle: panic: %v\n%s", r, debug.Stack())
				done <- -1
			}
		}()
		done <- p.Main(ctx, strings.NewReader(inv.Stdin), stdout, stderr, getenv, inv.Dir, args)
	}()
	select {
	case code := <-done:
		return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
	case <-ctx.Done():
		// Give a context-aware Main a moment to return on its own.
		select {
		case code := <-done:
			return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: code, Hung: true}
		case <-time.After(100 * time.Millisecond):
		}
		return Result{Stdout: stdout.String(), Stderr: stderr.String(), Code: -1, Hung: true}
	}
}
