package activate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"cairn.dev/cairn/internal/service"
)

// fakeManager is an in-memory service.Manager that records its calls.
// Units whose name contains "broken" fail to start.
type fakeManager struct {
	loaded map[string]bool
	active map[string]bool
	calls  []string
}

func newFakeManager() *fakeManager {
	return &fakeManager{loaded: map[string]bool{}, active: map[string]bool{}}
}

func (m *fakeManager) Load(ctx context.Context, units []service.Unit) error {
	var names []string
	next := map[string]bool{}
	for _, u := range units {
		names = append(names, u.Name)
		next[u.Name] = true
	}
	m.loaded = next
	m.calls = append(m.calls, "load "+strings.Join(names, " "))
	return nil
}

func (m *fakeManager) each(op string, names []string, f func(string) error) error {
	m.calls = append(m.calls, op+" "+strings.Join(names, " "))
	var errs []error
	for _, n := range names {
		if !m.loaded[n] && op != "stop" {
			errs = append(errs, fmt.Errorf("unit %s is not loaded", n))
			continue
		}
		if err := f(n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *fakeManager) start(n string) error {
	if strings.Contains(n, "broken") {
		m.active[n] = false
		return &service.UnitError{Op: "start", Unit: n, Err: errors.New("exit status 1"), Log: []string{n + ": cannot bind port 80"}}
	}
	m.active[n] = true
	return nil
}

func (m *fakeManager) Start(ctx context.Context, names ...string) error {
	return m.each("start", names, m.start)
}

func (m *fakeManager) Stop(ctx context.Context, names ...string) error {
	return m.each("stop", names, func(n string) error { m.active[n] = false; return nil })
}

func (m *fakeManager) Restart(ctx context.Context, names ...string) error {
	return m.each("restart", names, m.start)
}

func (m *fakeManager) Reload(ctx context.Context, names ...string) error {
	return m.each("reload", names, func(string) error { return nil })
}

func (m *fakeManager) Status(ctx context.Context, name string) (service.State, error) {
	if m.active[name] {
		return service.State{Name: name, Active: "active", Sub: "running"}, nil
	}
	return service.State{Name: name, Active: "inactive", Sub: "dead"}, nil
}

func (m *fakeManager) Logs(ctx context.Context, name string, lines int) ([]string, error) {
	return nil, nil
}

func (m *fakeManager) activeList() []string {
	var out []string
	for n, a := range m.active {
		if a {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
