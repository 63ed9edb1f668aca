package system

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Runner runs a program in a folder and returns its standard output.
type Runner func(ctx context.Context, dir, name string, args ...string) ([]byte, error)

// ExecRunner runs programs on this host.
func ExecRunner(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// ConfigRevision returns the git revision of the configuration in dir:
// HEAD's commit and whether the work tree has changes. It returns nil when
// dir is not in a git repository (or git is missing, or HEAD has no
// commit).
func ConfigRevision(ctx context.Context, run Runner, dir string) (*Revision, error) {
	out, err := run(ctx, dir, "git", "rev-parse", "--verify", "HEAD")
	if err != nil {
		return nil, nil
	}
	rev := strings.TrimSpace(string(out))
	if rev == "" {
		return nil, nil
	}
	st, err := run(ctx, dir, "git", "status", "--porcelain")
	if err != nil {
		return nil, fmt.Errorf("git status in %s: %w", dir, err)
	}
	return &Revision{Rev: rev, Dirty: len(strings.TrimSpace(string(st))) > 0}, nil
}
