package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
)

// harness runs a Scheduler against a fake clientset whose pods/binding
// sets spec.nodeName, as the API server does.
type harness struct {
	t        *testing.T
	client   *fake.Clientset
	recorder *record.FakeRecorder
	events   []string
}

func startScheduler(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	podsGVR := v1.SchemeGroupVersion.WithResource("pods")
	client.PrependReactor("create", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
		ca, ok := action.(k8stesting.CreateAction)
		if !ok || ca.GetSubresource() != "binding" {
			return false, nil, nil
		}
		b := ca.GetObject().(*v1.Binding)
		obj, err := client.Tracker().Get(podsGVR, b.Namespace, b.Name)
		if err != nil {
			return true, nil, err
		}
		p := obj.(*v1.Pod).DeepCopy()
		p.Spec.NodeName = b.Target.Name
		return true, b, client.Tracker().Update(podsGVR, p, b.Namespace)
	})
	h := &harness{t: t, client: client, recorder: record.NewFakeRecorder(1000)}
	s, err := New(Config{Client: client, Informers: informers.NewSharedInformerFactory(client, 0),
		Recorder: h.recorder, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

func (h *harness) get(name string) *v1.Pod {
	p, err := h.client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *harness) create(p *v1.Pod) {
	if _, err := h.client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

// waitFor polls cond until it holds or 10s pass.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		h.t.Fatalf("waiting for %s: %v\nevents: %v", what, err, h.drain())
	}
}

// drain collects the events recorded so far.
func (h *harness) drain() []string {
	for {
		select {
		case e := <-h.recorder.Events:
			h.events = append(h.events, e)
		default:
			return h.events
		}
	}
}

func TestSchedulerBindsAndSpreads(t *testing.T) {
	objs := []runtime.Object{node("n1"), node("n2"), node("n3")}
	for i := range 6 {
		objs = append(objs, pod(fmt.Sprintf("web-%d", i), req("cpu", "1")))
	}
	objs = append(objs, pod("other", func(p *v1.Pod) { p.Spec.SchedulerName = "someone-else" }))
	h := startScheduler(t, objs...)
	h.waitFor("six pods bound", func() bool {
		for i := range 6 {
			if h.get(fmt.Sprintf("web-%d", i)).Spec.NodeName == "" {
				return false
			}
		}
		return true
	})
	perNode := map[string]int{}
	for i := range 6 {
		perNode[h.get(fmt.Sprintf("web-%d", i)).Spec.NodeName]++
	}
	if perNode["n1"] != 2 || perNode["n2"] != 2 || perNode["n3"] != 2 {
		t.Errorf("placement %v, want 2 per node", perNode)
	}
	if h.get("other").Spec.NodeName != "" {
		t.Error("a pod for another scheduler was bound")
	}
	h.waitFor("Scheduled events", func() bool {
		n := 0
		for _, e := range h.drain() {
			if strings.HasPrefix(e, "Normal Scheduled Successfully assigned default/web-") {
				n++
			}
		}
		return n == 6
	})
}

func TestSchedulerReportsWhy(t *testing.T) {
	cp := taint("node-role.kubernetes.io/control-plane", "", v1.TaintEffectNoSchedule)
	h := startScheduler(t, node("cp", cp), node("w1"), node("w2"), pod("big", req("cpu", "6")))
	want := "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. " +
		"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
	h.waitFor("the PodScheduled condition", func() bool {
		c := podCondition(h.get("big"), v1.PodScheduled)
		return c != nil && c.Status == v1.ConditionFalse && c.Reason == v1.PodReasonUnschedulable && c.Message == want
	})
	h.waitFor("the FailedScheduling event", func() bool {
		for _, e := range h.drain() {
			if e == "Warning FailedScheduling "+want {
				return true
			}
		}
		return false
	})
	// A node that fits arrives: the pod is re-queued and bound.
	if _, err := h.client.CoreV1().Nodes().Create(context.Background(), node("w3", alloc(v1.ResourceCPU, "8")), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the pod to land on the new node", func() bool { return h.get("big").Spec.NodeName == "w3" })
}

func TestSchedulerPreempts(t *testing.T) {
	h := startScheduler(t, node("n1"), pod("low", on("n1"), req("cpu", "3"), priority(1)))
	h.create(pod("high", req("cpu", "2"), priority(100)))
	h.waitFor("the victim to be deleted", func() bool {
		_, err := h.client.CoreV1().Pods("default").Get(context.Background(), "low", metav1.GetOptions{})
		return err != nil
	})
	h.waitFor("the preemptor to be bound", func() bool { return h.get("high").Spec.NodeName == "n1" })
	var preempted bool
	for _, e := range h.drain() {
		preempted = preempted || strings.HasPrefix(e, "Normal Preempted Preempted by pod uid-high on node n1")
	}
	if !preempted {
		t.Errorf("no Preempted event: %v", h.events)
	}
	var marked bool
	for _, a := range h.client.Actions() {
		if p, ok := a.(k8stesting.PatchAction); ok && p.GetName() == "low" && strings.Contains(string(p.GetPatch()), "DisruptionTarget") {
			marked = true
		}
	}
	if !marked {
		t.Error("the victim was not marked DisruptionTarget before deletion")
	}
}
