// Package servicetest is the conformance suite that every service.Manager
// implementation passes: the same unit files and the same expectations for
// systemd and for cairn's supervisor.
package servicetest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"cairn.dev/cairn/internal/service"
)

// Harness is what the suite needs of an implementation.
type Harness struct {
	Manager service.Manager
	// WriteUnit writes the unit file name of generation gen (a directory
	// of its own) and returns the unit as the manager must be given it.
	WriteUnit func(gen int, name, text string) service.Unit
}

// Run runs the suite. Unit names start with "conf-"; units use /bin/sh
// and /bin/sleep only.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	m := h.Manager
	const svc = `[Unit]
Description=conformance %s
[Service]
ExecStart=/bin/sh -c 'echo conf-web %s up; exec sleep 1000'
ExecReload=/bin/sh -c 'echo conf-web reloaded $MAINPID'
`
	failing := "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo conf-fail: no configuration >&2; exit 3'\n"
	gen1 := []service.Unit{
		h.WriteUnit(1, "conf-web.service", strings.ReplaceAll(svc, "%s", "v1")),
		h.WriteUnit(1, "conf-fail.service", failing),
	}
	if err := m.Load(ctx, gen1); err != nil {
		t.Fatalf("Load: %v", err)
	}
	state := func(name string) service.State {
		t.Helper()
		st, err := m.Status(ctx, name)
		if err != nil {
			t.Fatalf("Status(%s): %v", name, err)
		}
		return st
	}
	logs := func(name string) string {
		l, err := m.Logs(ctx, name, 50)
		if err != nil {
			t.Fatalf("Logs(%s): %v", name, err)
		}
		return strings.Join(l, "\n")
	}
	if st := state("conf-web.service"); st.Active != "inactive" {
		t.Errorf("Load started conf-web: %+v", st)
	}

	if err := m.Start(ctx, "conf-web.service"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	st := state("conf-web.service")
	if st.Active != "active" || st.Sub != "running" || st.MainPID <= 0 || st.Since.IsZero() {
		t.Errorf("after Start: %+v", st)
	}
	eventually(t, "conf-web's output in its log", func() bool { return strings.Contains(logs("conf-web.service"), "conf-web v1 up") })

	if err := m.Restart(ctx, "conf-web.service"); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	st2 := state("conf-web.service")
	if st2.Active != "active" || st2.MainPID == st.MainPID || st2.MainPID <= 0 {
		t.Errorf("after Restart: %+v (pid before %d)", st2, st.MainPID)
	}

	if err := m.Reload(ctx, "conf-web.service"); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	want := "conf-web reloaded " + strconv.Itoa(st2.MainPID)
	eventually(t, "ExecReload's output with $MAINPID", func() bool { return strings.Contains(logs("conf-web.service"), want) })
	if st := state("conf-web.service"); st.Active != "active" || st.MainPID != st2.MainPID {
		t.Errorf("after Reload: %+v", st)
	}

	if err := m.Stop(ctx, "conf-web.service"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if st := state("conf-web.service"); st.Active != "inactive" || st.MainPID != 0 {
		t.Errorf("after Stop: %+v", st)
	}

	err := m.Start(ctx, "conf-fail.service")
	var ue *service.UnitError
	if !errors.As(err, &ue) || ue.Unit != "conf-fail.service" || ue.Op != "start" {
		t.Fatalf("failing Start: %v, want a UnitError naming conf-fail.service", err)
	}
	if !strings.Contains(err.Error(), "conf-fail.service") || !strings.Contains(err.Error(), "conf-fail: no configuration") {
		t.Errorf("failing Start's error lacks the unit or its log tail:\n%v", err)
	}
	if st := state("conf-fail.service"); st.Active != "failed" || st.Result != "exit-code" {
		t.Errorf("after a failing Start: %+v", st)
	}

	// The next generation changes conf-web and drops conf-fail.
	gen2 := []service.Unit{h.WriteUnit(2, "conf-web.service", strings.ReplaceAll(svc, "%s", "v2"))}
	if err := m.Load(ctx, gen2); err != nil {
		t.Fatalf("Load of the next generation: %v", err)
	}
	if err := m.Start(ctx, "conf-web.service"); err != nil {
		t.Fatalf("Start after Load: %v", err)
	}
	eventually(t, "the changed unit's output", func() bool { return strings.Contains(logs("conf-web.service"), "conf-web v2 up") })
	if err := m.Stop(ctx, "conf-web.service"); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// eventually polls cond, failing after a long deadline (a hang guard, not
// a timing assertion): logs reach journald asynchronously.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
