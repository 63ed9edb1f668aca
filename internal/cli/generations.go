package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"cairn.dev/cairn/internal/activate"
	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/store/local"
	"cairn.dev/cairn/internal/system"
)

func runGenerations(ctx context.Context, env *Env, args []string) int {
	var root string
	var asJSON bool
	fs := newFlagSet(env, "generations", "generations [--json] [--root DIR]")
	fs.StringVar(&root, "root", "/", "the root folder of the system")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	p := &system.Profiles{Root: system.Root(abs)}
	list, err := p.List()
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if asJSON {
		data, err := system.MarshalInfos(list)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(env.Stdout, "%s\n", data)
		return exitOK
	}
	for _, in := range list {
		fmt.Fprintln(env.Stdout, infoLine(in))
	}
	return exitOK
}

func infoLine(in system.Info) string {
	mark := " "
	if in.Current {
		mark = "*"
	}
	var extra []string
	if in.Revision != nil {
		extra = append(extra, "rev "+in.Revision.String())
	}
	if in.CairnVersion != "" {
		extra = append(extra, "cairn "+in.CairnVersion)
	}
	if in.Current {
		extra = append(extra, "current")
	}
	if in.Booted {
		extra = append(extra, "booted")
	}
	return fmt.Sprintf("%s %3d  %s  %s  %s", mark, in.Number, in.Date.Format("2006-01-02 15:04:05"), in.Toplevel, strings.Join(extra, ", "))
}

func runGC(ctx context.Context, env *Env, args []string) int {
	var root, older string
	var keep int
	var noStore bool
	fs := newFlagSet(env, "gc", "gc [--keep N] [--older-than AGE] [--root DIR] [--no-store]")
	fs.StringVar(&root, "root", "/", "the root folder of the system")
	fs.BoolVar(&noStore, "no-store", false, "delete generations only, not the store paths they no longer keep alive")
	fs.IntVar(&keep, "keep", 0, "keep the N newest generations")
	fs.StringVar(&older, "older-than", "", "delete only generations older than AGE (30d, 12h)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	if keep == 0 && older == "" {
		fmt.Fprintln(env.Stderr, "error: give --keep N, --older-than AGE or both")
		return exitUsage
	}
	o := system.GCOptions{Keep: keep, Now: time.Now}
	if older != "" {
		d, err := system.ParseAge(older)
		if err != nil {
			fmt.Fprintf(env.Stderr, "error: --older-than: %v\n", err)
			return exitUsage
		}
		o.OlderThan = d
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	r := system.Root(abs)
	if !noStore {
		// As nix-collect-garbage --delete-older-than: the store paths
		// that only the deleted generations kept alive go too.
		o.StoreGC = func(ctx context.Context) error {
			st, err := local.Open(ctx, local.Options{Root: abs})
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := st.GC(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "deleted %d store paths, %d bytes freed\n", len(res.Deleted), res.Freed)
			return nil
		}
	}
	unlock, err := activate.Lock(r)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	defer unlock()
	// An interrupted switch is finished or undone first: collecting while
	// its journal names generations could delete what it needs.
	if j, err := activate.ReadJournal(r); err != nil || j != nil {
		if err == nil {
			err = fmt.Errorf("a %s to %s was interrupted (journal phase %q): run 'cairn switch' to complete it or 'cairn rollback' to undo it, then gc", j.Action, j.To, j.Phase)
		}
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	deleted, err := (&system.Profiles{Root: r}).GC(ctx, o)
	for _, n := range deleted {
		fmt.Fprintf(env.Stdout, "deleted generation %d\n", n)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if len(deleted) == 0 {
		fmt.Fprintln(env.Stdout, "nothing to delete")
	}
	return exitOK
}

func runStatus(ctx context.Context, env *Env, args []string) int {
	var sf systemFlags
	fs := newFlagSet(env, "status", "status [--root DIR] [--manager M]")
	sf.register(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	a, err := sf.activator(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	list, err := a.Profiles.List()
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	for _, in := range list {
		if in.Current {
			fmt.Fprintf(env.Stdout, "generation: %s\n", strings.TrimSpace(infoLine(in)))
		}
	}
	if j, _ := activate.ReadJournal(a.Root); j != nil {
		fmt.Fprintf(env.Stdout, "interrupted: a %s to %s (pid %d); `cairn switch` completes it, `cairn rollback` undoes it\n", j.Action, j.To, j.PID)
	}
	top, err := a.ReadActive()
	if err != nil {
		fmt.Fprintf(env.Stderr, "error: %v\n", err)
		return exitFailure
	}
	if top == nil {
		fmt.Fprintln(env.Stdout, "active: none")
		return exitOK
	}
	fmt.Fprintf(env.Stdout, "active: %s\n", top.Path)
	if rev := top.Gen.ConfigurationRevision; rev != nil {
		fmt.Fprintf(env.Stdout, "revision: %s\n", rev.String())
	}
	if a.Manager == nil {
		fmt.Fprintln(env.Stdout, "units: no service manager")
		return exitOK
	}
	failed := false
	fmt.Fprintln(env.Stdout, "units:")
	for _, name := range top.Gen.SortedUnitNames() {
		st, err := a.Manager.Status(ctx, name)
		if err != nil {
			fmt.Fprintf(env.Stdout, "  %-24s unknown (%v)\n", name, err)
			continue
		}
		fmt.Fprintf(env.Stdout, "  %-24s %s\n", name, stateLine(st))
		failed = failed || st.Active == "failed"
	}
	if failed {
		return exitFailure
	}
	return exitOK
}

func stateLine(st service.State) string {
	s := st.Active
	if st.Sub != "" {
		s += " (" + st.Sub + ")"
	}
	if st.MainPID > 0 {
		s += fmt.Sprintf(" pid %d", st.MainPID)
	}
	if st.Result != "" && st.Result != "success" {
		s += " result " + st.Result
	}
	return s
}
