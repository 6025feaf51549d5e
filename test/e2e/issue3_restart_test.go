package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	// bigReplicas is the size of the rollout the issue asks to survive a
	// restart.
	bigReplicas = 1000
	// bigMaxPods is replicas+maxSurge with the default 25% surge.
	bigMaxPods = bigReplicas + bigReplicas/4
	// bigTimeout bounds each wait for the 1,000 pods on 2 shared cores.
	bigTimeout = 4 * time.Minute
)

const bigDeploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: 1000
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: c
        image: nginx:1
        resources: {requests: {cpu: 10m, memory: 16Mi}}
`

// TestRestartMidRollout changes the image of a 1,000-replica Deployment
// and stops `skiff server` while the new ReplicaSet has some but not all
// of its pods, first with SIGTERM and then, on the next rollout, with
// SIGKILL. The server comes back on the same data dir and port, the sim
// reconnects, and each rollout finishes with exactly 1,000 pods, all of
// the new ReplicaSet, without ever holding more than replicas+maxSurge.
func TestRestartMidRollout(t *testing.T) {
	s := newServer(t)
	k := s.kubectl(t)
	// A second per pod start widens the window in which to stop the
	// server mid-rollout without making the test slow.
	startSim(t, s, "--nodes", "20", "--pods", "110", "--pod-start-delay", "1s")
	waitUntil(t, 60*time.Second, "20 Ready nodes", func() (bool, string) {
		out := k.ok("get", "nodes", "--no-headers")
		return strings.Count(out, " Ready ") == 20, out
	})
	k.ok("create", "namespace", "roll")
	begin := time.Now()
	k.stdin(bigDeploymentYAML).ok("-n", "roll", "apply", "-f", "-")
	kl := k.withTimeout(bigTimeout + 30*time.Second)
	kl.ok("-n", "roll", "rollout", "status", "deployment/big", "--timeout="+bigTimeout.String())
	t.Logf("%d replicas available %s after the create", bigReplicas, time.Since(begin).Round(time.Second))
	wantEqual(t, "available replicas", k.ok("-n", "roll", "get", "deployment", "big", "-o", "jsonpath={.status.availableReplicas}"),
		strconv.Itoa(bigReplicas))

	mon := monitorSurge(t, s)
	variants := []struct {
		name, image string
		stop        func() error
	}{
		{"SIGTERM", "nginx:2", s.stop},
		{"SIGKILL", "nginx:3", func() error { s.kill(); return nil }},
	}
	for i, v := range variants {
		ok := t.Run(v.name, func(t *testing.T) {
			k, kl := k.on(t), kl.on(t)
			begin := time.Now()
			k.ok("-n", "roll", "set", "image", "deployment/big", "c="+v.image)
			waitMidRollout(t, k, s, v.image)
			if err := v.stop(); err != nil {
				t.Fatalf("stop the server with %s: %v", v.name, err)
			}
			s.restart(t)
			t.Logf("server stopped with %s mid-rollout and back %s after the image change", v.name, time.Since(begin).Round(time.Second))
			out := kl.ok("-n", "roll", "rollout", "status", "deployment/big", "--timeout="+bigTimeout.String())
			wantAll(t, "rollout status", out, `deployment "big" successfully rolled out`)
			t.Logf("rollout to %s done %s after the image change", v.image, time.Since(begin).Round(time.Second))
			checkRolledOut(t, clientset(t, s), v.image, i+2)
		})
		if !ok {
			break
		}
	}
	mon.check(t)
}

// progressLine is what `kubectl rollout status` prints while the new
// ReplicaSet is growing.
var progressLine = regexp.MustCompile(`rollout to finish: (\d+) out of 1000 new replicas have been updated`)

// waitMidRollout returns once `kubectl rollout status` shows the new
// ReplicaSet with some but not all of the pods, and the API agrees that
// the old ReplicaSets still have pods: the moment to pull the plug.
func waitMidRollout(t *testing.T, k kubectl, s *Server, image string) {
	t.Helper()
	// A subtest, so that the watching kubectl ends before the server does.
	t.Run("progress", func(t *testing.T) {
		w := k.on(t).watch("-n", "roll", "rollout", "status", "deployment/big", "--timeout="+bigTimeout.String())
		deadline := time.NewTimer(bigTimeout)
		defer deadline.Stop()
		for {
			select {
			case line, open := <-w.lines:
				if !open {
					t.Fatalf("rollout status ended before showing progress:\n%s", strings.Join(w.seen, "\n"))
				}
				w.seen = append(w.seen, line)
				if m := progressLine.FindStringSubmatch(line); m != nil && m[1] != "0" && m[1] != "1000" {
					t.Logf("kubectl: %s", line)
					return
				}
			case <-deadline.C:
				t.Fatalf("no progress line within %s:\n%s", bigTimeout, strings.Join(w.seen, "\n"))
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	newRS, old := rolloutSplit(t, clientset(t, s), image)
	if newRS == nil || newRS.Status.Replicas == 0 || newRS.Status.ReadyReplicas >= bigReplicas || old == 0 {
		t.Fatalf("not mid-rollout when stopping: new ReplicaSet %s, %d pods in old ones (the rollout is too quick to interrupt?)",
			describeRS(newRS), old)
	}
	t.Logf("stopping with new ReplicaSet %s and %d pods in old ones", describeRS(newRS), old)
}

// rolloutSplit returns the ReplicaSet of big whose template has image and
// how many pods the others have.
func rolloutSplit(t *testing.T, cs kubernetes.Interface, image string) (*appsv1.ReplicaSet, int32) {
	t.Helper()
	list, err := cs.AppsV1().ReplicaSets("roll").List(context.Background(), metav1.ListOptions{LabelSelector: "app=big"})
	if err != nil {
		t.Fatalf("list replica sets: %v", err)
	}
	var newRS *appsv1.ReplicaSet
	var old int32
	for i := range list.Items {
		rs := &list.Items[i]
		if rs.Spec.Template.Spec.Containers[0].Image == image {
			newRS = rs
			continue
		}
		old += rs.Status.Replicas
	}
	return newRS, old
}

func describeRS(rs *appsv1.ReplicaSet) string {
	if rs == nil {
		return "<none>"
	}
	return fmt.Sprintf("%s (spec %d, pods %d, ready %d)", rs.Name, *rs.Spec.Replicas, rs.Status.Replicas, rs.Status.ReadyReplicas)
}

// checkRolledOut waits for the old pods to finish terminating and then
// requires exactly bigReplicas pods, each once, all of the new
// ReplicaSet; the old ReplicaSets scaled to 0; revision as the rollout's
// number; and one ReplicaSet per revision (none made twice).
func checkRolledOut(t *testing.T, cs kubernetes.Interface, image string, revision int) {
	t.Helper()
	ctx := context.Background()
	newRS, _ := rolloutSplit(t, cs, image)
	if newRS == nil {
		t.Fatalf("no ReplicaSet with %s", image)
	}
	var last string
	waitUntil(t, 60*time.Second, "only the new ReplicaSet's pods left", func() (bool, string) {
		pods, err := cs.CoreV1().Pods("roll").List(ctx, metav1.ListOptions{LabelSelector: "app=big"})
		if err != nil {
			return false, err.Error()
		}
		names := map[string]int{}
		var others, foreign, notReady int
		for _, p := range pods.Items {
			names[p.Name]++
			ref := metav1.GetControllerOf(&p)
			switch {
			case ref == nil || ref.UID != newRS.UID:
				foreign++
			case p.Spec.Containers[0].Image != image:
				others++
			case p.DeletionTimestamp != nil || !podReady(p.Status.Conditions):
				notReady++
			}
		}
		last = fmt.Sprintf("%d pods, %d names, %d of other ReplicaSets, %d of the new one with another image, %d not ready or terminating",
			len(pods.Items), len(names), foreign, others, notReady)
		return len(pods.Items) == bigReplicas && len(names) == bigReplicas && foreign == 0 && others == 0 && notReady == 0, last
	})
	t.Logf("pods: %s", last)

	list, err := cs.AppsV1().ReplicaSets("roll").List(ctx, metav1.ListOptions{LabelSelector: "app=big"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != revision {
		t.Errorf("%d ReplicaSets after rollout %d, want one per revision", len(list.Items), revision)
	}
	for _, rs := range list.Items {
		want := int32(0)
		if rs.UID == newRS.UID {
			want = bigReplicas
		}
		if *rs.Spec.Replicas != want || rs.Status.Replicas != want {
			t.Errorf("ReplicaSet %s: spec %d, status %d replicas, want %d", rs.Name, *rs.Spec.Replicas, rs.Status.Replicas, want)
		}
	}
	d, err := cs.AppsV1().Deployments("roll").Get(ctx, "big", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Annotations["deployment.kubernetes.io/revision"]; got != strconv.Itoa(revision) {
		t.Errorf("deployment revision %s, want %d", got, revision)
	}
	if st := d.Status; st.Replicas != bigReplicas || st.UpdatedReplicas != bigReplicas || st.AvailableReplicas != bigReplicas || st.UnavailableReplicas != 0 {
		t.Errorf("deployment status replicas/updated/available/unavailable = %d/%d/%d/%d, want %d/%d/%d/0",
			st.Replicas, st.UpdatedReplicas, st.AvailableReplicas, st.UnavailableReplicas, bigReplicas, bigReplicas, bigReplicas)
	}
}

// surgeMonitor samples, in the background, the deployment's pods that are
// not terminating and the ReplicaSets' desired replicas, and keeps the
// highest of each.
type surgeMonitor struct {
	mu                 sync.Mutex
	samples            int
	maxPods, maxWanted int
	when               string
}

// monitorSurge samples twice a second until the test ends; a sample that
// fails (the server is down) is skipped.
func monitorSurge(t *testing.T, s *Server) *surgeMonitor {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst, cfg.Timeout = 100, 100, 5*time.Second
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cs := clientset(t, s)
	m := &surgeMonitor{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			m.sample(ctx, meta, cs)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

var podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

func (m *surgeMonitor) sample(ctx context.Context, meta metadata.Interface, cs kubernetes.Interface) {
	pods, err := meta.Resource(podsGVR).Namespace("roll").List(ctx, metav1.ListOptions{LabelSelector: "app=big"})
	if err != nil {
		return
	}
	rss, err := cs.AppsV1().ReplicaSets("roll").List(ctx, metav1.ListOptions{LabelSelector: "app=big"})
	if err != nil {
		return
	}
	live := 0
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			live++
		}
	}
	wanted := 0
	var split []string
	for _, rs := range rss.Items {
		wanted += int(*rs.Spec.Replicas)
		split = append(split, fmt.Sprintf("%s=%d/%d", rs.Name, *rs.Spec.Replicas, rs.Status.Replicas))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.samples++
	if live > m.maxPods || wanted > m.maxWanted {
		m.when = fmt.Sprintf("%d live pods, ReplicaSets %s", live, strings.Join(split, " "))
	}
	m.maxPods, m.maxWanted = max(m.maxPods, live), max(m.maxWanted, wanted)
}

// check fails t if any sample had more than replicas+maxSurge pods or
// desired replicas.
func (m *surgeMonitor) check(t *testing.T) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	t.Logf("surge monitor: %d samples, at most %d live pods and %d desired replicas (%s)", m.samples, m.maxPods, m.maxWanted, m.when)
	if m.samples == 0 {
		t.Error("surge monitor took no sample")
	}
	if m.maxPods > bigMaxPods || m.maxWanted > bigMaxPods {
		t.Errorf("more than replicas+maxSurge = %d: %d live pods, %d desired replicas at most (%s)", bigMaxPods, m.maxPods, m.maxWanted, m.when)
	}
}

func podReady(conds []corev1.PodCondition) bool {
	for _, c := range conds {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
