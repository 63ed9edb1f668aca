// Package supervise is cairn's own service manager for hosts without
// systemd (containers, the local demo). A long-running daemon, started with
// `cairn supervise --root DIR`, runs the units of a generation with the
// systemd semantics cairn's configurations rely on: dependencies (Requires,
// Wants, BindsTo pull units in; After/Before order them; stop runs in
// reverse), restart policies with a start limit, Environment and
// EnvironmentFile, User and Group looked up in the managed root's
// etc/passwd and etc/group, WorkingDirectory, ExecStartPre/Post,
// ExecReload with $MAINPID, ExecStop or KillSignal then SIGKILL after
// TimeoutStopSec, oneshot with RemainAfterExit, and timers.
//
// Each service runs in its own process group; stopping it signals the
// group, so children die with it. Output goes to DIR/var/log/cairn/NAME.log,
// rotated by size.
//
// The daemon is controlled over DIR/run/cairn/supervise.sock, one JSON
// request and one JSON response per connection (see Request and Response).
// Client implements service.Manager over that socket, so activation drives
// the supervisor and systemd through the same interface. The daemon
// outlives its clients: Load with a new set of unit files takes over a new
// generation, keeping unchanged units running and stopping removed ones.
//
// With a root other than "/", store paths and /etc paths in unit files
// (executables, arguments, EnvironmentFile=) name files under the root:
// /nix/store/x is DIR/nix/store/x and /etc/x is DIR/etc/x.
package supervise
