package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"cairn.dev/cairn/internal/service"
	"cairn.dev/cairn/internal/service/unit"
)

// unitError builds the error of a failed operation with the unit's log tail.
func (d *Daemon) unitError(op string, u *unitRun, err error) error {
	lines, _ := ReadLog(d.root, u.name, service.LogTailLines)
	return &service.UnitError{Op: op, Unit: u.name, Err: err, Log: lines}
}

// fail marks u failed with result and returns the start error.
func (d *Daemon) fail(u *unitRun, result string, err error) error {
	u.log.Printf("failed: %v", err)
	d.mu.Lock()
	d.setState(u, "failed", "failed")
	u.result = result
	u.pid = 0
	d.mu.Unlock()
	return d.unitError("start", u, err)
}

// startOne starts one unit; manual starts reset the start limit.
func (d *Daemon) startOne(u *unitRun, manual bool) error {
	u.op.Lock()
	defer u.op.Unlock()
	return d.startLocked(u, manual, -1)
}

// startLocked starts u with u.op held; gen >= 0 (an automatic restart)
// aborts when the unit was started or stopped since.
func (d *Daemon) startLocked(u *unitRun, manual bool, gen int) error {
	d.mu.Lock()
	if gen >= 0 && u.gen != gen {
		d.mu.Unlock()
		return nil
	}
	switch u.active {
	case "active", "reloading", "activating":
		if gen < 0 {
			d.mu.Unlock()
			return nil
		}
	}
	f := u.file
	now := d.now()
	if manual {
		u.starts = nil
	}
	lim := f.Unit
	if lim.StartLimitIntervalSec > 0 && lim.StartLimitBurst > 0 {
		var recent []time.Time
		for _, t := range u.starts {
			if now.Sub(t) < lim.StartLimitIntervalSec {
				recent = append(recent, t)
			}
		}
		u.starts = recent
		if len(recent) >= lim.StartLimitBurst {
			d.mu.Unlock()
			return d.fail(u, "start-limit-hit", fmt.Errorf("start request repeated too quickly (%d starts within %s)", len(recent), lim.StartLimitIntervalSec))
		}
	}
	u.starts = append(u.starts, now)
	u.gen++
	gen = u.gen
	d.setState(u, "activating", "start")
	u.result = ""
	d.mu.Unlock()

	switch f.Kind() {
	case "target":
		d.mu.Lock()
		d.setState(u, "active", "active")
		u.result = "success"
		d.mu.Unlock()
		return nil
	case "timer":
		return d.startTimer(u)
	}
	u.log.Printf("starting %s", u.name)
	acct, err := d.account(f)
	if err != nil {
		return d.fail(u, "resources", err)
	}
	env, err := d.environment(f, acct)
	if err != nil {
		return d.fail(u, "resources", err)
	}
	if err := d.makeDirectories(f, acct); err != nil {
		return d.fail(u, "resources", err)
	}
	for _, c := range f.Service.ExecStartPre {
		if err := d.runSync(u, c, env, acct, 0); err != nil && !c.IgnoreFailure {
			return d.fail(u, "exit-code", fmt.Errorf("ExecStartPre=%s: %v", c.Path, err))
		}
	}
	switch f.Service.Type {
	case "oneshot":
		for _, c := range f.Service.ExecStart {
			if err := d.runSync(u, c, env, acct, 0); err != nil && !c.IgnoreFailure {
				return d.fail(u, "exit-code", fmt.Errorf("ExecStart=%s: %v", c.Path, err))
			}
		}
	case "forking":
		if len(f.Service.ExecStart) != 1 {
			return d.fail(u, "resources", fmt.Errorf("Type=forking needs exactly one ExecStart="))
		}
		if err := d.runSync(u, f.Service.ExecStart[0], env, acct, 0); err != nil {
			return d.fail(u, "exit-code", fmt.Errorf("ExecStart=%s: %v", f.Service.ExecStart[0].Path, err))
		}
		if f.Service.PIDFile != "" {
			data, err := os.ReadFile(d.hostPath(f.Service.PIDFile))
			pid, err2 := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil || err2 != nil || pid <= 0 {
				return d.fail(u, "resources", fmt.Errorf("PIDFile=%s: no pid", f.Service.PIDFile))
			}
			pgid, _ := syscall.Getpgid(pid)
			exited := make(chan struct{})
			d.mu.Lock()
			u.pid, u.pgid, u.exited = pid, pgid, exited
			d.mu.Unlock()
			go d.watchPID(u, pid, exited, gen)
		}
	default:
		if len(f.Service.ExecStart) != 1 {
			return d.fail(u, "resources", fmt.Errorf("Type=%s needs exactly one ExecStart= (it has %d)", typeName(f), len(f.Service.ExecStart)))
		}
		c := f.Service.ExecStart[0]
		cmd, copied, err := d.spawn(u, c, env, acct)
		if err != nil {
			return d.fail(u, "exit-code", fmt.Errorf("ExecStart=%s: %v", c.Path, err))
		}
		exited := make(chan struct{})
		d.mu.Lock()
		u.pid, u.pgid, u.exited = cmd.Process.Pid, cmd.Process.Pid, exited
		d.mu.Unlock()
		go d.monitor(u, cmd, copied, exited, gen)
	}
	d.mu.Lock()
	mainPID := u.pid
	d.mu.Unlock()
	postEnv := append(env, "MAINPID="+strconv.Itoa(mainPID))
	for _, c := range f.Service.ExecStartPost {
		if err := d.runSync(u, c, postEnv, acct, 0); err != nil && !c.IgnoreFailure {
			d.killGroup(u, syscall.SIGKILL)
			return d.fail(u, "exit-code", fmt.Errorf("ExecStartPost=%s: %v", c.Path, err))
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if u.gen != gen || u.active != "activating" {
		return nil // the main process ended already; monitor set the state
	}
	u.lastActive = d.now()
	u.result = "success"
	switch {
	case f.Service.Type == "oneshot" && !f.Service.RemainAfterExit:
		d.setState(u, "inactive", "dead")
	case f.Service.Type == "oneshot" || f.Service.Type == "forking" && u.pid == 0:
		d.setState(u, "active", "exited")
	default:
		d.setState(u, "active", "running")
	}
	u.log.Printf("started %s", u.name)
	return nil
}

func typeName(f *unit.File) string {
	if f.Service.Type == "" {
		return "simple"
	}
	return f.Service.Type
}

func (d *Daemon) account(f *unit.File) (*account, error) {
	if f.Service.User == "" && f.Service.Group == "" {
		return nil, nil
	}
	return lookupAccount(d.root, f.Service.User, f.Service.Group)
}

// spawn starts one command with output to u's log; copied is closed when
// all output has been copied.
func (d *Daemon) spawn(u *unitRun, c unit.Command, env []string, acct *account) (*exec.Cmd, chan struct{}, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd, err := d.command(u.file, c, env, acct, w)
	if err == nil {
		err = cmd.Start()
	}
	w.Close()
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	copied := make(chan struct{})
	go func() {
		u.log.copyFrom(r)
		r.Close()
		close(copied)
	}()
	return cmd, copied, nil
}

// runSync runs a command to its end (killing its group after timeout, if
// positive) and returns how it failed.
func (d *Daemon) runSync(u *unitRun, c unit.Command, env []string, acct *account, timeout time.Duration) error {
	cmd, copied, err := d.spawn(u, c, env, acct)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timer <-chan time.Time
	if timeout > 0 {
		timer = time.After(timeout)
	}
	select {
	case err = <-done:
	case <-timer:
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err = <-done
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // leftovers of the group
	waitCopy(copied)
	if err != nil {
		_, text := exitResult(err)
		return errors.New(text)
	}
	return nil
}

// waitCopy waits a little for output still in the pipe (children that
// keep it open are not waited for).
func waitCopy(copied chan struct{}) {
	select {
	case <-copied:
	case <-time.After(500 * time.Millisecond):
	}
}

// monitor waits for a main process and applies the restart policy.
func (d *Daemon) monitor(u *unitRun, cmd *exec.Cmd, copied, exited chan struct{}, gen int) {
	err := cmd.Wait()
	waitCopy(copied)
	close(exited)
	d.exitedMain(u, err, gen)
}

// watchPID follows a process that is not our child (Type=forking).
func (d *Daemon) watchPID(u *unitRun, pid int, exited chan struct{}, gen int) {
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(500 * time.Millisecond)
	}
	close(exited)
	d.exitedMain(u, nil, gen)
}

func (d *Daemon) exitedMain(u *unitRun, err error, gen int) {
	result, text := exitResult(err)
	d.mu.Lock()
	defer d.mu.Unlock()
	if u.gen != gen {
		return // stopped or restarted meanwhile; stop sets the state
	}
	u.log.Printf("main process exited, %s", text)
	u.pid = 0
	f := u.file
	clean := err == nil
	restart := false
	switch f.Service.Restart {
	case "always":
		restart = true
	case "on-success":
		restart = clean
	case "on-failure":
		restart = !clean
	case "on-abnormal", "on-abort", "on-watchdog":
		restart = result == "signal"
	}
	u.result = result
	if !restart {
		switch {
		case !clean:
			d.setState(u, "failed", "failed")
		case f.Service.RemainAfterExit:
			d.setState(u, "active", "exited")
		default:
			d.setState(u, "inactive", "dead")
		}
		return
	}
	d.setState(u, "activating", "auto-restart")
	u.log.Printf("scheduling restart in %s", f.Service.RestartSec)
	time.AfterFunc(f.Service.RestartSec, func() {
		u.op.Lock()
		defer u.op.Unlock()
		d.startLocked(u, false, gen)
	})
}

// stopOne stops a unit: ExecStop=, then KillSignal= to its process group,
// then SIGKILL after TimeoutStopSec=, then ExecStopPost=.
func (d *Daemon) stopOne(u *unitRun) error {
	u.op.Lock()
	defer u.op.Unlock()
	d.mu.Lock()
	u.gen++
	wasActive := u.active != "inactive" && u.active != "failed"
	exited := u.exited
	pid := u.pid
	stopTimer := u.timerStop
	u.timerStop = nil
	if wasActive {
		d.setState(u, "deactivating", "stop")
	}
	f := u.file
	d.mu.Unlock()
	if stopTimer != nil {
		stopTimer()
	}
	var firstErr error
	if wasActive && f.Kind() == "service" {
		u.log.Printf("stopping %s", u.name)
		acct, _ := d.account(f)
		env, _ := d.environment(f, acct, "MAINPID="+strconv.Itoa(pid))
		running := func() bool {
			if exited == nil {
				return false
			}
			select {
			case <-exited:
				return false
			default:
				return true
			}
		}
		for _, c := range f.Service.ExecStop {
			if err := d.runSync(u, c, env, acct, f.Service.TimeoutStopSec); err != nil && !c.IgnoreFailure && firstErr == nil {
				firstErr = d.unitError("stop", u, fmt.Errorf("ExecStop=%s: %v", c.Path, err))
			}
		}
		if running() {
			sig, _ := unit.Signal(f.Service.KillSignal)
			d.killGroup(u, syscall.Signal(sig))
			var timeout <-chan time.Time
			if f.Service.TimeoutStopSec > 0 {
				timeout = time.After(f.Service.TimeoutStopSec)
			}
			select {
			case <-exited:
			case <-timeout:
				u.log.Printf("stop timed out after %s; killing", f.Service.TimeoutStopSec)
				d.killGroup(u, syscall.SIGKILL)
				<-exited
			}
		}
		d.killGroup(u, syscall.SIGKILL)
		for _, c := range f.Service.ExecStopPost {
			d.runSync(u, c, env, acct, f.Service.TimeoutStopSec)
		}
		u.log.Printf("stopped %s", u.name)
	}
	d.mu.Lock()
	if u.active != "failed" || wasActive {
		d.setState(u, "inactive", "dead")
	}
	u.pid, u.pgid, u.exited = 0, 0, nil
	d.mu.Unlock()
	return firstErr
}

// killGroup signals u's process group; a group that is gone is fine.
func (d *Daemon) killGroup(u *unitRun, sig syscall.Signal) {
	d.mu.Lock()
	pgid := u.pgid
	d.mu.Unlock()
	if pgid > 1 {
		syscall.Kill(-pgid, sig)
	}
}

// reloadOne runs ExecReload= with $MAINPID.
func (d *Daemon) reloadOne(u *unitRun) error {
	u.op.Lock()
	defer u.op.Unlock()
	d.mu.Lock()
	f := u.file
	active, pid := u.active, u.pid
	d.mu.Unlock()
	if active != "active" {
		return d.unitError("reload", u, fmt.Errorf("unit is %s, not active", active))
	}
	if len(f.Service.ExecReload) == 0 {
		return d.unitError("reload", u, fmt.Errorf("unit has no ExecReload="))
	}
	d.mu.Lock()
	d.setState(u, "reloading", "reload")
	d.mu.Unlock()
	u.log.Printf("reloading %s", u.name)
	acct, _ := d.account(f)
	env, err := d.environment(f, acct, "MAINPID="+strconv.Itoa(pid))
	for _, c := range f.Service.ExecReload {
		if err != nil {
			break
		}
		if e := d.runSync(u, c, env, acct, f.Service.TimeoutStopSec); e != nil && !c.IgnoreFailure {
			err = fmt.Errorf("ExecReload=%s: %v", c.Path, e)
		}
	}
	d.mu.Lock()
	if u.active == "reloading" {
		d.setState(u, "active", "running")
		if pid == 0 {
			u.sub = "exited"
		}
	}
	d.mu.Unlock()
	if err != nil {
		return d.unitError("reload", u, err)
	}
	return nil
}

// startTimer arms a timer unit: it stays active/waiting and starts its
// service at each elapse.
func (d *Daemon) startTimer(u *unitRun) error {
	f := u.file
	var cals []*Calendar
	for _, s := range f.Timer.OnCalendar {
		c, err := ParseCalendar(s)
		if err != nil {
			return d.fail(u, "resources", err)
		}
		cals = append(cals, c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.mu.Lock()
	u.timerStop = cancel
	d.setState(u, "active", "waiting")
	u.result = "success"
	activated := d.now()
	d.mu.Unlock()
	u.log.Printf("timer armed for %s", f.Timer.Unit)
	go d.runTimer(ctx, u, f, cals, activated)
	return nil
}

func (d *Daemon) runTimer(ctx context.Context, u *unitRun, f *unit.File, cals []*Calendar, activated time.Time) {
	var last time.Time // last elapse
	onceDone := map[int]bool{}
	for {
		now := d.now()
		var next time.Time
		pick := func(t time.Time) {
			if next.IsZero() || t.Before(next) {
				next = t
			}
		}
		var once []time.Time
		for _, s := range f.Timer.OnActiveSec {
			once = append(once, activated.Add(s))
		}
		for _, s := range f.Timer.OnBootSec {
			once = append(once, d.started.Add(s))
		}
		for i, t := range once {
			if !onceDone[i] {
				pick(t)
			}
		}
		if len(f.Timer.OnUnitActiveSec) > 0 {
			base := activated
			d.mu.Lock()
			if t, ok := d.units[f.Timer.Unit]; ok && t.lastActive.After(base) {
				base = t.lastActive
			}
			d.mu.Unlock()
			if last.After(base) {
				base = last
			}
			for _, s := range f.Timer.OnUnitActiveSec {
				pick(base.Add(s))
			}
		}
		for _, c := range cals {
			after := now
			if last.After(after) {
				after = last
			}
			if t, ok := c.Next(after); ok {
				pick(t)
			}
		}
		if next.IsZero() {
			<-ctx.Done()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now)):
		}
		for i, t := range once {
			if !t.After(next) {
				onceDone[i] = true
			}
		}
		last = d.now()
		u.log.Printf("elapsed; starting %s", f.Timer.Unit)
		if err := d.Start(f.Timer.Unit); err != nil {
			u.log.Printf("starting %s: %v", f.Timer.Unit, firstLine(err.Error()))
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
