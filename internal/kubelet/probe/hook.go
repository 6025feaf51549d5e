package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// RunHandler runs a postStart or preStop hook of the container
// containerID: exec (no time limit but ctx's), httpGet (to podIP unless
// the hook names a host; the port must be a number, since a port name
// needs the container's ports: see RunHook) or sleep (sleep.seconds, cut
// short by ctx). On failure it returns the message for the hook's
// failure event (the caller adds which hook and container), worded as
// the kubelet's: "command 'sh -c exit 1' exited with 1: output".
func RunHandler(ctx context.Context, rt Runtime, podIP, containerID string, h *corev1.LifecycleHandler) (msg string, err error) {
	return runHook(ctx, rt, podIP, nil, containerID, h)
}

// RunHook is RunHandler for a target, whose container's ports resolve an
// httpGet hook's named port.
func RunHook(ctx context.Context, rt Runtime, t Target, h *corev1.LifecycleHandler) (msg string, err error) {
	return runHook(ctx, rt, t.PodIP, t.Container, t.ContainerID, h)
}

func runHook(ctx context.Context, rt Runtime, podIP string, c *corev1.Container, containerID string, h *corev1.LifecycleHandler) (string, error) {
	var err error
	switch {
	case h == nil:
		err = errors.New("no handler")
	case h.Exec != nil:
		err = hookExec(ctx, rt, containerID, h.Exec.Command)
	case h.HTTPGet != nil:
		err = hookHTTP(ctx, podIP, c, h.HTTPGet)
	case h.Sleep != nil:
		err = hookSleep(ctx, h.Sleep.Seconds)
	case h.TCPSocket != nil:
		err = errors.New("invalid handler: tcpSocket is not supported as a lifecycle hook")
	default:
		err = errors.New("invalid handler: none of exec, httpGet and sleep is set")
	}
	if err != nil {
		return err.Error(), err
	}
	return "", nil
}

// hookExec runs cmd; a non-zero exit code is a failure whose message has
// the command's output.
func hookExec(ctx context.Context, rt Runtime, containerID string, cmd []string) error {
	if rt == nil {
		return errors.New("no container runtime to exec in")
	}
	stdout, stderr, code, err := rt.ExecSync(ctx, containerID, cmd, 0)
	if err != nil {
		return fmt.Errorf("command '%s' failed: %w", strings.Join(cmd, " "), err)
	}
	if code != 0 {
		return fmt.Errorf("command '%s' exited with %d: %s", strings.Join(cmd, " "), code, capOutput(stdout, stderr))
	}
	return nil
}

// hookHTTP sends the hook's GET. As with the kubelet, only a request that
// gets no answer fails: the status code is not looked at. An HTTPS hook
// whose server answers in plain HTTP is sent again over HTTP.
func hookHTTP(ctx context.Context, podIP string, c *corev1.Container, a *corev1.HTTPGetAction) error {
	req, err := newHTTPRequest(ctx, a, podIP, c, userAgent("kube-lifecycle"))
	if err != nil {
		return fmt.Errorf("HTTP lifecycle hook (%s) failed: %w", a.Path, err)
	}
	tr := newTransport()
	defer tr.CloseIdleConnections()
	client := newHTTPClient(tr, 0)
	err = doDiscard(client, req)
	if err != nil && req.URL.Scheme == "https" && strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		plain := req.Clone(ctx)
		plain.URL.Scheme = "http"
		plain.Header.Del("Authorization") // never send credentials meant for TLS in the clear
		if doDiscard(client, plain) == nil {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("HTTP lifecycle hook (%s) failed: %w", a.Path, err)
	}
	return nil
}

func doDiscard(client *http.Client, req *http.Request) error {
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxBody)) // the answer's content does not matter
	return nil
}

// hookSleep waits seconds, failing if ctx ends first (the container is
// being stopped and its grace period ran out).
func hookSleep(ctx context.Context, seconds int64) error {
	if seconds <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(seconds) * time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return errors.New("container terminated before sleep hook finished")
	case <-t.C:
		return nil
	}
}
