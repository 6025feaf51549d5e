package endpointslice

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func service() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "svc-uid"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(8080)}}},
	}
}

func pods(n int, ready bool) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	for i := range out {
		name := fmt.Sprintf("p%03d", i)
		out[i] = &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(name)},
			Spec:       corev1.PodSpec{NodeName: "n1"},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1),
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
		}
	}
	return out
}

// existing turns a reconcile's creations into stored slices.
func existing(ch changes) []*discoveryv1.EndpointSlice {
	var out []*discoveryv1.EndpointSlice
	for i, s := range ch.create {
		s = s.DeepCopy()
		s.Name = fmt.Sprintf("web-%d", i)
		out = append(out, s)
	}
	return out
}

func TestReconcile(t *testing.T) {
	svc := service()
	first := reconcile(svc, nil, desiredGroups(svc, pods(250, true)))
	if len(first.create) != 3 || len(first.create[0].Endpoints) != 100 || len(first.create[2].Endpoints) != 50 {
		t.Fatalf("250 pods: want slices of 100, 100, 50; got %d creations", len(first.create))
	}
	s := first.create[0]
	if s.Labels[discoveryv1.LabelServiceName] != "web" || s.Labels[discoveryv1.LabelManagedBy] != managedBy ||
		s.OwnerReferences[0].UID != "svc-uid" || s.AddressType != discoveryv1.AddressTypeIPv4 || *s.Ports[0].Port != 8080 {
		t.Errorf("slice metadata or ports wrong: %+v %+v", s.ObjectMeta, s.Ports)
	}
	stored := existing(first)

	tests := []struct {
		name                         string
		pods                         []*corev1.Pod
		create, update, delete, eps0 int
	}{
		{"unchanged", pods(250, true), 0, 0, 0, 100},
		{"one more pod fills the slice with room", pods(251, true), 0, 1, 0, 100},
		{"fewer pods empty a slice", pods(100, true), 0, 0, 2, 100},
		{"readiness change updates in place", pods(250, false), 0, 3, 0, 100},
		{"no pods keeps a placeholder", nil, 1, 0, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := reconcile(svc, stored, desiredGroups(svc, tt.pods))
			if len(ch.create) != tt.create || len(ch.update) != tt.update || len(ch.delete) != tt.delete {
				t.Fatalf("create/update/delete = %d/%d/%d, want %d/%d/%d",
					len(ch.create), len(ch.update), len(ch.delete), tt.create, tt.update, tt.delete)
			}
		})
	}
}

func TestEndpointConditions(t *testing.T) {
	svc := service()
	now := metav1.Now()
	p := pods(1, true)[0]
	p.DeletionTimestamp = &now
	e := endpointFor(svc, p)
	if *e.Conditions.Ready || !*e.Conditions.Serving || !*e.Conditions.Terminating {
		t.Errorf("terminating ready pod: got %+v, want not ready, serving, terminating", e.Conditions)
	}
	e = endpointFor(svc, pods(1, false)[0])
	if *e.Conditions.Ready || *e.Conditions.Serving || *e.Conditions.Terminating {
		t.Errorf("unready pod: got %+v", e.Conditions)
	}
	if e.TargetRef.Name != "p000" || *e.NodeName != "n1" {
		t.Errorf("targetRef/nodeName: %+v", e)
	}
}
