package kubelet

import (
	"context"
	"fmt"
	"strings"
	"time"

	eventsapi "github.com/containerd/containerd/api/events"
	eventsv1 "github.com/containerd/containerd/api/services/events/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// containerd's names for the CRI's namespace and the events the agent
// follows (containerd 1.6 has no CRI event stream of its own).
const (
	criNamespace = "k8s.io"
	topicExit    = "/tasks/exit"
	topicOOM     = "/tasks/oom"
)

// Reconnect back-off of the event stream (containerd restarting).
const (
	streamRetryMin = 100 * time.Millisecond
	streamRetryMax = 5 * time.Second
)

// watchExits follows containerd's task events so that an exit (or an OOM
// kill) reaches its pod's worker at once instead of at the next relist.
// It reconnects until ctx ends, relisting after each reconnect for what
// it may have missed.
func (a *Agent) watchExits(ctx context.Context) {
	target := a.cfg.RuntimeSocket
	if !strings.HasPrefix(target, "unix://") {
		target = "unix://" + target
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		a.log.Error("containerd events: relying on the relist", "err", err)
		return
	}
	defer conn.Close()
	client := eventsv1.NewEventsClient(conn)
	delay := streamRetryMin
	for ctx.Err() == nil {
		start := a.clock.Now()
		err := a.followEvents(ctx, client)
		if ctx.Err() != nil {
			return
		}
		if a.clock.Since(start) > streamRetryMax {
			delay = streamRetryMin // it ran a while: a fresh failure
		}
		a.log.Info("containerd event stream ended; reconnecting", "err", err, "in", delay)
		select {
		case <-ctx.Done():
			return
		case <-a.clock.After(delay):
		}
		delay = min(2*delay, streamRetryMax)
	}
}

// followEvents subscribes and dispatches events until the stream fails.
func (a *Agent) followEvents(ctx context.Context, client eventsv1.EventsClient) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "containerd-namespace", criNamespace)
	stream, err := client.Subscribe(ctx, &eventsv1.SubscribeRequest{Filters: []string{
		fmt.Sprintf(`topic==%q,namespace==%q`, topicExit, criNamespace),
		fmt.Sprintf(`topic==%q,namespace==%q`, topicOOM, criNamespace),
	}}, grpc.WaitForReady(true))
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	// Exits between the last relist and the subscription would be lost.
	a.requestRelist()
	for {
		env, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		id, exit, err := exitedID(env.Topic, env.Namespace, env.GetEvent().GetValue())
		if err != nil {
			a.log.Warn("containerd event", "topic", env.Topic, "err", err)
			continue
		}
		if id != "" {
			a.containerEvent(id, exit)
		}
	}
}

// exitedID decodes an event and returns the container (or sandbox) it is
// about: exit is true when its main process ended, false for an OOM kill
// (of any of its processes). It returns "" for events of other namespaces
// and for exec'd processes (probes) ending.
func exitedID(topic, namespace string, payload []byte) (id string, exit bool, err error) {
	if namespace != criNamespace {
		return "", false, nil
	}
	switch topic {
	case topicExit:
		var e eventsapi.TaskExit
		if err := proto.Unmarshal(payload, &e); err != nil {
			return "", false, fmt.Errorf("decode TaskExit: %w", err)
		}
		if e.ID != e.ContainerID {
			return "", false, nil
		}
		return e.ContainerID, true, nil
	case topicOOM:
		var e eventsapi.TaskOOM
		if err := proto.Unmarshal(payload, &e); err != nil {
			return "", false, fmt.Errorf("decode TaskOOM: %w", err)
		}
		return e.ContainerID, false, nil
	}
	return "", false, nil
}

// containerEvent queues the pod that owns id; an ID nobody knows yet
// (created an instant ago by someone else) makes the relist run now.
func (a *Agent) containerEvent(id string, exit bool) {
	uid, ok := a.obs.owner(id)
	if !ok {
		a.requestRelist()
		return
	}
	w := a.worker(uid)
	if w == nil {
		return
	}
	if exit {
		w.noteExit(id, a.clock.Now())
		w.kick()
		return
	}
	// An OOM kill: containerd's CRI plugin records the reason OOMKilled
	// when it handles this event, which may be after the exit was seen
	// and its status ("Error", 137) cached. Read the status again now and
	// once more a moment later, when the plugin has surely handled it.
	a.obs.invalidate(id)
	w.kick()
	time.AfterFunc(oomRecheck, func() {
		a.obs.invalidate(id)
		w.kick()
	})
}

// oomRecheck is when the status of an OOM-killed container is read again.
const oomRecheck = 500 * time.Millisecond
