package system

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// GCOptions selects the generations GC deletes. A generation is deleted
// when it is not among the Keep newest (Keep 0: no such limit) and, if
// OlderThan is set, older than that. The current generation, the one
// run/current-system and the booted system point to are never deleted.
type GCOptions struct {
	Keep      int
	OlderThan time.Duration
	Now       func() time.Time
	// StoreGC, if not nil, runs after the links are gone (the store's own
	// garbage collection).
	StoreGC func(ctx context.Context) error
}

// GC deletes old generations and their boot entries, then rewrites the
// boot entries and runs the store's collection. It returns the numbers
// deleted.
func (p *Profiles) GC(ctx context.Context, o GCOptions) ([]int, error) {
	list, err := p.List()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	cur := p.CurrentSystem()
	var deleted []int
	for i, in := range list {
		newer := len(list) - 1 - i
		if in.Current || in.Booted || in.Toplevel == cur {
			continue
		}
		if o.Keep > 0 && newer < o.Keep {
			continue
		}
		if o.OlderThan > 0 && now().Sub(in.Date) < o.OlderThan {
			continue
		}
		if o.Keep == 0 && o.OlderThan == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		if err := p.Delete(in.Number); err != nil {
			return deleted, fmt.Errorf("deleting generation %d: %w", in.Number, err)
		}
		deleted = append(deleted, in.Number)
	}
	if err := p.WriteBootEntries(); err != nil {
		return deleted, err
	}
	if o.StoreGC != nil {
		if err := o.StoreGC(ctx); err != nil {
			return deleted, fmt.Errorf("store garbage collection: %w", err)
		}
	}
	return deleted, nil
}

// ParseAge parses an age such as "30d", "12h" or "90m" (days are 24h).
func ParseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("bad age %q (e.g. 30d, 12h)", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad age %q (e.g. 30d, 12h)", s)
	}
	return d, nil
}
