package activate

import (
	"context"
	"fmt"
	"os"
)

// RequestFor builds the request of switch, boot or test to the toplevel
// at the in-root path top: the active generation is the old one; switch
// and boot make a generation (or reuse the newest when it already is top).
func (a *Activator) RequestFor(ctx context.Context, action Action, top string) (Request, error) {
	nw, err := a.Root.ReadToplevel(top)
	if err != nil {
		return Request{}, err
	}
	old, err := a.ReadActive()
	if err != nil {
		return Request{}, fmt.Errorf("the active generation: %w", err)
	}
	r := Request{Action: action, Old: old, New: nw}
	if action == Test {
		return r, nil
	}
	if r.FromGeneration, err = a.Profiles.Current(); err != nil {
		return r, err
	}
	ns, err := a.Profiles.Numbers()
	if err != nil {
		return r, err
	}
	r.ToGeneration, r.NewGeneration = 1, true
	if len(ns) > 0 {
		last := ns[len(ns)-1]
		r.ToGeneration = last + 1
		if t, err := a.Profiles.Toplevel(last); err == nil && t == nw.Path {
			r.ToGeneration, r.NewGeneration = last, false
		}
	}
	return r, nil
}

// RollbackRequest builds the request that activates generation to (0: the
// newest generation older than the profile's current one) and points the
// profile at it.
func (a *Activator) RollbackRequest(ctx context.Context, to int) (Request, error) {
	cur, err := a.Profiles.Current()
	if err != nil {
		return Request{}, err
	}
	if to == 0 {
		ns, err := a.Profiles.Numbers()
		if err != nil {
			return Request{}, err
		}
		for _, n := range ns {
			if n < cur {
				to = n
			}
		}
		if to == 0 {
			return Request{}, fmt.Errorf("no generation older than the current one (%d) to roll back to", cur)
		}
	}
	top, err := a.Profiles.Toplevel(to)
	if err != nil {
		return Request{}, err
	}
	nw, err := a.Root.ReadToplevel(top)
	if err != nil {
		return Request{}, err
	}
	old, err := a.ReadActive()
	if err != nil {
		return Request{}, fmt.Errorf("the active generation: %w", err)
	}
	return Request{Action: Rollback, Old: old, New: nw, FromGeneration: cur, ToGeneration: to}, nil
}

// RecoverRequest builds the request that finishes an interrupted switch
// recorded in j (forward) or undoes it (backward): afterwards the root is
// in j's new generation, or in the one it came from, with the generation
// link the interrupted switch made deleted. Settle the journal first: the
// plan is computed against the root as it is (and a switch killed before
// its commit point has changed nothing there to undo).
func (a *Activator) RecoverRequest(ctx context.Context, j *Journal, forward bool) (Request, error) {
	if forward {
		nw, err := a.Root.ReadToplevel(j.To)
		if err != nil {
			return Request{}, err
		}
		r := Request{Action: j.Action, New: nw, FromGeneration: j.FromGeneration, ToGeneration: j.ToGeneration,
			NewGeneration: j.NewGeneration, DropGeneration: j.DropGeneration}
		if j.From != "" {
			if r.Old, err = a.Root.ReadToplevel(j.From); err != nil {
				return Request{}, err
			}
		}
		return r, nil
	}
	if j.From == "" {
		return Request{}, fmt.Errorf("the interrupted %s to %s was the first activation of this root: there is nothing to go back to (run switch to complete it)", j.Action, j.To)
	}
	nw, err := a.Root.ReadToplevel(j.From)
	if err != nil {
		return Request{}, err
	}
	old, err := a.Root.ReadToplevel(j.To)
	if err != nil {
		return Request{}, err
	}
	r := Request{Action: Rollback, Old: old, New: nw, FromGeneration: j.ToGeneration}
	if j.ToGeneration > 0 {
		r.ToGeneration = j.FromGeneration
	}
	if _, err := os.Lstat(a.Profiles.LinkPath(j.ToGeneration)); j.NewGeneration && err == nil {
		// made by the interrupted switch (not when it was killed before
		// its commit).
		r.DropGeneration = j.ToGeneration
	}
	if j.Action == Boot || j.Phase == PhasePrepare {
		// boot did not activate, nor did a switch killed before its
		// commit: undoing it moves nothing back but the units it stopped
		// (started again as the old generation wants them).
		r.Old = nw
	}
	if j.Phase == PhasePrepare && j.ToGeneration > 0 {
		r.FromGeneration = j.FromGeneration
	}
	return r, nil
}
