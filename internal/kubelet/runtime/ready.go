package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// readyPoll is how often the socket is tried while containerd starts
// (typically 0.1 to 0.5 s here).
const readyPoll = 25 * time.Millisecond

// waitReady polls until the socket answers CRI Version, the process exits,
// or timeout passes. A fresh connection per try avoids gRPC's reconnect
// back-off, which would add up to a second to every start.
func waitReady(ctx context.Context, l layout, p *child, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	var last error
	for {
		if last = tryVersion(ctx, l.Socket); last == nil {
			return nil
		}
		// containerd serves only after loading every plugin: Unimplemented
		// means the CRI plugin failed to load and will not come.
		if status.Code(last) == codes.Unimplemented {
			return fmt.Errorf("containerd runs without its CRI plugin (%w); its log ends:\n%s", last, logTail(l.Log, 2048))
		}
		select {
		case <-p.exited:
			return fmt.Errorf("containerd exited before it was ready (%v); its log ends:\n%s", p.err, logTail(l.Log, 2048))
		case <-ctx.Done():
			return fmt.Errorf("containerd not ready after %s: %w; its log ends:\n%s", timeout, last, logTail(l.Log, 2048))
		case <-tick.C:
		}
	}
}

func tryVersion(ctx context.Context, socket string) error {
	if _, err := os.Stat(socket); err != nil {
		return err
	}
	c, err := Dial(socket)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err = c.Version(ctx)
	return err
}

// logTail returns up to n bytes from the end of the log file, for errors.
func logTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}
