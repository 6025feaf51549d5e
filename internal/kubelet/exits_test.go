package kubelet

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	eventsapi "github.com/containerd/containerd/api/events"
	eventsv1 "github.com/containerd/containerd/api/services/events/v1"
	ctrtypes "github.com/containerd/containerd/api/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

func TestExitedID(t *testing.T) {
	exit := func(ctr, id string) []byte {
		b, _ := proto.Marshal(&eventsapi.TaskExit{ContainerID: ctr, ID: id, ExitStatus: 1})
		return b
	}
	oom, _ := proto.Marshal(&eventsapi.TaskOOM{ContainerID: "c1"})
	tests := []struct {
		topic, ns string
		payload   []byte
		id        string
		exit      bool
	}{
		{topicExit, criNamespace, exit("c1", "c1"), "c1", true},
		{topicExit, criNamespace, exit("c1", "exec-7"), "", false}, // a probe's exec ended
		{topicExit, "moby", exit("c1", "c1"), "", false},
		{topicOOM, criNamespace, oom, "c1", false},
		{"/tasks/start", criNamespace, nil, "", false},
	}
	for _, tt := range tests {
		id, isExit, err := exitedID(tt.topic, tt.ns, tt.payload)
		if err != nil || id != tt.id || isExit != tt.exit {
			t.Errorf("exitedID(%s, %s) = %q, %v, %v; want %q, %v", tt.topic, tt.ns, id, isExit, err, tt.id, tt.exit)
		}
	}
	if _, _, err := exitedID(topicExit, criNamespace, []byte{0xff, 0xff}); err == nil {
		t.Error("garbage decoded without error")
	}
}

// eventServer is containerd's event service with one event to send per
// subscriber, remembering the filters and namespace it was asked for.
type eventServer struct {
	eventsv1.UnimplementedEventsServer
	send    *ctrtypes.Envelope
	filters chan []string
	ns      chan string
}

func (s *eventServer) Subscribe(req *eventsv1.SubscribeRequest, stream eventsv1.Events_SubscribeServer) error {
	md, _ := metadata.FromIncomingContext(stream.Context())
	s.ns <- md.Get("containerd-namespace")[0]
	s.filters <- req.Filters
	if err := stream.Send(s.send); err != nil {
		return err
	}
	<-stream.Context().Done()
	return nil
}

func TestWatchExits(t *testing.T) {
	h := newHarness(t)
	sock := filepath.Join(t.TempDir(), "ctd.sock")
	payload, _ := proto.Marshal(&eventsapi.TaskExit{ContainerID: "c9", ID: "c9", ExitStatus: 2})
	srv := &eventServer{send: &ctrtypes.Envelope{Namespace: criNamespace, Topic: topicExit,
		Event: &anypb.Any{TypeUrl: "containerd.events.TaskExit", Value: payload}},
		filters: make(chan []string, 2), ns: make(chan string, 2)}
	serve := func() *grpc.Server {
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		gs := grpc.NewServer()
		eventsv1.RegisterEventsServer(gs, srv)
		go gs.Serve(ln)
		return gs
	}
	gs := serve()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The pod's worker exists (no goroutine: the test reads its kick).
	uid := types.UID("pod-uid")
	w := newPodWorker(uid)
	h.a.workers[uid] = w
	h.a.runCtx = ctx
	h.a.obs.own("c9", uid)
	h.a.cfg.RuntimeSocket = sock
	h.a.clock = clock.RealClock{} // the reconnect back-off waits for real
	done := make(chan struct{})
	go func() { defer close(done); h.a.watchExits(ctx) }()

	if ns := <-srv.ns; ns != criNamespace {
		t.Errorf("namespace = %q", ns)
	}
	if f := <-srv.filters; len(f) != 2 || f[0] != `topic=="/tasks/exit",namespace=="k8s.io"` {
		t.Errorf("filters = %q", f)
	}
	select {
	case <-w.kickCh:
	case <-ctx.Done():
		t.Fatal("the exit did not kick the pod's worker")
	}
	w.mu.Lock()
	_, noted := w.exited["c9"]
	w.mu.Unlock()
	if !noted {
		t.Error("the exit was not noted")
	}

	// containerd restarts: the agent subscribes again.
	gs.Stop()
	gs = serve()
	defer gs.Stop()
	select {
	case <-srv.filters:
	case <-ctx.Done():
		t.Fatal("no subscription after containerd came back")
	}
	select {
	case <-w.kickCh:
	case <-ctx.Done():
		t.Fatal("no event after containerd came back")
	}
	cancel()
	<-done
}
