package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
)

// probeGRPC asks the pod's gRPC server on the action's port for the
// health of the action's service (grpc.health.v1.Health/Check, plaintext)
// and succeeds when it answers SERVING. Messages are the kubelet's.
func probeGRPC(ctx context.Context, a *corev1.GRPCAction, podIP string, timeout time.Duration) (result, string, error) {
	if podIP == "" {
		return unknown, "", errors.New("pod has no IP address yet")
	}
	addr := net.JoinHostPort(podIP, strconv.Itoa(int(a.Port)))
	// Connect first, so that a refused or slow connection reads as a
	// connection failure rather than as a failed call.
	raw, err := newDialer().DialContext(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err) {
			return failure, fmt.Sprintf("timeout: failed to connect service %q within %v: %+v", addr, timeout, err), nil
		}
		return failure, fmt.Sprintf("error: failed to connect service at %q: %+v", addr, err), nil
	}
	d := &reuseFirst{first: raw}
	defer d.closeUnused()
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUserAgent(userAgent("kube-probe")),
		grpc.WithContextDialer(d.dial))
	if err != nil {
		return unknown, "", fmt.Errorf("grpc client for %s: %w", addr, err)
	}
	defer conn.Close()
	service := ""
	if a.Service != nil {
		service = *a.Service
	}
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service}, grpc.WaitForReady(true))
	if err != nil {
		switch st, _ := status.FromError(err); st.Code() {
		case codes.Unimplemented:
			return failure, fmt.Sprintf("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): %s", st.Message()), nil
		case codes.DeadlineExceeded:
			return failure, fmt.Sprintf("timeout: health rpc did not complete within %v", timeout), nil
		default:
			return failure, fmt.Sprintf("error: health rpc probe failed: %+v", err), nil
		}
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return failure, fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String()), nil
	}
	return success, "service healthy", nil
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// reuseFirst hands gRPC the connection already open, then dials anew if
// gRPC asks again (after that connection broke).
type reuseFirst struct {
	mu    sync.Mutex
	first net.Conn
}

func (r *reuseFirst) dial(ctx context.Context, addr string) (net.Conn, error) {
	r.mu.Lock()
	c := r.first
	r.first = nil
	r.mu.Unlock()
	if c != nil {
		return c, nil
	}
	return newDialer().DialContext(ctx, "tcp", addr)
}

// closeUnused closes the first connection if gRPC never took it.
func (r *reuseFirst) closeUnused() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first != nil {
		_ = r.first.Close()
		r.first = nil
	}
}
