package probe

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
)

// startGRPC serves gRPC on a loopback port, with the health service if
// hs is given, until the test ends.
func startGRPC(t *testing.T, hs *health.Server) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	if hs != nil {
		healthpb.RegisterHealthServer(srv, hs)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return int32(ln.Addr().(*net.TCPAddr).Port)
}

func TestProbeGRPC(t *testing.T) {
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	withHealth := startGRPC(t, hs)
	without := startGRPC(t, nil)
	svc := func(s string) *string { return &s }
	tests := []struct {
		name    string
		action  corev1.GRPCAction
		want    result
		wantOut string
	}{
		{name: "serving", action: corev1.GRPCAction{Port: withHealth}, want: success, wantOut: "service healthy"},
		{name: "not serving", action: corev1.GRPCAction{Port: withHealth, Service: svc("db")}, want: failure,
			wantOut: `service unhealthy (responded with "NOT_SERVING")`},
		{name: "unknown service", action: corev1.GRPCAction{Port: withHealth, Service: svc("nope")}, want: failure,
			wantOut: "error: health rpc probe failed"},
		{name: "no health service", action: corev1.GRPCAction{Port: without}, want: failure,
			wantOut: "does not implement the grpc health protocol"},
		{name: "refused", action: corev1.GRPCAction{Port: freePort(t)}, want: failure, wantOut: "error: failed to connect service at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, out, err := probeGRPC(ctx, &tt.action, "127.0.0.1", 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.want || !strings.Contains(out, tt.wantOut) {
				t.Errorf("got %v %q, want %v %q", res, out, tt.want, tt.wantOut)
			}
		})
	}
}

// A server that accepts connections but never speaks gRPC times out.
func TestProbeGRPCTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	defer func() {
		ln.Close()
		<-accepted
		for _, c := range conns {
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, out, err := probeGRPC(ctx, &corev1.GRPCAction{Port: int32(ln.Addr().(*net.TCPAddr).Port)}, "127.0.0.1", 200*time.Millisecond)
	if err != nil || res != failure || !strings.Contains(out, "timeout: health rpc did not complete within 200ms") {
		t.Errorf("got %v %q %v", res, out, err)
	}
}
