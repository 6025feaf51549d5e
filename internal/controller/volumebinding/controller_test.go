package volumebinding

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	testclock "k8s.io/utils/clock/testing"
)

// testEnv runs the controller against a fake clientset with real
// informers. The resync period is an hour: everything a test waits for
// must be driven by informer events.
type testEnv struct {
	client *fake.Clientset
	ctrl   *Controller
	events *record.FakeRecorder
	ctx    context.Context
}

func startEnv(t *testing.T, objs ...runtime.Object) *testEnv {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	enforceResourceVersions(client)
	factory := informers.NewSharedInformerFactory(client, 0)
	events := record.NewFakeRecorder(1000)
	c, err := New(Config{Client: client, Informers: factory, Recorder: events, ResyncPeriod: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.Run(ctx, 1); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		factory.Shutdown()
	})
	return &testEnv{client: client, ctrl: c, events: events, ctx: ctx}
}

// eventually polls cond until it holds or 10 s pass.
func (e *testEnv) eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s", what, state)
		}
		<-tick.C
	}
}

func (e *testEnv) pv(t *testing.T, name string) *corev1.PersistentVolume {
	t.Helper()
	v, err := e.client.CoreV1().PersistentVolumes().Get(e.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (e *testEnv) pvc(t *testing.T, name string) *corev1.PersistentVolumeClaim {
	t.Helper()
	c, err := e.client.CoreV1().PersistentVolumeClaims("ns").Get(e.ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitBound waits until claim and volume are bound to each other in full.
func (e *testEnv) waitBound(t *testing.T, claim, volume string) {
	t.Helper()
	e.eventually(t, fmt.Sprintf("%s bound to %s", claim, volume), func() (bool, string) {
		v, c := e.pv(t, volume), e.pvc(t, claim)
		state := fmt.Sprintf("pv %s claimRef %v annotations %v; pvc %s volume %q annotations %v status %+v",
			v.Status.Phase, v.Spec.ClaimRef, v.Annotations, c.Status.Phase, c.Spec.VolumeName, c.Annotations, c.Status)
		ok := v.Status.Phase == corev1.VolumeBound && v.Spec.ClaimRef != nil && v.Spec.ClaimRef.UID == c.UID &&
			c.Status.Phase == corev1.ClaimBound && c.Spec.VolumeName == volume && c.Annotations[annBindCompleted] == "yes" &&
			c.Status.Capacity.Storage().Cmp(*v.Spec.Capacity.Storage()) == 0 && len(c.Status.AccessModes) == len(v.Spec.AccessModes)
		return ok, state
	})
}

func (e *testEnv) waitEvent(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	var seen []string
	for {
		select {
		case ev := <-e.events.Events:
			if strings.Contains(ev, want) {
				return
			}
			seen = append(seen, ev)
		case <-timeout:
			t.Fatalf("no event %q; saw %q", want, seen)
		}
	}
}

func TestBindsAndAnnotates(t *testing.T) {
	pv := withPhase(newPV("v", "5Gi", rwo, rox), corev1.VolumePending) // as the API server creates it
	e := startEnv(t, pv, newPV("small", "100Mi"), newPVC("c", "1Gi"))
	e.waitBound(t, "c", "v")
	v, c := e.pv(t, "v"), e.pvc(t, "c")
	if v.Annotations[annBoundByController] != "yes" || c.Annotations[annBoundByController] != "yes" {
		t.Errorf("bound-by-controller missing: pv %v pvc %v", v.Annotations, c.Annotations)
	}
	ref := v.Spec.ClaimRef
	if ref.Kind != "PersistentVolumeClaim" || ref.APIVersion != "v1" || ref.Namespace != "ns" || ref.Name != "c" {
		t.Errorf("claimRef = %+v", ref)
	}
	if v.Status.LastPhaseTransitionTime == nil {
		t.Error("no lastPhaseTransitionTime on the volume")
	}
	if small := e.pv(t, "small"); small.Spec.ClaimRef != nil {
		t.Errorf("too small volume was bound: %+v", small.Spec.ClaimRef)
	}
}

// TestResumesAfterEveryStep starts from the state a controller leaves
// when it stops after each write of a binding; each must converge.
func TestResumesAfterEveryStep(t *testing.T) {
	claim := newPVC("c", "1Gi")
	step1 := withAnnotations(claimRefTo(newPV("v", "1Gi"), claim, "uid-c"), annBoundByController, "yes")
	step2 := withPhase(step1.DeepCopy(), corev1.VolumeBound)
	claim3 := withAnnotations(claim.DeepCopy(), annBindCompleted, "yes", annBoundByController, "yes")
	claim3.Spec.VolumeName = "v"
	tests := []struct {
		name   string
		volume *corev1.PersistentVolume
		claim  *corev1.PersistentVolumeClaim
	}{
		{"after the volume's claimRef", step1, claim},
		{"after the volume's phase", step2, claim},
		{"after the claim's volumeName", step2, claim3},
		{"claim written but volume not (other order)", newPV("v", "1Gi"), claim3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A bigger free volume must not lure the half-bound claim away.
			e := startEnv(t, tt.volume.DeepCopy(), tt.claim.DeepCopy(), newPV("other", "2Gi"))
			e.waitBound(t, "c", "v")
			if o := e.pv(t, "other"); o.Spec.ClaimRef != nil {
				t.Errorf("second volume bound too: %+v", o.Spec.ClaimRef)
			}
		})
	}
}

func TestWaitsThenBindsWhenAVolumeAppears(t *testing.T) {
	e := startEnv(t, newPVC("c", "1Gi"))
	e.waitEvent(t, "Normal FailedBinding no persistent volumes available for this claim and no storage class is set")
	if _, err := e.client.CoreV1().PersistentVolumes().Create(e.ctx, withPhase(newPV("v", "1Gi"), corev1.VolumePending), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitBound(t, "c", "v")
}

func TestMissingClassEvent(t *testing.T) {
	e := startEnv(t, withClass(newPVC("c", "1Gi"), "x"))
	e.waitEvent(t, `Warning ProvisioningFailed storageclass.storage.k8s.io "x" not found`)
}

func TestPreboundBothWays(t *testing.T) {
	byClaim := newPVC("by-claim", "1Gi")
	byClaim.Spec.VolumeName = "chosen"
	forVolume := newPVC("for-volume", "1Gi")
	e := startEnv(t, byClaim, forVolume,
		newPV("chosen", "10Gi"), newPV("smaller", "1Gi"), // by-claim wants "chosen" though "smaller" fits better
		claimRefTo(newPV("reserved", "10Gi"), forVolume, ""))
	e.waitBound(t, "by-claim", "chosen")
	e.waitBound(t, "for-volume", "reserved")
	if v := e.pv(t, "reserved"); v.Annotations[annBoundByController] != "" {
		t.Errorf("a user's pre-binding marked bound-by-controller: %v", v.Annotations)
	}
	if c := e.pvc(t, "by-claim"); c.Annotations[annBoundByController] != "" {
		t.Errorf("a user's volumeName marked bound-by-controller: %v", c.Annotations)
	}
	if v := e.pv(t, "smaller"); v.Spec.ClaimRef != nil {
		t.Errorf("unused volume bound: %+v", v.Spec.ClaimRef)
	}
}

func TestTwoClaimsOneVolume(t *testing.T) {
	e := startEnv(t, newPV("v", "1Gi"), newPVC("a", "1Gi"), newPVC("b", "1Gi"))
	e.eventually(t, "one claim bound", func() (bool, string) {
		a, b := e.pvc(t, "a"), e.pvc(t, "b")
		return (a.Status.Phase == corev1.ClaimBound) != (b.Status.Phase == corev1.ClaimBound), fmt.Sprintf("a %s, b %s", a.Status.Phase, b.Status.Phase)
	})
	winner := "a"
	if e.pvc(t, "b").Status.Phase == corev1.ClaimBound {
		winner = "b"
	}
	e.waitBound(t, winner, "v")
}

func TestReleaseAndReclaim(t *testing.T) {
	tests := []struct {
		policy      corev1.PersistentVolumeReclaimPolicy
		wantDeleted bool
	}{
		{corev1.PersistentVolumeReclaimRetain, false},
		{corev1.PersistentVolumeReclaimDelete, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			v := newPV("v", "1Gi")
			v.Spec.PersistentVolumeReclaimPolicy = tt.policy
			e := startEnv(t, v, newPVC("c", "1Gi"))
			e.waitBound(t, "c", "v")
			if err := e.client.CoreV1().PersistentVolumeClaims("ns").Delete(e.ctx, "c", metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
			e.eventually(t, "volume reclaimed", func() (bool, string) {
				v := e.pv(t, "v")
				if v == nil {
					return tt.wantDeleted, "deleted"
				}
				return !tt.wantDeleted && v.Status.Phase == corev1.VolumeReleased, string(v.Status.Phase)
			})
			if !tt.wantDeleted {
				// A new claim of the same name must not get the released volume.
				again := newPVC("c", "1Gi")
				again.UID = "uid-c-again"
				if _, err := e.client.CoreV1().PersistentVolumeClaims("ns").Create(e.ctx, again, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				e.waitEvent(t, "FailedBinding")
				if v := e.pv(t, "v"); v.Status.Phase != corev1.VolumeReleased {
					t.Errorf("released volume went %s", v.Status.Phase)
				}
			}
		})
	}
}

func TestLostVolume(t *testing.T) {
	e := startEnv(t, newPV("v", "1Gi"), newPVC("c", "1Gi"))
	e.waitBound(t, "c", "v")
	if err := e.client.CoreV1().PersistentVolumes().Delete(e.ctx, "v", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.eventually(t, "claim Lost", func() (bool, string) {
		c := e.pvc(t, "c")
		return c.Status.Phase == corev1.ClaimLost && c.Status.Capacity == nil, fmt.Sprintf("%+v", c.Status)
	})
	e.waitEvent(t, "Warning ClaimLost Bound claim has lost its PersistentVolume. Data on the volume is lost!")
}

func TestWaitForFirstConsumer(t *testing.T) {
	class := newClass("local", "kubernetes.io/no-provisioner", storagev1.VolumeBindingWaitForFirstConsumer)
	onN1 := withNodeAffinity(withClass(newPV("on-n1", "1Gi"), "local"), hostnameIs("n1"))
	onN2 := withNodeAffinity(withClass(newPV("on-n2", "1Gi"), "local"), hostnameIs("n2"))
	e := startEnv(t, class, onN1, onN2, newNode("n1"), newNode("n2"), withClass(newPVC("c", "1Gi"), "local"))
	e.waitEvent(t, "Normal WaitForFirstConsumer waiting for first consumer to be created before binding")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}, Spec: corev1.PodSpec{
		Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "c"}}}}}}
	if _, err := e.client.CoreV1().Pods("ns").Create(e.ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod.Spec.NodeName = "n2"
	if _, err := e.client.CoreV1().Pods("ns").Update(e.ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitBound(t, "c", "on-n2")
}

// TestResyncEnqueuesEverything fills the caches by hand (no informer runs,
// so no handler queues anything) and checks that a resync tick queues
// every claim and volume.
func TestResyncEnqueuesEverything(t *testing.T) {
	client := fake.NewSimpleClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := testclock.NewFakeClock(time.Unix(1000, 0))
	c, err := New(Config{Client: client, Informers: factory, Recorder: record.NewFakeRecorder(10), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	core := factory.Core().V1()
	if err := core.PersistentVolumes().Informer().GetIndexer().Add(newPV("v", "1Gi")); err != nil {
		t.Fatal(err)
	}
	if err := core.PersistentVolumeClaims().Informer().GetIndexer().Add(newPVC("c", "1Gi")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.resyncLoop(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	poll := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for !cond() {
			select {
			case <-deadline:
				t.Fatal(what)
			case <-tick.C:
			}
		}
	}
	if n := c.loop.Len(); n != 0 {
		t.Fatalf("%d keys queued before the resync", n)
	}
	// Step until the tick lands: the ticker may not exist yet, and the
	// queue's own timers make HasWaiters true already.
	poll("resync did not queue the claim and the volume", func() bool {
		clk.Step(DefaultResyncPeriod)
		return c.loop.Len() == 2
	})
}
