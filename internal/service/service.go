// Package service defines how cairn drives the service manager of a host:
// one small Manager interface that activation applies its plan through, with
// two implementations, systemd (package service/systemd) and cairn's own
// supervisor for hosts without systemd (package service/supervise).
//
// Units are systemd unit files in a generation's units/ directory; both
// managers read the same files (package service/unit parses them).
package service

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Unit is one unit file of a generation.
type Unit struct {
	Name string // "nginx.service", "backup.timer"
	Path string // absolute path of the unit file, e.g. TOPLEVEL/units/nginx.service
}

// State is what a manager reports of one unit.
type State struct {
	Name    string
	Active  string // active, inactive, failed, activating, reloading, deactivating
	Sub     string // running, exited, dead, waiting, auto-restart, ...
	MainPID int
	Since   time.Time // when Active last changed
	Result  string    // success, exit-code, signal, start-limit-hit, ...
}

// Manager runs the units of a generation.
type Manager interface {
	// Load makes the manager see exactly this set of unit files. Running
	// units are not started or stopped by Load, except that units missing
	// from the set may be stopped (the supervisor stops them; systemd leaves
	// them to the plan).
	Load(ctx context.Context, units []Unit) error
	Start(ctx context.Context, names ...string) error
	Stop(ctx context.Context, names ...string) error
	Restart(ctx context.Context, names ...string) error
	Reload(ctx context.Context, names ...string) error
	Status(ctx context.Context, name string) (State, error)
	// Logs returns the last lines of the unit's log, oldest first.
	Logs(ctx context.Context, name string, lines int) ([]string, error)
}

// UnitError is the error of a unit that failed to start, stop, restart or
// reload; it carries the tail of the unit's log.
type UnitError struct {
	Op   string // "start", "stop", "restart", "reload"
	Unit string
	Err  error
	Log  []string // log tail, oldest first
}

func (e *UnitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %v", e.Op, e.Unit, e.Err)
	if len(e.Log) > 0 {
		b.WriteString("\nlog tail:")
		for _, l := range e.Log {
			b.WriteString("\n  ")
			b.WriteString(l)
		}
	}
	return b.String()
}

func (e *UnitError) Unwrap() error { return e.Err }

// LogTailLines is how many log lines a UnitError carries.
const LogTailLines = 20
