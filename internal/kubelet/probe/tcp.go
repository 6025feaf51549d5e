package probe

import (
	"context"
	"errors"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// probeTCP succeeds when a connection to the action's host (default: the
// pod's IP) and port opens within ctx's deadline.
func probeTCP(ctx context.Context, a *corev1.TCPSocketAction, podIP string, c *corev1.Container) (result, string, error) {
	port, err := resolvePort(a.Port, c)
	if err != nil {
		return unknown, "", err
	}
	host := a.Host
	if host == "" {
		host = podIP
	}
	if host == "" {
		return unknown, "", errors.New("pod has no IP address yet")
	}
	conn, err := newDialer().DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return failure, err.Error(), nil
	}
	_ = conn.Close() // the connection was the test; how it closes is not
	return success, "", nil
}
