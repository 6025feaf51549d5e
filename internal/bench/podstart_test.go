package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestRunPodStart runs the benchmark against skiff's API server in this
// process (on embedded etcd, as test/integration starts it) with a fake
// node that binds and marks pods Running: it checks the benchmark's
// logic, not a kubelet's speed.
func TestRunPodStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	client := startAPIServer(t)
	startFakeNode(t, client)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	t.Run("pinned, generated namespace", func(t *testing.T) {
		rep, err := RunPodStart(context.Background(), PodStartConfig{
			Client: client, Serial: 5, Parallel: 4, Node: fakeNode, Timeout: 30 * time.Second, Logger: quiet,
		})
		if err != nil {
			t.Fatalf("RunPodStart: %v", err)
		}
		checkPhases(t, rep, 5, 4)
		if !strings.HasPrefix(rep.Namespace, "skiff-podstart-") {
			t.Errorf("namespace %q was not generated", rep.Namespace)
		}
		ns, err := client.CoreV1().Namespaces().Get(context.Background(), rep.Namespace, metav1.GetOptions{})
		if err == nil && ns.DeletionTimestamp == nil {
			t.Errorf("generated namespace %s left in place", rep.Namespace)
		}
		checkWriters(t, rep)
	})

	t.Run("scheduled, given namespace", func(t *testing.T) {
		rep, err := RunPodStart(context.Background(), PodStartConfig{
			Client: client, Namespace: "given", Serial: 2, Parallel: 3, Timeout: 30 * time.Second, Logger: quiet,
		})
		if err != nil {
			t.Fatalf("RunPodStart: %v", err)
		}
		checkPhases(t, rep, 2, 3)
		ns, err := client.CoreV1().Namespaces().Get(context.Background(), "given", metav1.GetOptions{})
		if err != nil || ns.DeletionTimestamp != nil {
			t.Errorf("a given namespace must be kept: %v", err)
		}
		pods, err := client.CoreV1().Pods("given").List(context.Background(), metav1.ListOptions{})
		if err != nil || len(pods.Items) != 0 {
			t.Errorf("pods left: %d (%v)", len(pods.Items), err)
		}
	})

	t.Run("a pod that cannot start ends the run", func(t *testing.T) {
		start := time.Now()
		rep, err := RunPodStart(context.Background(), PodStartConfig{
			Client: client, Image: "example.com/missing:1", Serial: 3, Node: fakeNode, Timeout: 30 * time.Second, Logger: quiet,
		})
		if err == nil || !strings.Contains(err.Error(), "ErrImagePull") {
			t.Fatalf("err = %v, want the pod's ErrImagePull", err)
		}
		if time.Since(start) > 20*time.Second {
			t.Errorf("took %s: a stuck pod should end the wait at once", time.Since(start))
		}
		if len(rep.Phases) != 1 || rep.Phases[0].Running != 0 || rep.Phases[0].Gone < 0 {
			t.Errorf("phases = %+v", rep.Phases)
		}
	})
}

func TestPodStartConfigRejects(t *testing.T) {
	client := fake.NewClientset()
	for _, cfg := range []PodStartConfig{
		{},
		{Client: client},
		{Client: client, Serial: -1, Parallel: 3},
	} {
		if _, err := RunPodStart(context.Background(), cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

func checkPhases(t *testing.T, rep PodStartReport, serial, parallel int) {
	t.Helper()
	if len(rep.Phases) != 2 || rep.Phases[0].Name != "serial" || rep.Phases[1].Name != "parallel" {
		t.Fatalf("phases = %+v", rep.Phases)
	}
	for i, want := range []int{serial, parallel} {
		p := rep.Phases[i]
		if p.Pods != want || p.Running != want || p.Latency.Count != want || p.Error != "" {
			t.Errorf("%s: pods %d running %d samples %d error %q, want %d", p.Name, p.Pods, p.Running, p.Latency.Count, p.Error, want)
		}
		if p.Latency.P50 <= 0 || p.Latency.Max > 30*time.Second || p.Latency.P50 > p.Latency.P99 {
			t.Errorf("%s: latency %+v", p.Name, p.Latency)
		}
		if p.Create.Ops != want || p.Create.Errors != 0 || p.Delete.Ops != want {
			t.Errorf("%s: create %+v delete %+v", p.Name, p.Create, p.Delete)
		}
		if p.Gone < 0 {
			t.Errorf("%s: pods not seen gone", p.Name)
		}
	}
	if par := rep.Phases[1]; par.AllRunning < par.Latency.Max || par.AllRunning > 30*time.Second {
		t.Errorf("parallel: all Running after %s, slowest pod %s", par.AllRunning, par.Latency.Max)
	}
	if rep.Phases[0].AllRunning != notReached {
		t.Errorf("serial phase has an all-Running time %s", rep.Phases[0].AllRunning)
	}
}

func checkWriters(t *testing.T, rep PodStartReport) {
	t.Helper()
	var tbl, md bytes.Buffer
	if err := rep.WriteTable(&tbl); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PHASE", "serial", "parallel", "ALL RUNNING", "create (serial)", "delete (parallel)", "node " + fakeNode} {
		if !strings.Contains(tbl.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tbl.String())
		}
	}
	t.Logf("report:\n%s", tbl.String())
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| serial | 5 | 5 |") {
		t.Errorf("markdown:\n%s", md.String())
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil || back["phases"] == nil {
		t.Errorf("json %s: %v", js, err)
	}
}
