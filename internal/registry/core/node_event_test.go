package core

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNodeValidate(t *testing.T) {
	tests := []struct {
		name string
		spec corev1.NodeSpec
		want []string
	}{
		{"valid", corev1.NodeSpec{PodCIDR: "10.244.1.0/24", Taints: []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}}, nil},
		{"bad cidr", corev1.NodeSpec{PodCIDR: "10.244.1.0"}, []string{"spec.podCIDRs[0]: Invalid value"}},
		{"taint effect", corev1.NodeSpec{Taints: []corev1.Taint{{Key: "a", Effect: "Sometimes"}, {Key: "b"}}},
			[]string{"spec.taints[0].effect: Unsupported value", "spec.taints[1].effect: Required value"}},
		{"duplicate taint", corev1.NodeSpec{Taints: []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}, {Key: "a", Value: "x", Effect: corev1.TaintEffectNoSchedule}}},
			[]string{"spec.taints[1]: Duplicate value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &corev1.Node{Spec: tt.spec}
			nodeStrategy{}.Default(n)
			expectErrors(t, nodeStrategy{}.Validate(n), tt.want...)
		})
	}
	old := &corev1.Node{Spec: corev1.NodeSpec{PodCIDRs: []string{"10.244.1.0/24"}, ProviderID: "skiff://n1"}}
	nodeStrategy{}.Default(old)
	n := old.DeepCopy()
	n.Spec.PodCIDRs = []string{"10.244.2.0/24"}
	n.Spec.ProviderID = "other"
	expectErrors(t, nodeStrategy{}.ValidateUpdate(n, old), "spec.podCIDRs: Forbidden", "spec.providerID: Forbidden")
}

func TestNodeDefaultsAndCells(t *testing.T) {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{
			"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": "", "kubernetes.io/role": "edge"}},
		Spec: corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{
			Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.10"}},
			NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.32.0-skiff", OSImage: "Debian GNU/Linux 12"},
		},
	}
	nodeStrategy{}.Default(n)
	if n.Status.Allocatable.Cpu().String() != "4" {
		t.Errorf("allocatable not defaulted from capacity")
	}
	cells := nodeStrategy{}.Cells(n)
	want := []interface{}{"Ready,SchedulingDisabled", "control-plane,edge,worker", cells[2], "v1.32.0-skiff",
		"192.168.1.10", "<none>", "Debian GNU/Linux 12", "<unknown>", "<unknown>"}
	for i := range want {
		if cells[i] != want[i] {
			t.Errorf("cell %d = %v, want %v", i, cells[i], want[i])
		}
	}
	n.Status.Conditions[0].Status = corev1.ConditionUnknown
	n.Spec.Unschedulable = false
	if s := nodeStatus(n); s != "NotReady" {
		t.Errorf("status = %s, want NotReady", s)
	}
	n.Status.Conditions = nil
	if s := nodeStatus(n); s != "Unknown" {
		t.Errorf("status = %s, want Unknown", s)
	}
	if f := (nodeStrategy{}).Fields(n); f["spec.unschedulable"] != "false" {
		t.Errorf("fields = %v", f)
	}
}

func TestEventValidate(t *testing.T) {
	tests := []struct {
		name string
		ev   corev1.Event
		want []string
	}{
		{"old style", corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1"}, InvolvedObject: corev1.ObjectReference{Namespace: "ns1"}}, nil},
		{"cluster object in default", corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "default"}}, nil},
		{"namespace mismatch", corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1"}, InvolvedObject: corev1.ObjectReference{Namespace: "ns2"}},
			[]string{"involvedObject.namespace: Invalid value"}},
		{"new style missing fields", corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1"},
			InvolvedObject: corev1.ObjectReference{Namespace: "ns1"}, EventTime: metav1.NowMicro()},
			[]string{"action: Required value", "reason: Required value", "reportingComponent: Invalid value", "reportingComponent: Invalid value",
				"reportingComponent: Required value", "reportingInstance: Required value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectErrors(t, eventStrategy{}.Validate(&tt.ev), tt.want...) })
	}
}

func TestEventCells(t *testing.T) {
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web.17a"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
		Reason:         "Pulled", Message: "  Successfully pulled\n", Type: corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: metav1.NewTime(time.Now().Add(-10 * time.Minute)),
		LastTimestamp:  metav1.NewTime(time.Now().Add(-2 * time.Minute)),
		Count:          3,
	}
	cells := eventStrategy{}.Cells(ev)
	want := []interface{}{"2m", "Normal", "Pulled", "pod/web", "spec.containers{app}", "kubelet, node-1",
		"Successfully pulled", "10m", int64(3), "web.17a"}
	if len(cells) != len(eventStrategy{}.Columns()) {
		t.Fatalf("%d cells for %d columns", len(cells), len(eventStrategy{}.Columns()))
	}
	for i := range want {
		if cells[i] != want[i] {
			t.Errorf("cell %d = %#v, want %#v", i, cells[i], want[i])
		}
	}
	// New-style events: times from eventTime, count 1, source from the
	// reporting controller.
	ev2 := &corev1.Event{EventTime: metav1.NewMicroTime(time.Now().Add(-time.Minute)), ReportingController: "default-scheduler",
		InvolvedObject: corev1.ObjectReference{Kind: "Node"}}
	cells = eventStrategy{}.Cells(ev2)
	if cells[0] != "60s" || cells[3] != "node" || cells[5] != "default-scheduler" || cells[8] != int64(1) {
		t.Errorf("new-style cells = %v", cells)
	}
	if f := (eventStrategy{}).Fields(ev2); f["source"] != "default-scheduler" || f["involvedObject.kind"] != "Node" {
		t.Errorf("fields = %v", f)
	}
}
