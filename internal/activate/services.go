package activate

import (
	"bytes"
	"context"
	"os"
	"sort"

	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/system"
)

// ServicePlan is the unit part of a plan, under NixOS's
// switch-to-configuration rules: units that are gone are stopped; active
// units whose file or restart triggers changed are restarted, or reloaded
// (reloadIfChanged), or stopped before the activation and started after it
// (stopIfChanged), or left alone and reported (restartIfChanged false);
// active units whose reload triggers alone changed are reloaded; wanted
// units that are not active are started.
type ServicePlan struct {
	Stop, Start, Restart, Reload, Skipped []string
	Units                                 []service.Unit // the new generation's units, for Load
	NoManager                             bool
}

// isActive reports whether the manager runs a unit; with no manager, the
// units the old generation wanted count as running.
func isActive(ctx context.Context, m service.Manager, old *system.Toplevel, name string) bool {
	if m == nil {
		if old == nil {
			return false
		}
		for _, w := range old.Gen.WantedUnits {
			if w == name {
				return true
			}
		}
		return false
	}
	st, err := m.Status(ctx, name)
	if err != nil {
		return false
	}
	switch st.Active {
	case "active", "activating", "reloading":
		return true
	}
	return false
}

func planServices(ctx context.Context, root system.Root, m service.Manager, old, nw *system.Toplevel) ServicePlan {
	p := ServicePlan{NoManager: m == nil}
	wanted := map[string]bool{}
	for _, w := range nw.Gen.WantedUnits {
		wanted[w] = true
	}
	for _, name := range nw.Gen.SortedUnitNames() {
		p.Units = append(p.Units, service.Unit{Name: name, Path: nw.UnitPath(name)})
	}
	names := map[string]bool{}
	for _, n := range nw.Gen.SortedUnitNames() {
		names[n] = true
	}
	if old != nil {
		for _, n := range old.Gen.SortedUnitNames() {
			names[n] = true
		}
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		nu, inNew := nw.Unit(name)
		var ou system.Unit
		inOld := false
		if old != nil {
			ou, inOld = old.Unit(name)
		}
		active := isActive(ctx, m, old, name)
		switch {
		case inOld && !inNew:
			if active {
				p.Stop = append(p.Stop, name)
			}
		case inOld && inNew && active:
			changed := ou.Triggers != nu.Triggers || !sameFile(root.Host(old.UnitPath(name)), root.Host(nw.UnitPath(name)))
			switch {
			case changed && !nu.RestartIfChanged:
				p.Skipped = append(p.Skipped, name)
			case changed && nu.ReloadIfChanged:
				p.Reload = append(p.Reload, name)
			case changed && nu.StopIfChanged:
				p.Stop = append(p.Stop, name)
				p.Start = append(p.Start, name)
			case changed:
				p.Restart = append(p.Restart, name)
			case ou.ReloadTriggers != nu.ReloadTriggers:
				p.Reload = append(p.Reload, name)
			}
		case inNew && !active && wanted[name]:
			p.Start = append(p.Start, name)
		}
	}
	return p
}

func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	da, err1 := os.ReadFile(a)
	db, err2 := os.ReadFile(b)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
}
