package cli

import (
	"runtime/debug"
	"syscall"
)

// tuneGC sets the collector up for evaluation, which allocates many small,
// mostly live objects and then exits: no proportional collections, only a
// memory limit of a quarter of the machine's RAM (between 256 MiB and
// 4 GiB), past which the collector runs as usual. GOGC or GOMEMLIMIT in
// the environment keep their meaning.
func tuneGC(env *Env) {
	if env.Getenv("GOGC") != "" || env.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := int64(1 << 30)
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		limit = int64(si.Totalram) * int64(si.Unit) / 4
	}
	limit = min(max(limit, 256<<20), 4<<30)
	debug.SetMemoryLimit(limit)
	debug.SetGCPercent(-1)
}
