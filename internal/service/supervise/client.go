package supervise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/service"
)

// Client is service.Manager over a running daemon's socket.
type Client struct {
	root string
}

var _ service.Manager = (*Client)(nil)

// NewClient returns a client of the daemon managing root.
func NewClient(root string) *Client { return &Client{root: root} }

func (c *Client) call(ctx context.Context, req Request) (*Response, error) {
	conn, err := dialUnix(Paths{c.root}.Socket())
	if err != nil {
		return nil, fmt.Errorf("cairn supervise for %s is not running: %v", c.root, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return nil, fmt.Errorf("supervise %s: %v", req.Op, err)
	}
	var resp Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("supervise %s: %v", req.Op, err)
	}
	if resp.UnitError != nil {
		ue := resp.UnitError
		return &resp, &service.UnitError{Op: ue.Op, Unit: ue.Unit, Err: errors.New(ue.Err), Log: ue.Log}
	}
	if resp.Error != "" {
		return &resp, errors.New(resp.Error)
	}
	return &resp, nil
}

// Ping returns the daemon's pid.
func (c *Client) Ping(ctx context.Context) (int, error) {
	r, err := c.call(ctx, Request{Op: "ping"})
	if err != nil {
		return 0, err
	}
	return r.PID, nil
}

// Shutdown asks the daemon to stop every unit and exit; it returns once
// the daemon is gone.
func (c *Client) Shutdown(ctx context.Context) error {
	if _, err := c.call(ctx, Request{Op: "shutdown"}); err != nil {
		return err
	}
	for {
		if _, err := dialUnix(Paths{c.root}.Socket()); err != nil {
			if _, err := os.Stat(Paths{c.root}.PIDFile()); os.IsNotExist(err) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *Client) Load(ctx context.Context, units []service.Unit) error {
	_, err := c.call(ctx, Request{Op: "load", Units: units})
	return err
}

func (c *Client) Start(ctx context.Context, names ...string) error {
	_, err := c.call(ctx, Request{Op: "start", Names: names})
	return err
}

func (c *Client) Stop(ctx context.Context, names ...string) error {
	_, err := c.call(ctx, Request{Op: "stop", Names: names})
	return err
}

func (c *Client) Restart(ctx context.Context, names ...string) error {
	_, err := c.call(ctx, Request{Op: "restart", Names: names})
	return err
}

func (c *Client) Reload(ctx context.Context, names ...string) error {
	_, err := c.call(ctx, Request{Op: "reload", Names: names})
	return err
}

func (c *Client) Status(ctx context.Context, name string) (service.State, error) {
	r, err := c.call(ctx, Request{Op: "status", Names: []string{name}})
	if err != nil {
		return service.State{}, err
	}
	return *r.State, nil
}

// Logs reads the unit's log file directly, so it works when the daemon is
// not running.
func (c *Client) Logs(ctx context.Context, name string, lines int) ([]string, error) {
	return ReadLog(c.root, name, lines)
}

// StartBackground starts the daemon for root by running argv (a command
// that runs it in the foreground, e.g. `cairn supervise --root DIR`) in a
// new session, detached from the caller, with its output appended to
// DIR/var/log/cairn/supervise.log. It returns the daemon's pid once it
// answers, or at once when a daemon already runs for root.
func StartBackground(ctx context.Context, root string, argv []string) (int, error) {
	c := NewClient(root)
	if pid, err := c.Ping(ctx); err == nil {
		return pid, nil
	}
	p := Paths{root}
	if err := os.MkdirAll(p.LogDir(), 0o755); err != nil {
		return 0, err
	}
	logPath := p.Log("supervise")
	out, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer devnull.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting the supervisor: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	for {
		if pid, err := c.Ping(ctx); err == nil {
			return pid, nil
		}
		select {
		case err := <-exited:
			if pid, perr := c.Ping(ctx); perr == nil {
				return pid, nil // another caller's daemon won the race
			}
			tail, _ := ReadLog(root, "supervise", 10)
			return 0, fmt.Errorf("the supervisor exited (%v):\n%s", err, joinLines(tail))
		case <-deadline:
			cmd.Process.Kill()
			return 0, fmt.Errorf("the supervisor did not answer within 30s (log: %s)", logPath)
		case <-ctx.Done():
			cmd.Process.Kill()
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func joinLines(l []string) string {
	s := ""
	for _, x := range l {
		s += "  " + x + "\n"
	}
	return s
}
