package supervise

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Calendar is a parsed OnCalendar= expression of the common forms:
// minutely, hourly, daily, weekly, monthly, yearly, "*-*-* HH:MM[:SS]",
// "HH:MM[:SS]", and "Mon..Sun *-*-* HH:MM:SS" style weekday prefixes
// ("Mon", "Mon,Fri"). Hours, minutes and seconds may be "*" or a number.
// Times are local.
type Calendar struct {
	weekdays             map[time.Weekday]bool // nil: any day
	monthDay             int                   // 0: any
	hour, minute, second int                   // -1: any
}

// ParseCalendar parses an OnCalendar= value.
func ParseCalendar(s string) (*Calendar, error) {
	c := &Calendar{hour: 0, minute: 0, second: 0}
	switch strings.TrimSpace(s) {
	case "minutely":
		c.hour, c.minute = -1, -1
		return c, nil
	case "hourly":
		c.hour = -1
		return c, nil
	case "daily":
		return c, nil
	case "weekly":
		c.weekdays = map[time.Weekday]bool{time.Monday: true}
		return c, nil
	case "monthly":
		c.monthDay = 1
		return c, nil
	}
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 3 {
		return nil, fmt.Errorf("OnCalendar=%s: unsupported calendar expression", s)
	}
	days := map[string]time.Weekday{"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday}
	if _, ok := days[strings.ToLower(fields[0][:min(3, len(fields[0]))])]; ok && !strings.Contains(fields[0], ":") {
		c.weekdays = map[time.Weekday]bool{}
		for _, d := range strings.Split(fields[0], ",") {
			wd, ok := days[strings.ToLower(d[:min(3, len(d))])]
			if !ok {
				return nil, fmt.Errorf("OnCalendar=%s: unknown weekday %q", s, d)
			}
			c.weekdays[wd] = true
		}
		fields = fields[1:]
	}
	if len(fields) == 2 || len(fields) == 1 && strings.Contains(fields[0], "-") {
		date := strings.Split(fields[0], "-")
		if len(date) != 3 || date[0] != "*" || date[1] != "*" {
			return nil, fmt.Errorf("OnCalendar=%s: only dates of the form *-*-* or *-*-DD are supported", s)
		}
		if date[2] != "*" {
			n, err := strconv.Atoi(date[2])
			if err != nil || n < 1 || n > 31 {
				return nil, fmt.Errorf("OnCalendar=%s: bad day %q", s, date[2])
			}
			c.monthDay = n
		}
		fields = fields[1:]
	}
	if len(fields) == 1 {
		parts := strings.Split(fields[0], ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("OnCalendar=%s: bad time %q", s, fields[0])
		}
		vals := []*int{&c.hour, &c.minute, &c.second}
		limits := []int{23, 59, 59}
		c.second = 0
		for i, p := range parts {
			if p == "*" {
				*vals[i] = -1
				continue
			}
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n > limits[i] {
				return nil, fmt.Errorf("OnCalendar=%s: bad time %q", s, fields[0])
			}
			*vals[i] = n
		}
	} else if len(fields) > 1 {
		return nil, fmt.Errorf("OnCalendar=%s: unsupported calendar expression", s)
	}
	return c, nil
}

// Next returns the first time strictly after t that matches, searching a
// year ahead.
func (c *Calendar) Next(t time.Time) (time.Time, bool) {
	t = t.Truncate(time.Second).Add(time.Second)
	end := t.AddDate(1, 0, 7)
	for t.Before(end) {
		if c.monthDay != 0 && t.Day() != c.monthDay || c.weekdays != nil && !c.weekdays[t.Weekday()] {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
			continue
		}
		if c.hour >= 0 && t.Hour() != c.hour {
			if t.Hour() < c.hour {
				t = time.Date(t.Year(), t.Month(), t.Day(), c.hour, 0, 0, 0, t.Location())
			} else {
				t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
			}
			continue
		}
		if c.minute >= 0 && t.Minute() != c.minute {
			if t.Minute() < c.minute {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), c.minute, 0, 0, t.Location())
			} else {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, t.Location())
			}
			continue
		}
		if c.second >= 0 && t.Second() != c.second {
			if t.Second() < c.second {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), c.second, 0, t.Location())
			} else {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()+1, 0, 0, t.Location())
			}
			continue
		}
		return t, true
	}
	return time.Time{}, false
}
