package build

import (
	"context"
	"os"
	"sync"
)

// slots hands out the build slots (one per job, each with its build
// user) to the builds ready to run: when several wait, the one with the
// largest weight goes first, so that the longest builds (those that
// unpack the largest archives) start early rather than end the schedule
// alone on one CPU; equal weights go in the order they came.
type slots struct {
	mu      sync.Mutex
	free    []int
	waiting []*slotWaiter
}

type slotWaiter struct {
	weight int64
	slot   chan int
}

func newSlots(n int) *slots {
	s := &slots{}
	for i := n - 1; i >= 0; i-- {
		s.free = append(s.free, i)
	}
	return s
}

// acquire waits for a free slot.
func (s *slots) acquire(ctx context.Context, weight int64) (int, error) {
	s.mu.Lock()
	if len(s.free) > 0 {
		slot := s.free[len(s.free)-1]
		s.free = s.free[:len(s.free)-1]
		s.mu.Unlock()
		return slot, nil
	}
	w := &slotWaiter{weight: weight, slot: make(chan int, 1)}
	s.waiting = append(s.waiting, w)
	s.mu.Unlock()
	select {
	case slot := <-w.slot:
		return slot, nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.waiting {
			if x == w {
				s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
				return 0, ctx.Err()
			}
		}
		// A slot was handed over meanwhile: pass it on.
		s.releaseLocked(<-w.slot)
		return 0, ctx.Err()
	}
}

// release gives slot back, to the heaviest build waiting if any.
func (s *slots) release(slot int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked(slot)
}

func (s *slots) releaseLocked(slot int) {
	if len(s.waiting) == 0 {
		s.free = append(s.free, slot)
		return
	}
	best := 0
	for i, w := range s.waiting {
		if w.weight > s.waiting[best].weight {
			best = i
		}
	}
	w := s.waiting[best]
	s.waiting = append(s.waiting[:best], s.waiting[best+1:]...)
	w.slot <- slot
}

// weight estimates the work of a build from its inputs: the bytes of
// those that are files (an archive to unpack, a source tarball); folders
// count for nothing, measuring them would cost more than it saves.
func (b *Builder) weight(inputs []string) int64 {
	var n int64
	for _, p := range inputs {
		if fi, err := os.Lstat(b.st.RealPath(p)); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n
}
