package scheduler

import (
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFilters(t *testing.T) {
	zone := func(z string) nodeOpt { return nodeLabels("zone", z) }
	tests := []struct {
		name   string
		nodes  []*v1.Node
		placed []*v1.Pod
		pod    *v1.Pod
		want   map[string]string
	}{
		{"node name pins the pod",
			[]*v1.Node{node("a"), node("b")}, nil, pod("p", on("b")),
			map[string]string{"a": "[node(s) didn't match the requested node name]", "b": ""}},
		{"cordoned node rejects unless tolerated",
			[]*v1.Node{node("a", cordoned), node("b")}, nil, pod("p"),
			map[string]string{"a": "[node(s) were unschedulable]", "b": ""}},
		{"cordon tolerated",
			[]*v1.Node{node("a", cordoned)}, nil, pod("p", tolerate(v1.TaintNodeUnschedulable, v1.TolerationOpExists, "", v1.TaintEffectNoSchedule)),
			map[string]string{"a": ""}},
		{"untolerated NoSchedule taint is named; PreferNoSchedule does not filter",
			[]*v1.Node{node("a", taint("node-role.kubernetes.io/control-plane", "", v1.TaintEffectNoSchedule)), node("b", taint("x", "y", v1.TaintEffectPreferNoSchedule))}, nil, pod("p"),
			map[string]string{"a": "[node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }]", "b": ""}},
		{"NoExecute taint with value, tolerated by Equal",
			[]*v1.Node{node("a", taint("k", "v", v1.TaintEffectNoExecute)), node("b", taint("k", "w", v1.TaintEffectNoExecute))}, nil,
			pod("p", tolerate("k", v1.TolerationOpEqual, "v", "")),
			map[string]string{"a": "", "b": "[node(s) had untolerated taint {k: w}]"}},
		{"nodeSelector",
			[]*v1.Node{node("a", nodeLabels("disk", "ssd")), node("b")}, nil, pod("p", nodeSelector("disk", "ssd")),
			map[string]string{"a": "", "b": "[node(s) didn't match Pod's node affinity/selector]"}},
		{"affinity In and NotIn",
			[]*v1.Node{node("a", zone("z1")), node("b", zone("z2")), node("c")}, nil,
			pod("p", requiredNode(expr("zone", v1.NodeSelectorOpIn, "z1", "z3"))),
			map[string]string{"a": "", "b": "[node(s) didn't match Pod's node affinity/selector]", "c": "[node(s) didn't match Pod's node affinity/selector]"}},
		{"affinity NotIn matches nodes without the label",
			[]*v1.Node{node("a", zone("z1")), node("c")}, nil,
			pod("p", requiredNode(expr("zone", v1.NodeSelectorOpNotIn, "z1"))),
			map[string]string{"a": "[node(s) didn't match Pod's node affinity/selector]", "c": ""}},
		{"affinity Exists / DoesNotExist",
			[]*v1.Node{node("a", zone("z1")), node("c")}, nil,
			pod("p", requiredNode(expr("zone", v1.NodeSelectorOpDoesNotExist))),
			map[string]string{"a": "[node(s) didn't match Pod's node affinity/selector]", "c": ""}},
		{"affinity Gt and Lt compare integers",
			[]*v1.Node{node("a", nodeLabels("gen", "3")), node("b", nodeLabels("gen", "7")), node("c", nodeLabels("gen", "x"))}, nil,
			pod("p", requiredNode(v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{
				{Key: "gen", Operator: v1.NodeSelectorOpGt, Values: []string{"2"}}, {Key: "gen", Operator: v1.NodeSelectorOpLt, Values: []string{"5"}}}})),
			map[string]string{"a": "", "b": "[node(s) didn't match Pod's node affinity/selector]", "c": "[node(s) didn't match Pod's node affinity/selector]"}},
		{"terms are ORed; matchFields metadata.name",
			[]*v1.Node{node("a"), node("b"), node("c", zone("z9"))}, nil,
			pod("p", requiredNode(v1.NodeSelectorTerm{MatchFields: []v1.NodeSelectorRequirement{{Key: "metadata.name", Operator: v1.NodeSelectorOpIn, Values: []string{"b"}}}}),
				requiredNode(expr("zone", v1.NodeSelectorOpExists))),
			map[string]string{"a": "[node(s) didn't match Pod's node affinity/selector]", "b": "", "c": ""}},
		{"host port in use on the same protocol",
			[]*v1.Node{node("a"), node("b")}, []*v1.Pod{pod("x", on("a"), withHostPort(8080, ""))},
			pod("p", withHostPort(8080, "10.0.0.1")),
			map[string]string{"a": "[node(s) didn't have free ports for the requested pod ports]", "b": ""}},
		{"host ports on distinct IPs do not conflict",
			[]*v1.Node{node("a")}, []*v1.Pod{pod("x", on("a"), withHostPort(8080, "10.0.0.2"))},
			pod("p", withHostPort(8080, "10.0.0.1")),
			map[string]string{"a": ""}},
		{"cpu and memory counted against what is placed",
			[]*v1.Node{node("a"), node("b")}, []*v1.Pod{pod("x", on("a"), req("cpu", "3", "memory", "7Gi"))},
			pod("p", req("cpu", "2", "memory", "2Gi")),
			map[string]string{"a": "[Insufficient cpu Insufficient memory]", "b": ""}},
		{"ephemeral storage and extended resources",
			[]*v1.Node{node("a", alloc("example.com/gpu", "1")), node("b")}, nil,
			pod("p", req("ephemeral-storage", "200Gi", "example.com/gpu", "1")),
			map[string]string{"a": "[Insufficient ephemeral-storage]", "b": "[Insufficient ephemeral-storage Insufficient example.com/gpu]"}},
		{"pod count",
			[]*v1.Node{node("a", alloc(v1.ResourcePods, "1"))}, []*v1.Pod{pod("x", on("a"))}, pod("p"),
			map[string]string{"a": "[Too many pods]"}},
		{"finished pods hold nothing",
			[]*v1.Node{node("a")}, []*v1.Pod{pod("x", on("a"), req("cpu", "4"), func(p *v1.Pod) { p.Status.Phase = v1.PodSucceeded })},
			pod("p", req("cpu", "1")),
			map[string]string{"a": ""}},
		{"anti-affinity of the incoming pod",
			[]*v1.Node{node("a", zone("z1")), node("b", zone("z1")), node("c", zone("z2"))}, []*v1.Pod{pod("x", on("a"), podLabels("app", "web"))},
			pod("p", podLabels("app", "web"), podAntiAffinity(podTerm("zone", "app", "web"))),
			map[string]string{"a": "[node(s) didn't match pod anti-affinity rules]", "b": "[node(s) didn't match pod anti-affinity rules]", "c": ""}},
		{"existing pod's anti-affinity forbids its domain",
			[]*v1.Node{node("a"), node("b")}, []*v1.Pod{pod("x", on("a"), podAntiAffinity(podTerm(v1.LabelHostname, "app", "web")))},
			pod("p", podLabels("app", "web")),
			map[string]string{"a": "[node(s) didn't satisfy existing pods anti-affinity rules]", "b": ""}},
		{"affinity needs a matching pod in the domain",
			[]*v1.Node{node("a", zone("z1")), node("b", zone("z1")), node("c", zone("z2"))}, []*v1.Pod{pod("db", on("a"), podLabels("app", "db"))},
			pod("p", podAffinity(podTerm("zone", "app", "db"))),
			map[string]string{"a": "", "b": "", "c": "[node(s) didn't match pod affinity rules]"}},
		{"affinity in another namespace is not seen",
			[]*v1.Node{node("a")}, []*v1.Pod{pod("db", on("a"), ns("other"), podLabels("app", "db"))},
			pod("p", podAffinity(podTerm(v1.LabelHostname, "app", "db"))),
			map[string]string{"a": "[node(s) didn't match pod affinity rules]"}},
		{"first pod of a self-affine group may start anywhere",
			[]*v1.Node{node("a"), node("b")}, nil,
			pod("p", podLabels("app", "web"), podAffinity(podTerm(v1.LabelHostname, "app", "web"))),
			map[string]string{"a": "", "b": ""}},
		{"spread: skew over zones",
			[]*v1.Node{node("a", zone("z1")), node("b", zone("z2")), node("c")},
			[]*v1.Pod{pod("x1", on("a"), podLabels("app", "web")), pod("x2", on("a"), podLabels("app", "web"))},
			pod("p", podLabels("app", "web"), spread(1, "zone", v1.DoNotSchedule, "app", "web")),
			map[string]string{"a": "[node(s) didn't match pod topology spread constraints]", "b": "",
				"c": "[node(s) didn't match pod topology spread constraints (missing required label)]"}},
		{"spread: minDomains above the domains makes the minimum 0",
			[]*v1.Node{node("a", zone("z1"))},
			[]*v1.Pod{pod("x1", on("a"), podLabels("app", "web"))},
			pod("p", podLabels("app", "web"), spread(1, "zone", v1.DoNotSchedule, "app", "web"), func(p *v1.Pod) {
				md := int32(2)
				p.Spec.TopologySpreadConstraints[0].MinDomains = &md
			}),
			map[string]string{"a": "[node(s) didn't match pod topology spread constraints]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := filterVerdicts(tc.nodes, tc.placed, tc.pod)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("verdicts:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestFilterNamespaceSelector(t *testing.T) {
	nsProd := &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "prod", Labels: map[string]string{"env": "prod"}}}
	nsDev := &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev", Labels: map[string]string{"env": "dev"}}}
	term := podTerm(v1.LabelHostname, "app", "db")
	term.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"env": "prod"}}
	nodes := []*v1.Node{node("a"), node("b")}
	placed := []*v1.Pod{pod("db1", on("a"), ns("prod"), podLabels("app", "db")), pod("db2", on("b"), ns("dev"), podLabels("app", "db"))}
	got := filterVerdicts(nodes, placed, pod("p", podAffinity(term)), nsProd, nsDev)
	want := map[string]string{"a": "", "b": "[node(s) didn't match pod affinity rules]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPodRequests(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	tests := []struct {
		name    string
		pod     *v1.Pod
		wantCPU int64
	}{
		{"sum of containers", pod("p", func(p *v1.Pod) {
			p.Spec.Containers = []v1.Container{{Resources: v1.ResourceRequirements{Requests: cpu("100m")}}, {Resources: v1.ResourceRequirements{Requests: cpu("200m")}}}
		}), 300},
		{"an init container larger than the sum wins", pod("p", req("cpu", "100m"), func(p *v1.Pod) {
			p.Spec.InitContainers = []v1.Container{{Resources: v1.ResourceRequirements{Requests: cpu("500m")}}}
		}), 500},
		{"sidecars add to the containers and to later init containers", pod("p", req("cpu", "100m"), func(p *v1.Pod) {
			p.Spec.InitContainers = []v1.Container{
				{RestartPolicy: &always, Resources: v1.ResourceRequirements{Requests: cpu("50m")}},
				{Resources: v1.ResourceRequirements{Requests: cpu("120m")}}}
		}), 170},
		{"overhead is added", pod("p", req("cpu", "100m"), func(p *v1.Pod) { p.Spec.Overhead = cpu("10m") }), 110},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := podRequests(tc.pod).MilliCPU; got != tc.wantCPU {
				t.Errorf("cpu = %dm, want %dm", got, tc.wantCPU)
			}
		})
	}
}

func cpu(q string) v1.ResourceList {
	return v1.ResourceList{v1.ResourceCPU: mustQuantity(q)}
}
