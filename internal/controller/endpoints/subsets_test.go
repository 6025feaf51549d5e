package endpoints

import (
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func svc(ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: ports},
	}
}

func testPod(name, ip string, ready bool, mut ...func(*corev1.Pod)) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(name), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

func TestSubsets(t *testing.T) {
	byName := corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}
	byNumber := corev1.ServicePort{Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9091)}
	now := metav1.Now()
	tests := []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want string // compact rendering of the subsets
	}{
		{"ready and not ready", svc(byName), []*corev1.Pod{testPod("a", "10.0.0.2", true), testPod("b", "10.0.0.1", false)},
			"[ready 10.0.0.2 | notready 10.0.0.1 | ports http:8080]"},
		{"no ip, finished and deleting pods are left out", svc(byName), []*corev1.Pod{
			testPod("a", "", true),
			testPod("b", "10.0.0.1", true, func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }),
			testPod("c", "10.0.0.3", true, func(p *corev1.Pod) { p.DeletionTimestamp = &now }),
		}, ""},
		{"named port missing on a pod", svc(byName), []*corev1.Pod{
			testPod("a", "10.0.0.1", true, func(p *corev1.Pod) { p.Spec.Containers[0].Ports = nil }),
		}, ""},
		{"numbered port", svc(byNumber), []*corev1.Pod{testPod("a", "10.0.0.1", true)}, "[ready 10.0.0.1 | notready | ports metrics:9091]"},
		{"publish not ready", func() *corev1.Service { s := svc(byName); s.Spec.PublishNotReadyAddresses = true; return s }(),
			[]*corev1.Pod{testPod("a", "10.0.0.1", false)}, "[ready 10.0.0.1 | notready | ports http:8080]"},
		{"pods grouped by resolved ports", svc(byName), []*corev1.Pod{
			testPod("a", "10.0.0.1", true),
			testPod("b", "10.0.0.2", true, func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 9000 }),
		}, "[ready 10.0.0.1 | notready | ports http:8080][ready 10.0.0.2 | notready | ports http:9000]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(Subsets(tt.svc, tt.pods)); got != tt.want {
				t.Errorf("subsets\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func render(subsets []corev1.EndpointSubset) string {
	out := ""
	for _, s := range subsets {
		out += "[ready"
		for _, a := range s.Addresses {
			out += " " + a.IP
		}
		out += " | notready"
		for _, a := range s.NotReadyAddresses {
			out += " " + a.IP
		}
		out += " | ports"
		for _, p := range s.Ports {
			out += " " + p.Name + ":" + itoa(p.Port)
		}
		out += "]"
	}
	return out
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func TestManaged(t *testing.T) {
	k := svc()
	k.Namespace, k.Name = "default", "kubernetes"
	noSel := svc()
	noSel.Spec.Selector = nil
	for _, tt := range []struct {
		svc  *corev1.Service
		want bool
	}{{svc(), true}, {k, false}, {noSel, false}} {
		if got := Managed(tt.svc); got != tt.want {
			t.Errorf("Managed(%s/%s) = %v, want %v", tt.svc.Namespace, tt.svc.Name, got, tt.want)
		}
	}
}
