package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"syscall"
)

// serverGCPercent is the collector's GOGC for processes that hold a
// cluster's objects in memory (server, up, sim). Their live heap is large
// and long-lived, so at Go's default of 100 the collector re-marks it
// after every heap's worth of request garbage: a quarter of the server's
// CPU at 30,000 pods. At 200 the 30,000-pod benchmark ran 24% faster for
// 45% more peak memory (docs/performance.md).
const serverGCPercent = 200

// tuneGC applies serverGCPercent unless GOGC is set, and unless GOMEMLIMIT
// is set caps the heap softly at half the machine's memory, so on a small
// machine the collector runs more often instead of the heap outgrowing it.
func tuneGC(log *slog.Logger) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		log.Debug("cannot read the machine's memory; no heap limit", "err", err)
		return
	}
	total := uint64(si.Totalram) * uint64(si.Unit)
	debug.SetMemoryLimit(int64(total / 2)) // half of a uint64 fits an int64
}
