package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stopStale stops a containerd left running on this data dir by an earlier
// skiff that died without stopping it. The pid file alone is not trusted:
// PIDs wrap here (pid_max 32768), so the process must still be a containerd
// run with this data dir's config before it gets a signal.
func stopStale(ctx context.Context, l layout, timeout time.Duration) (stopped bool, err error) {
	data, err := os.ReadFile(l.PIDFile)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read containerd pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 || !isOurContainerd(pid, l.Config) {
		return false, nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return false, nil // gone between the check and the signal
	}
	if waitGone(ctx, pid, timeout) {
		return true, nil
	}
	if isOurContainerd(pid, l.Config) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		waitGone(ctx, pid, timeout)
	}
	return true, nil
}

// isOurContainerd reports whether pid runs with "--config <config>".
func isOurContainerd(pid int, config string) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(cmdline, "\x00"), []byte{0})
	for i := 0; i+1 < len(args); i++ {
		if string(args[i]) == "--config" && string(args[i+1]) == config {
			return true
		}
	}
	return false
}

// waitGone polls until pid no longer exists (it is not our child, so it
// cannot be waited for) or the timeout passes.
func waitGone(ctx context.Context, pid int, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) || isZombie(pid) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// isZombie reports whether pid has exited but is not reaped yet: it holds
// no sockets or files any more, which is all a new containerd needs.
func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}
