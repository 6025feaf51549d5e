package bench

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/util/flowcontrol"
)

// TestRunAgainstFakeClient drives a whole run through client-go's fake
// clientset: every phase must see every object, and the watchers every
// write.
func TestRunAgainstFakeClient(t *testing.T) {
	tests := []struct {
		kind       string
		keep       bool
		wantPhases []string
	}{
		{KindPod, false, []string{"create", "get", "list", "list-paged", "list-rv0", "watch", "update", "delete"}},
		{KindConfigMap, false, []string{"create", "get", "list", "list-paged", "list-rv0", "watch", "update", "delete"}},
		{KindPod, true, []string{"create", "get", "list", "list-paged", "list-rv0", "watch", "update"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind+map[bool]string{true: "/keep", false: ""}[tt.keep], func(t *testing.T) {
			const n = 40
			client := fake.NewClientset()
			// The fake's watchers hold 100 events and panic past that; an
			// unpaced watch phase can outrun the bench's watchers on a busy
			// machine, which a real server's flow control would prevent.
			pace := flowcontrol.NewTokenBucketRateLimiter(2000, 20)
			client.PrependReactor("update", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
				pace.Accept()
				return false, nil, nil
			})
			rep, err := Run(context.Background(), Config{
				Client: client, Namespace: "b", Kind: tt.kind, Objects: n, Concurrency: 4,
				WatchDuration: 100 * time.Millisecond, Watchers: 2, ListRepeats: 2, Keep: tt.keep,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			var got []string
			for _, r := range rep.Results {
				got = append(got, r.Phase)
				checkResult(t, r, n)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantPhases, ",") {
				t.Errorf("phases = %v, want %v", got, tt.wantPhases)
			}
			left, err := client.CoreV1().Namespaces().Get(context.Background(), "b", metav1.GetOptions{})
			if tt.keep != (err == nil && left != nil) {
				t.Errorf("keep=%v but namespace present=%v (err %v)", tt.keep, err == nil, err)
			}
			if !tt.keep && !hasDeleteCollection(client.Actions()) {
				t.Error("clean-up sent no deletecollection")
			}
		})
	}
}

func checkResult(t *testing.T, r Result, n int) {
	t.Helper()
	if r.Errors != 0 {
		t.Errorf("%s: %d errors, first %q", r.Phase, r.Errors, r.FirstError)
	}
	switch r.Phase {
	case "list", "list-paged", "list-rv0":
		if r.Ops != 2 || !strings.Contains(r.Note, " 40 items") {
			t.Errorf("%s: ops %d note %q, want 2 lists of 40 items", r.Phase, r.Ops, r.Note)
		}
	case "watch":
		if r.Ops == 0 || r.Latency.Count == 0 || !strings.Contains(r.Note, "0 events missing") {
			t.Errorf("watch: ops %d, latencies %d, note %q", r.Ops, r.Latency.Count, r.Note)
		}
	default:
		if r.Ops != n || r.Latency.Count != n || r.Latency.Max < r.Latency.P50 {
			t.Errorf("%s: ops %d latencies %d (%+v), want %d", r.Phase, r.Ops, r.Latency.Count, r.Latency, n)
		}
	}
}

func hasDeleteCollection(actions []k8stesting.Action) bool {
	for _, a := range actions {
		if a.GetVerb() == "delete-collection" {
			return true
		}
	}
	return false
}

func TestConfigRejects(t *testing.T) {
	client := fake.NewClientset()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no client", Config{Objects: 1, Concurrency: 1}, "no client"},
		{"bad kind", Config{Client: client, Kind: "deployment", Objects: 1, Concurrency: 1}, "unknown kind"},
		{"no objects", Config{Client: client, Concurrency: 1}, "must be at least 1"},
		{"no concurrency", Config{Client: client, Objects: 1}, "must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
