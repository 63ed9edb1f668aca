package supervise

import (
	"path/filepath"

	"cairn.dev/cairn/internal/service"
)

// Request is one call to the daemon.
type Request struct {
	Op    string         `json:"op"` // ping, load, start, stop, restart, reload, status, logs, shutdown
	Units []service.Unit `json:"units,omitempty"`
	Names []string       `json:"names,omitempty"`
	Lines int            `json:"lines,omitempty"`
}

// Response is the daemon's answer; Error is empty on success.
type Response struct {
	Error     string         `json:"error,omitempty"`
	UnitError *UnitError     `json:"unitError,omitempty"`
	State     *service.State `json:"state,omitempty"`
	Lines     []string       `json:"lines,omitempty"`
	PID       int            `json:"pid,omitempty"`
}

// UnitError is service.UnitError on the wire.
type UnitError struct {
	Op   string   `json:"op"`
	Unit string   `json:"unit"`
	Err  string   `json:"err"`
	Log  []string `json:"log,omitempty"`
}

// Paths of the daemon's state under a root.
type Paths struct{ Root string }

// RunDir is DIR/run/cairn.
func (p Paths) RunDir() string { return filepath.Join(p.Root, "run", "cairn") }

// Socket is the control socket.
func (p Paths) Socket() string { return filepath.Join(p.RunDir(), "supervise.sock") }

// PIDFile holds the daemon's pid.
func (p Paths) PIDFile() string { return filepath.Join(p.RunDir(), "supervise.pid") }

// LogDir holds one log file a unit.
func (p Paths) LogDir() string { return filepath.Join(p.Root, "var", "log", "cairn") }

// Log is the log file of unit name.
func (p Paths) Log(name string) string { return filepath.Join(p.LogDir(), name+".log") }
