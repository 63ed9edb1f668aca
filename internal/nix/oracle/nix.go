package oracle

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Nix runs `nix-instantiate --eval --readonly-mode` (which computes store
// paths without writing to the store) with a controlled environment: the
// variables of Env, overridden by those of each invocation, and nothing
// from the test's own environment except PATH.
type Nix struct {
	Bin     string            // path of nix-instantiate
	Env     map[string]string // base environment of every call
	Path    string            // PATH for the child when no Env sets it
	Timeout time.Duration     // per process; zero means no limit
}

// FindNix looks nix-instantiate up in path (a PATH-style list) and returns
// a Nix with the environment the project's oracle tests use: the store in
// /nix/store, HOME set to home (nix writes nothing there in read-only
// mode, but it must not read the user's configuration), an empty NIX_PATH.
func FindNix(path, home string) (*Nix, error) {
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			continue
		}
		bin := dir + "/nix-instantiate"
		if p, err := exec.LookPath(bin); err == nil {
			return &Nix{
				Bin: p,
				Env: map[string]string{
					"NIX_STORE_DIR": "/nix/store",
					"HOME":          home,
					"NIX_PATH":      "",
				},
				Path:    path,
				Timeout: 2 * time.Minute,
			}, nil
		}
	}
	return nil, fmt.Errorf("oracle: nix-instantiate not found in PATH %q", path)
}

// Version returns the output of `nix-instantiate --version`, e.g.
// "nix-instantiate (Nix) 2.8.0".
func (n *Nix) Version(ctx context.Context) (string, error) {
	r := Exec{Argv: []string{n.Bin}, Path: n.Path, Timeout: n.Timeout}.Run(ctx, Invocation{Args: []string{"--version"}, Env: n.Env})
	if r.Code != 0 {
		return "", fmt.Errorf("oracle: %s --version: exit %d: %s", n.Bin, r.Code, r.Stderr)
	}
	return strings.TrimSpace(r.Stdout), nil
}

// Run implements Runner: it runs `nix-instantiate --eval --readonly-mode`
// followed by the invocation's arguments.
func (n *Nix) Run(ctx context.Context, inv Invocation) Result {
	env := make(map[string]string, len(n.Env)+len(inv.Env))
	for k, v := range n.Env {
		env[k] = v
	}
	for k, v := range inv.Env {
		env[k] = v
	}
	inv.Env = env
	return Exec{Argv: []string{n.Bin, "--eval", "--readonly-mode"}, Path: n.Path, Timeout: n.Timeout}.Run(ctx, inv)
}

// EvalFiles evaluates each of files (paths relative to dir or absolute)
// with the given flags and returns one result per file, as if each had
// been evaluated by its own `nix-instantiate --eval FLAGS FILE`.
//
// It batches: nix-instantiate evaluates its file arguments in turn and
// prints one line per value, stopping at the first error. A batch that
// exits 0 with nothing on stderr gives every file its line; otherwise the
// batch is split around the failing file so that each result's stderr
// belongs to its file alone. Flags that print more than one line per
// value (--xml) disable batching.
func (n *Nix) EvalFiles(ctx context.Context, dir string, env map[string]string, flags, files []string) []Result {
	results := make([]Result, len(files))
	batch := true
	for _, f := range flags {
		if f == "--xml" || f == "--parse" {
			batch = false
		}
	}
	var eval func(lo, hi int)
	single := func(i int) {
		args := append(append([]string(nil), flags...), files[i])
		results[i] = n.Run(ctx, Invocation{Args: args, Dir: dir, Env: env})
	}
	eval = func(lo, hi int) {
		if hi-lo == 0 {
			return
		}
		if hi-lo == 1 || !batch {
			for i := lo; i < hi; i++ {
				single(i)
			}
			return
		}
		args := append(append([]string(nil), flags...), files[lo:hi]...)
		r := n.Run(ctx, Invocation{Args: args, Dir: dir, Env: env})
		lines := strings.SplitAfter(r.Stdout, "\n")
		done := 0 // complete lines printed
		for _, l := range lines {
			if strings.HasSuffix(l, "\n") {
				done++
			}
		}
		if r.Code == 0 && r.Stderr == "" && done == hi-lo {
			for i := lo; i < hi; i++ {
				results[i] = Result{Stdout: lines[i-lo]}
			}
			return
		}
		if r.Hung || r.Code == 0 || done >= hi-lo {
			// Noise on stderr, or a hang: no line can be attributed
			// safely, so split the batch in two.
			mid := lo + (hi-lo)/2
			eval(lo, mid)
			eval(mid, hi)
			return
		}
		// Files lo..lo+done-1 printed a value, lo+done failed.
		fail := lo + done
		eval(lo, fail)
		single(fail)
		eval(fail+1, hi)
	}
	eval(0, len(files))
	return results
}
