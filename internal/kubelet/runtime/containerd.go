package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"time"
)

// Restart back-off for a containerd that dies while the node runs.
const (
	restartBackoffMin = 500 * time.Millisecond
	restartBackoffMax = 30 * time.Second
	// A run this long counts as healthy and resets the back-off.
	healthyRun = time.Minute
)

// Containerd is a supervised containerd child process.
type Containerd struct {
	cfg  Config
	l    layout
	bin  string
	log  *slog.Logger
	done chan struct{}
	err  error // why supervision ended badly; read after done closes
}

// StartContainerd writes the config under cfg.DataDir, starts containerd and
// returns once its socket answers CRI Version. It keeps containerd running
// (restarting it with back-off if it dies) until ctx ends, then stops it by
// its PID: SIGTERM, then SIGKILL after cfg.StopTimeout. Done closes when
// that has happened.
func StartContainerd(ctx context.Context, cfg Config) (*Containerd, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	bin, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("find containerd binary: %w", err)
	}
	c := &Containerd{cfg: cfg, l: newLayout(cfg.DataDir), bin: bin, log: cfg.Logger, done: make(chan struct{})}
	if err := writeConfigFiles(cfg, c.l); err != nil {
		return nil, err
	}
	if stopped, err := stopStale(ctx, c.l, cfg.StopTimeout); err != nil {
		return nil, err
	} else if stopped {
		c.log.Warn("stopped a containerd left running by an earlier run", "dataDir", cfg.DataDir)
	}
	undo, err := MakeShared(cfg.DataDir, c.log)
	if err != nil {
		return nil, err
	}
	p, err := c.startAndWait(ctx)
	if err != nil {
		return nil, errors.Join(err, undo())
	}
	go c.supervise(ctx, p, undo)
	return c, nil
}

// Endpoint is the CRI endpoint, as Dial and --container-runtime-endpoint take it.
func (c *Containerd) Endpoint() string { return "unix://" + c.l.Socket }

// Socket is the path of containerd's gRPC socket.
func (c *Containerd) Socket() string { return c.l.Socket }

// LogPath is the file containerd's output goes to.
func (c *Containerd) LogPath() string { return c.l.Log }

// Done closes once containerd has been stopped after ctx ended.
func (c *Containerd) Done() <-chan struct{} { return c.done }

// Wait blocks until Done and returns what went wrong while stopping, if anything.
func (c *Containerd) Wait() error {
	<-c.done
	return c.err
}

func (c *Containerd) startAndWait(ctx context.Context) (*child, error) {
	start := time.Now()
	p, err := startChild(c.bin, c.l)
	if err != nil {
		if p != nil {
			_ = p.stop(c.cfg.StopTimeout)
		}
		return nil, err
	}
	if err := waitReady(ctx, c.l, p, c.cfg.ReadyTimeout); err != nil {
		return nil, errors.Join(err, p.stop(c.cfg.StopTimeout))
	}
	c.log.Info("containerd ready", "pid", p.cmd.Process.Pid, "socket", c.l.Socket, "took", time.Since(start).Round(time.Millisecond))
	return p, nil
}

// supervise restarts containerd whenever it dies while ctx lives, and
// stops it when ctx ends.
func (c *Containerd) supervise(ctx context.Context, p *child, undo func() error) {
	defer close(c.done)
	backoff := restartBackoffMin
	for {
		select {
		case <-ctx.Done():
			c.err = errors.Join(p.stop(c.cfg.StopTimeout), undo())
			_ = os.Remove(c.l.PIDFile)
			c.log.Info("containerd stopped")
			return
		case <-p.exited:
		}
		ran := time.Since(p.started)
		if ran > healthyRun {
			backoff = restartBackoffMin
		}
		c.log.Error("containerd exited; restarting", "err", p.err, "ran", ran.Round(time.Millisecond), "backoff", backoff, "log", c.l.Log)
		if !sleepCtx(ctx, backoff) {
			c.err = undo()
			return
		}
		backoff = min(2*backoff, restartBackoffMax)
		next, err := startChild(c.bin, c.l)
		if next == nil {
			next = failedChild(err)
		}
		p = next
	}
}

// sleepCtx waits d or until ctx ends; it reports whether ctx still lives.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
