package activate

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/system"
)

// Action is what a plan does with the new generation.
type Action string

// The actions; each one is a verb of the command line.
const (
	Switch   Action = "switch"   // new generation, activate, boot entry
	Boot     Action = "boot"     // new generation, boot entry, no activation
	Test     Action = "test"     // activate, no generation
	Rollback Action = "rollback" // activate an existing generation and point the profile at it
)

// Activator moves one root between generations.
type Activator struct {
	Root     system.Root
	Profiles *system.Profiles
	Manager  service.Manager // nil: units are not driven, only reported
	Log      io.Writer       // progress and activation scripts' output
	// RunScript runs an activation script; nil runs ROOT/SCRIPT directly.
	RunScript func(ctx context.Context, script string, env []string) error
	// BeforeStep, if not nil, is called before each step of Apply (tests
	// use it to interrupt a switch at every step in turn).
	BeforeStep func(n int, name string)
	// BeforeCommitOp, if not nil, is called before each operation of the
	// commit step (tests use it to interrupt a commit half-way).
	BeforeCommitOp func(n int, op CommitOp)
}

// Request says what to plan.
type Request struct {
	Action Action
	Old    *system.Toplevel // the active generation (nil: none)
	New    *system.Toplevel
	// FromGeneration is the profile's generation before; ToGeneration the
	// one it points to after (0: the profile is left alone).
	FromGeneration, ToGeneration int
	NewGeneration                bool // ToGeneration is made by this plan
	DropGeneration               int  // a generation link to delete at the end (undoing an interrupted switch)
}

// Plan is everything a switch does, computed before anything changes.
type Plan struct {
	Request
	Etc       EtcPlan
	Users     UsersPlan
	Tmpfiles  []Tmpfile // all rules (applied in order)
	Pending   []Tmpfile // rules that would change something
	Scripts   []system.Script
	Services  ServicePlan
	Conflicts []string
	ids       *idLookup
}

// Activates reports whether the plan activates the new generation.
func (p *Plan) Activates() bool { return p.Action != Boot }

// Plan computes the plan of r against the actual state of the root (and of
// the service manager). It changes nothing.
func (a *Activator) Plan(ctx context.Context, r Request) (*Plan, error) {
	p := &Plan{Request: r}
	if !p.Activates() {
		return p, nil
	}
	var err error
	if p.Users, err = planUsers(a.Root, r.New.Gen); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	p.ids = &idLookup{users: p.Users.users, groups: p.Users.groups}
	if p.Etc, err = planEtc(a.Root, r.New, p.ids); err != nil {
		return nil, fmt.Errorf("etc: %w", err)
	}
	p.Conflicts = append(p.Conflicts, p.Etc.Conflicts...)
	for i, l := range r.New.Gen.Tmpfiles {
		t, err := ParseTmpfile(l, i)
		if err != nil {
			return nil, err
		}
		p.Tmpfiles = append(p.Tmpfiles, t)
		if t.needed(a.Root, p.ids) {
			p.Pending = append(p.Pending, t)
		}
	}
	if p.Scripts, err = orderScripts(r.New.Gen.ActivationScripts); err != nil {
		return nil, err
	}
	p.Services = planServices(ctx, a.Root, a.Manager, r.Old, r.New)
	return p, nil
}

// orderScripts sorts activation scripts so that each runs after its
// dependencies; among ready scripts, by name.
func orderScripts(in []system.Script) ([]system.Script, error) {
	byName := map[string]system.Script{}
	for _, s := range in {
		byName[s.Name] = s
	}
	var out []system.Script
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("activation scripts: dependency cycle %s", strings.Join(append(path, name), " -> "))
		case 2:
			return nil
		}
		state[name] = 1
		deps := append([]string(nil), byName[name].Deps...)
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		out = append(out, byName[name])
		return nil
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Print writes the plan as dry-activate shows it.
func (p *Plan) Print(w io.Writer) {
	from := "none"
	if p.Old != nil {
		from = p.Old.Path
	}
	fmt.Fprintf(w, "%s to %s\n", p.Action, p.New.Path)
	fmt.Fprintf(w, "  active now: %s\n", from)
	switch {
	case p.ToGeneration > 0 && p.NewGeneration:
		fmt.Fprintf(w, "generation: new generation %d (profile was at %d)\n", p.ToGeneration, p.FromGeneration)
	case p.ToGeneration > 0:
		fmt.Fprintf(w, "generation: profile to generation %d (was %d)\n", p.ToGeneration, p.FromGeneration)
	default:
		fmt.Fprintf(w, "generation: unchanged\n")
	}
	if p.DropGeneration > 0 {
		fmt.Fprintf(w, "  delete generation %d (its switch was interrupted)\n", p.DropGeneration)
	}
	if !p.Activates() {
		fmt.Fprintf(w, "activation: none (takes effect at the next boot)\n")
		return
	}
	if len(p.Conflicts) > 0 {
		fmt.Fprintf(w, "conflicts:\n")
		for _, c := range p.Conflicts {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
	fmt.Fprintf(w, "etc:\n")
	if p.Etc.StaticFrom != p.Etc.StaticTo {
		fmt.Fprintf(w, "  static %s -> %s\n", orNone(p.Etc.StaticFrom), p.Etc.StaticTo)
	}
	if p.Etc.StaticFrom == p.Etc.StaticTo && len(p.Etc.Changes) == 0 {
		fmt.Fprintf(w, "  unchanged\n")
	}
	for _, c := range p.Etc.Changes {
		extra := ""
		if c.Kind == "copy" && c.Op != "remove" {
			extra = fmt.Sprintf(" (%04o %s)", uint32(c.Mode.Perm()), c.owner)
		}
		fmt.Fprintf(w, "  %-7s %-4s /etc/%s%s\n", c.Op, c.Kind, c.Target, extra)
	}
	fmt.Fprintf(w, "users and groups:\n")
	if !p.Users.Managed {
		fmt.Fprintf(w, "  not managed (the generation declares none)\n")
	} else if len(p.Users.Changes) == 0 {
		fmt.Fprintf(w, "  unchanged\n")
	}
	for _, c := range p.Users.Changes {
		fmt.Fprintf(w, "  %s\n", c)
	}
	if len(p.Pending) > 0 {
		fmt.Fprintf(w, "tmpfiles:\n")
		for _, t := range p.Pending {
			fmt.Fprintf(w, "  %s\n", t)
		}
	}
	if len(p.Scripts) > 0 {
		var n []string
		for _, s := range p.Scripts {
			n = append(n, s.Name)
		}
		fmt.Fprintf(w, "activation scripts: %s\n", strings.Join(n, ", "))
	}
	s := p.Services
	fmt.Fprintf(w, "services:")
	if s.NoManager {
		fmt.Fprintf(w, " (no service manager: units are not driven)")
	}
	fmt.Fprintln(w)
	for _, l := range []struct {
		verb  string
		units []string
	}{{"stop", s.Stop}, {"reload", s.Reload}, {"restart", s.Restart}, {"start", s.Start}, {"skip", s.Skipped}} {
		if len(l.units) > 0 {
			what := strings.Join(l.units, " ")
			if l.verb == "skip" {
				what += " (changed, restartIfChanged = false)"
			}
			fmt.Fprintf(w, "  %-7s %s\n", l.verb, what)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// ReadActive returns the toplevel ROOT/run/current-system points to, or
// nil when there is none.
func (a *Activator) ReadActive() (*system.Toplevel, error) {
	t := a.Profiles.CurrentSystem()
	if t == "" {
		return nil, nil
	}
	return a.Root.ReadToplevel(t)
}

// runScript runs an activation script.
func (a *Activator) runScript(ctx context.Context, s system.Script, env []string) error {
	if a.RunScript != nil {
		return a.RunScript(ctx, s.Script, env)
	}
	return execScript(ctx, a.Root.Host(s.Script), env, a.Log)
}
