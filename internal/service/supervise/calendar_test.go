package supervise

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCalendarNext(t *testing.T) {
	from := time.Date(2026, 11, 26, 2, 30, 15, 500, time.UTC) // a Thursday
	tests := []struct{ expr, want string }{
		{"minutely", "2026-11-26 02:31:00"},
		{"hourly", "2026-11-26 03:00:00"},
		{"daily", "2026-11-27 00:00:00"},
		{"weekly", "2026-11-30 00:00:00"},
		{"monthly", "2026-12-01 00:00:00"},
		{"*-*-* 03:30:00", "2026-11-26 03:30:00"},
		{"*-*-* 01:00", "2026-11-27 01:00:00"},
		{"02:30:15", "2026-11-27 02:30:15"},
		{"02:30:16", "2026-11-26 02:30:16"},
		{"*-*-* *:*:00", "2026-11-26 02:31:00"},
		{"*-*-* *:45:00", "2026-11-26 02:45:00"},
		{"Mon,Fri *-*-* 08:00:00", "2026-11-27 08:00:00"},
		{"Sun 10:00", "2026-11-29 10:00:00"},
		{"*-*-15 12:00:00", "2026-12-15 12:00:00"},
	}
	for _, tt := range tests {
		c, err := ParseCalendar(tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		got, ok := c.Next(from)
		if !ok || got.Format("2006-01-02 15:04:05") != tt.want {
			t.Errorf("%s: next after %s = %s, want %s", tt.expr, from, got, tt.want)
		}
	}
	for _, bad := range []string{"", "2026-01-01", "*-*-* 25:00", "Someday 10:00", "*-*-* 10:00 extra stuff"} {
		if _, err := ParseCalendar(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestLogRotation(t *testing.T) {
	dir := t.TempDir()
	p := Paths{dir}
	os.MkdirAll(p.LogDir(), 0o755)
	l := openLog(p.Log("x.service"), 200, time.Now)
	for i := 0; i < 20; i++ {
		l.Line(fmt.Sprintf("line %d", i))
	}
	l.Close()
	if _, err := os.Stat(p.Log("x.service") + ".1"); err != nil {
		t.Fatalf("no rotated file: %v", err)
	}
	if st, _ := os.Stat(p.Log("x.service")); st.Size() > 200+40 {
		t.Errorf("log grew to %d bytes", st.Size())
	}
	lines, err := ReadLog(dir, "x.service", 5)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		got = append(got, l[strings.IndexByte(l, ' ')+1:])
	}
	if strings.Join(got, ",") != "line 15,line 16,line 17,line 18,line 19" {
		t.Errorf("tail = %q", got)
	}
	if entries, _ := filepath.Glob(p.Log("x.service") + "*"); len(entries) != 2 {
		t.Errorf("log files %q, want the log and one rotation", entries)
	}
}

func TestFollowLog(t *testing.T) {
	dir := t.TempDir()
	p := Paths{dir}
	os.MkdirAll(p.LogDir(), 0o755)
	l := openLog(p.Log("f.service"), 120, time.Now)
	l.Line("before")
	ctx, cancel := context.WithCancel(context.Background())
	var buf safeBuffer
	done := make(chan error, 1)
	go func() { done <- FollowLog(ctx, dir, "f.service", &buf) }()
	// Lines written while following, across a rotation, are printed; the
	// line before the start is not.
	for i := 0; i < 10; i++ {
		l.Line(fmt.Sprintf("after %d", i))
		time.Sleep(30 * time.Millisecond)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(buf.String(), "after 9") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "before") || !strings.Contains(out, "after 9") {
		t.Errorf("followed:\n%s", out)
	}
	if _, err := os.Stat(p.Log("f.service") + ".1"); err != nil {
		t.Errorf("the log did not rotate while followed: %v", err)
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func FuzzCalendar(f *testing.F) {
	for _, s := range []string{"daily", "*-*-* 03:30:00", "Mon,Fri 08:00", "*-*-15 *:*:00", "hourly", "12:61"} {
		f.Add(s)
	}
	from := time.Date(2026, 2, 27, 23, 59, 59, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCalendar(s)
		if err != nil {
			return
		}
		if next, ok := c.Next(from); ok && !next.After(from) {
			t.Errorf("%q: next %s is not after %s", s, next, from)
		}
	})
}
