package activate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/system"
)

// ConflictError is returned when files cairn did not create are in the
// way; nothing has changed.
type ConflictError struct{ Conflicts []string }

func (e *ConflictError) Error() string {
	return "refusing to switch: " + strings.Join(e.Conflicts, "; ")
}

// IncompleteError is returned when the switch completed but units failed
// or activation scripts failed: the root is in the new generation.
type IncompleteError struct{ Errs []error }

func (e *IncompleteError) Error() string {
	var s []string
	for _, err := range e.Errs {
		s = append(s, err.Error())
	}
	return "the switch completed with errors:\n" + strings.Join(s, "\n")
}

// step is one step of Apply.
type step struct {
	name string
	run  func(ctx context.Context) error
}

// Steps lists the names of Apply's steps for a plan, in order (numbered
// from 1 for BeforeStep).
func (a *Activator) Steps(p *Plan) []string {
	var out []string
	for _, s := range a.steps(p, nil) {
		out = append(out, s.name)
	}
	return out
}

func (a *Activator) steps(p *Plan, soft *[]error) []step {
	root := a.Root
	var s []step
	add := func(name string, f func(ctx context.Context) error) { s = append(s, step{name, f}) }
	j := &Journal{Action: p.Action, To: p.New.Path, FromGeneration: p.FromGeneration, ToGeneration: p.ToGeneration,
		NewGeneration: p.NewGeneration, DropGeneration: p.DropGeneration, PID: os.Getpid(), Started: time.Now().UTC(), Phase: PhasePrepare}
	if p.Old != nil {
		j.From = p.Old.Path
	}
	var ops []CommitOp
	add("journal", func(ctx context.Context) error {
		if prev, _ := ReadJournal(root); prev != nil {
			if _, err := a.Settle(prev); err != nil {
				return fmt.Errorf("the interrupted %s to %s: %w", prev.Action, prev.To, err)
			}
		}
		if err := removeStaging(root); err != nil {
			return err
		}
		return writeJournal(root, j)
	})
	add("stage", func(ctx context.Context) (err error) {
		ops, err = a.stage(p)
		return err
	})
	if p.Activates() {
		add("stop units", func(ctx context.Context) error {
			if a.Manager == nil || len(p.Services.Stop) == 0 {
				return nil
			}
			for _, u := range p.Services.Stop {
				if err := a.Manager.Stop(ctx, u); err != nil {
					*soft = append(*soft, err)
				}
			}
			return nil
		})
	}
	add("commit", func(ctx context.Context) error { return a.commit(j, ops) })
	if p.Activates() {
		add("homes", func(ctx context.Context) error { return applyHomes(root, p.Users) })
		add("tmpfiles", func(ctx context.Context) error {
			for _, t := range p.Tmpfiles {
				if err := t.apply(root, p.ids); err != nil {
					return err
				}
			}
			return nil
		})
		add("activation scripts", func(ctx context.Context) error {
			env := append(os.Environ(), "CAIRN_ROOT="+string(root), "systemConfig="+p.New.Path)
			for _, sc := range p.Scripts {
				if err := a.runScript(ctx, sc, env); err != nil {
					*soft = append(*soft, fmt.Errorf("activation script %s: %w", sc.Name, err))
				}
			}
			return nil
		})
		add("start units", func(ctx context.Context) error {
			if a.Manager == nil {
				return nil
			}
			if err := a.Manager.Load(ctx, p.Services.Units); err != nil {
				return fmt.Errorf("loading units: %w", err)
			}
			for _, l := range []struct {
				f     func(context.Context, ...string) error
				units []string
			}{{a.Manager.Reload, p.Services.Reload}, {a.Manager.Restart, p.Services.Restart}, {a.Manager.Start, p.Services.Start}} {
				for _, u := range l.units {
					if err := l.f(ctx, u); err != nil {
						*soft = append(*soft, err)
					}
				}
			}
			return nil
		})
	}
	add("done", func(ctx context.Context) error { return removeJournal(root) })
	return s
}

// Apply carries out a plan, step by step behind the journal. Conflicts
// stop it before anything changes. Failing units and activation scripts
// do not stop it: it completes the switch and returns an
// *IncompleteError that carries them (with the units' log tails).
func (a *Activator) Apply(ctx context.Context, p *Plan) error {
	if len(p.Conflicts) > 0 {
		return &ConflictError{p.Conflicts}
	}
	var soft []error
	for i, s := range a.steps(p, &soft) {
		if a.BeforeStep != nil {
			a.BeforeStep(i+1, s.name)
		}
		if err := ctx.Err(); err != nil && s.name != "done" {
			return fmt.Errorf("interrupted before step %d (%s); the next switch completes the switch, rollback undoes it: %w", i+1, s.name, err)
		}
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.name, err)
		}
	}
	if len(soft) > 0 {
		return &IncompleteError{soft}
	}
	return nil
}

// execScript runs an activation script, its output to log.
func execScript(ctx context.Context, path string, env []string, log io.Writer) error {
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = env
	if log == nil {
		log = io.Discard
	}
	cmd.Stdout, cmd.Stderr = log, log
	return cmd.Run()
}

// UnitErrors returns the unit failures in err, if any.
func UnitErrors(err error) []*service.UnitError {
	var out []*service.UnitError
	var inc *IncompleteError
	if errors.As(err, &inc) {
		for _, e := range inc.Errs {
			var ue *service.UnitError
			if errors.As(e, &ue) {
				out = append(out, ue)
			}
		}
	}
	return out
}

// cleanTemps removes the temporary files an interrupted switch may have
// left (atomic writes killed between create and rename). Only called
// under the switch lock with a journal present, so none is in use.
func cleanTemps(root system.Root) {
	for _, dir := range []string{"/nix/var/nix/profiles", "/run", StateDir, "/boot/loader", "/boot/loader/entries"} {
		removeTemps(root.Host(dir))
	}
	filepath.WalkDir(root.Host("/etc"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".cairn-tmp-") {
			os.Remove(p)
		}
		return nil
	})
}

func removeTemps(dir string) {
	m, _ := filepath.Glob(filepath.Join(dir, ".cairn-tmp-*"))
	for _, p := range m {
		os.Remove(p)
	}
}
