package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// child is one run of the containerd process.
type child struct {
	cmd     *exec.Cmd
	started time.Time
	exited  chan struct{} // closed once the process is reaped
	err     error         // its exit status; read after exited closes
}

// startChild runs containerd in its own process group (a Ctrl-C at the
// terminal reaches only skiff, which then stops containerd in order), with
// stdout and stderr appended to the log file.
func startChild(bin string, l layout) (*child, error) {
	logf, err := os.OpenFile(l.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open containerd log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--config", l.Config)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Pdeathsig stops containerd if skiff dies without stopping it; the
	// containers survive (their shims are separate) for the next start.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	c := &child{cmd: cmd, started: time.Now(), exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	if err := os.WriteFile(l.PIDFile, []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o600); err != nil {
		return c, fmt.Errorf("write containerd pid file: %w", err)
	}
	return c, nil
}

// failedChild stands for a start that did not happen, so the supervisor
// treats it like a process that exited at once.
func failedChild(err error) *child {
	c := &child{started: time.Now(), exited: make(chan struct{}), err: err}
	close(c.exited)
	return c
}

// stop sends SIGTERM and, after timeout, SIGKILL. The PID is safe to signal:
// the process is our child and not yet reaped, so the PID cannot be reused.
func (c *child) stop(timeout time.Duration) error {
	select {
	case <-c.exited:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop containerd (pid %d): %w", c.cmd.Process.Pid, err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.exited:
		return nil
	case <-t.C:
	}
	if err := c.cmd.Process.Kill(); err != nil {
		return fmt.Errorf("kill containerd (pid %d): %w", c.cmd.Process.Pid, err)
	}
	<-c.exited
	return fmt.Errorf("containerd (pid %d) ignored SIGTERM for %s and was killed", c.cmd.Process.Pid, timeout)
}
