package daemonset

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Unix(100000, 0)

func node(name string, lbl map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbl}, Spec: corev1.NodeSpec{Taints: taints}}
}

func TestEligibility(t *testing.T) {
	ds := &appsv1.DaemonSet{}
	withSel := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		NodeSelector: map[string]string{"disk": "ssd"}}}}}
	withAff := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}}}}}}}}}}
	tolerant := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}}}}}}
	gpu := corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule}
	evict := corev1.Taint{Key: "x", Effect: corev1.TaintEffectNoExecute}
	cordoned := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	notReady := corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name      string
		ds        *appsv1.DaemonSet
		node      *corev1.Node
		run, keep bool
	}{
		{"plain node", ds, node("n", nil), true, true},
		{"selector matches", withSel, node("n", map[string]string{"disk": "ssd"}), true, true},
		{"selector misses", withSel, node("n", nil), false, false},
		{"affinity matches", withAff, node("n", map[string]string{"zone": "b"}), true, true},
		{"affinity misses", withAff, node("n", map[string]string{"zone": "c"}), false, false},
		{"untolerated NoSchedule: no new pod, old may stay", ds, node("n", nil, gpu), false, true},
		{"tolerated taint", tolerant, node("n", nil, gpu), true, true},
		{"untolerated NoExecute: nothing", ds, node("n", nil, evict), false, false},
		{"cordoned node is tolerated by default", ds, node("n", nil, cordoned), true, true},
		{"not-ready node is tolerated by default", ds, node("n", nil, notReady), true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, keep := eligibility(tc.ds, tc.node)
			if run != tc.run || keep != tc.keep {
				t.Fatalf("eligibility = %v,%v want %v,%v", run, keep, tc.run, tc.keep)
			}
		})
	}
}

func dpod(name, node, hash string, ready bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: hash}},
		Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

func names(ps []*corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

func TestPlan(t *testing.T) {
	three := []*corev1.Node{node("a", nil), node("b", nil), node("c", nil)}
	taintedC := []*corev1.Node{node("a", nil), node("b", nil), node("c", nil, corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule})}
	maxU := func(n int) *appsv1.DaemonSet {
		v := intstr.FromInt32(int32(n))
		return &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
			Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &v}}}}
	}
	tests := []struct {
		name      string
		ds        *appsv1.DaemonSet
		nodes     []*corev1.Node
		pods      []*corev1.Pod
		create    []string
		del       []string
		desired   int32
		misplaced int32
	}{
		{"one per node", maxU(1), three, nil, []string{"a", "b", "c"}, nil, 3, 0},
		{"skip tainted node", maxU(1), taintedC, nil, []string{"a", "b"}, nil, 2, 0},
		{"duplicates and gone nodes are removed", maxU(1), three[:2],
			[]*corev1.Pod{dpod("a1", "a", "h", true), dpod("a2", "a", "h", true), dpod("b1", "b", "h", true), dpod("z1", "z", "h", true)},
			nil, []string{"a2", "z1"}, 2, 0},
		{"rolling update: one at a time", maxU(1), three,
			[]*corev1.Pod{dpod("a1", "a", "old", true), dpod("b1", "b", "old", true), dpod("c1", "c", "old", true)},
			nil, []string{"a1"}, 3, 0},
		{"rolling update: unavailable old pods go freely", maxU(1), three,
			[]*corev1.Pod{dpod("a1", "a", "old", false), dpod("b1", "b", "old", true), dpod("c1", "c", "h", true)},
			nil, []string{"a1"}, 3, 0},
		{"rolling update waits while a node is unavailable", maxU(1), three,
			[]*corev1.Pod{dpod("b1", "b", "old", true), dpod("c1", "c", "h", true)},
			[]string{"a"}, nil, 3, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := plan(tc.ds, tc.nodes, tc.pods, "h", t0)
			slices.Sort(p.create)
			if !slices.Equal(p.create, tc.create) || !slices.Equal(names(p.delete), tc.del) {
				t.Fatalf("create %v delete %v, want %v %v", p.create, names(p.delete), tc.create, tc.del)
			}
			if p.status.DesiredNumberScheduled != tc.desired || p.status.NumberMisscheduled != tc.misplaced {
				t.Fatalf("status = %+v", p.status)
			}
		})
	}
}

func TestPinToNode(t *testing.T) {
	spec := &corev1.PodSpec{}
	pinToNode(spec, "sim-3")
	if got := nodeOf(&corev1.Pod{Spec: *spec}); got != "sim-3" {
		t.Fatalf("nodeOf = %q", got)
	}
	tols := withDefaultTolerations(&corev1.PodSpec{HostNetwork: true})
	if len(tols) != 7 {
		t.Fatalf("default tolerations = %d, want 7 with host network", len(tols))
	}
}
