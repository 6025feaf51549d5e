package controllermanager

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// probe is a controller that reports that it ran and then does what it is
// told: wait for ctx, or fail.
// probe is a controller that reports when it runs and, when told to fail,
// fails only once the test has looked at the running manager (fail after
// checked is closed), so the checks never race the failure.
type probe struct {
	started chan struct{}
	checked chan struct{}
	fail    error
}

func (p *probe) Run(ctx context.Context, _ int) error {
	close(p.started)
	if p.fail != nil {
		<-p.checked
		return p.fail
	}
	<-ctx.Done()
	return nil
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		elect   bool
		fail    error
		wantErr string // "" means Run returns nil after cancel
	}{
		{"no election, cancel", false, nil, ""},
		{"elected, cancel", true, nil, ""},
		{"controller failure stops the manager", true, errors.New("boom"), "controller probe: boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewSimpleClientset()
			p := &probe{started: make(chan struct{}), checked: make(chan struct{}), fail: tc.fail}
			var built Context
			cfg := Config{
				Client: cs, DisableLeaderElection: !tc.elect, Identity: "me",
				Controllers: []Controller{{Name: "probe", New: func(c Context) (Runner, error) {
					built = c
					c.Informers.Core().V1().Pods().Informer() // an informer the manager must start
					return p, nil
				}}},
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- Run(ctx, cfg) }()
			select {
			case <-p.started:
			case <-time.After(10 * time.Second):
				t.Fatal("controller never started")
			}
			if built.Client == nil || built.Recorder == nil || built.Logger == nil || built.Clock == nil {
				t.Fatalf("context incomplete: %+v", built)
			}
			if !built.Informers.Core().V1().Pods().Informer().HasSynced() {
				t.Fatal("controller started before caches synced")
			}
			if tc.elect {
				lease, err := cs.CoordinationV1().Leases(LeaseNamespace).Get(ctx, LeaseName, metav1.GetOptions{})
				if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != "me" {
					t.Fatalf("lease = %+v, %v", lease, err)
				}
			}
			close(p.checked)
			if tc.wantErr == "" {
				cancel()
			}
			select {
			case err := <-done:
				if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
					t.Fatalf("Run = %v, want %q", err, tc.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return")
			}
		})
	}
}
