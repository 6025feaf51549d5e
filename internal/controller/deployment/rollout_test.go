package deployment

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var t0 = time.Unix(100000, 0)

func deploy(replicas int32, surge, unavail string) *appsv1.Deployment {
	lbl := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "d-uid", Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}}},
			Strategy:                appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType},
			RevisionHistoryLimit:    ptr.To[int32](10),
			ProgressDeadlineSeconds: ptr.To[int32](600),
		},
	}
	if surge != "" {
		s, u := intstr.Parse(surge), intstr.Parse(unavail)
		d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: &s, MaxUnavailable: &u}
	}
	return d
}

// rs is a ReplicaSet of spec size and available count, aged by age.
func rs(name string, size, avail int32, age time.Duration) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(-age))},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To(size)},
		Status:     appsv1.ReplicaSetStatus{Replicas: size, AvailableReplicas: avail, ReadyReplicas: avail},
	}
}

// shrunk is r with its spec lowered to size before its controller has
// deleted any pod: the status still counts them all.
func shrunk(r *appsv1.ReplicaSet, size int32) *appsv1.ReplicaSet {
	r.Spec.Replicas = ptr.To(size)
	return r
}

func fmtSteps(steps []resize) string {
	var out []string
	for _, s := range steps {
		out = append(out, fmt.Sprintf("%s=%d", s.rs.Name, s.to))
	}
	return strings.Join(out, ",")
}

func TestFenceposts(t *testing.T) {
	tests := []struct {
		replicas       int32
		surge, unavail string
		wantS, wantU   int32
	}{
		{10, "25%", "25%", 3, 2},
		{4, "25%", "25%", 1, 1},
		{1, "25%", "25%", 1, 0},
		{3, "0", "0", 0, 1},
		{3, "1", "5", 1, 3},
	}
	for _, tc := range tests {
		d := deploy(tc.replicas, tc.surge, tc.unavail)
		if s, u := maxSurge(d), maxUnavailable(d); s != tc.wantS || u != tc.wantU {
			t.Errorf("%d replicas %s/%s: surge %d unavailable %d, want %d %d", tc.replicas, tc.surge, tc.unavail, s, u, tc.wantS, tc.wantU)
		}
	}
}

func TestRollingStep(t *testing.T) {
	tests := []struct {
		name  string
		d     *appsv1.Deployment
		newRS *appsv1.ReplicaSet
		old   []*appsv1.ReplicaSet
		want  string
	}{
		{"fresh deployment grows to replicas", deploy(3, "25%", "25%"), rs("new", 0, 0, 0), nil, "new=3"},
		{"surge limits the first step", deploy(10, "25%", "25%"), rs("new", 0, 0, 0),
			[]*appsv1.ReplicaSet{rs("old", 10, 10, time.Hour)}, "new=3"},
		{"then old shrinks by what availability allows", deploy(10, "25%", "25%"), rs("new", 3, 0, 0),
			[]*appsv1.ReplicaSet{rs("old", 10, 10, time.Hour)}, "old=8"},
		{"unhealthy old replicas go first and cost nothing", deploy(10, "25%", "25%"), rs("new", 3, 0, 0),
			[]*appsv1.ReplicaSet{rs("old", 10, 7, time.Hour)}, "old=8"}, // budget 13-8-3=2, all spent on unhealthy
		{"wait while the new pods are not available", deploy(10, "25%", "25%"), rs("new", 5, 0, 0),
			[]*appsv1.ReplicaSet{rs("old", 8, 8, time.Hour)}, ""},
		{"oldest old replica set shrinks first", deploy(4, "0", "2"), rs("new", 4, 2, 0),
			[]*appsv1.ReplicaSet{rs("mid", 1, 1, time.Minute), rs("oldest", 1, 1, time.Hour)}, "oldest=0,mid=0"},
		{"max surge 0: shrink first", deploy(3, "0", "1"), rs("new", 0, 0, 0),
			[]*appsv1.ReplicaSet{rs("old", 3, 3, time.Hour)}, "old=2"},
		{"new bigger than replicas shrinks", deploy(2, "25%", "25%"), rs("new", 5, 5, 0), nil, "new=2"},
		{"done", deploy(3, "25%", "25%"), rs("new", 3, 3, 0), []*appsv1.ReplicaSet{rs("old", 0, 0, time.Hour)}, ""},
		{"pods of a shrunk old replica set count until they go", deploy(10, "25%", "25%"), rs("new", 3, 3, 0),
			[]*appsv1.ReplicaSet{shrunk(rs("old", 7, 7, time.Hour), 2)}, "new=6"}, // 13 - (7 old pods + 3 new)
		{"and no longer once they have", deploy(10, "25%", "25%"), rs("new", 3, 3, 0),
			[]*appsv1.ReplicaSet{rs("old", 2, 2, time.Hour)}, "new=10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmtSteps(rollingStep(tc.d, tc.newRS, tc.old)); got != tc.want {
				t.Fatalf("steps = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProportionalScale(t *testing.T) {
	ann := func(r *appsv1.ReplicaSet, desired, maxR int) *appsv1.ReplicaSet {
		r.Annotations = map[string]string{DesiredReplicasAnnotation: fmt.Sprint(desired), MaxReplicasAnnotation: fmt.Sprint(maxR)}
		return r
	}
	tests := []struct {
		name  string
		d     *appsv1.Deployment
		newRS *appsv1.ReplicaSet
		old   []*appsv1.ReplicaSet
		want  string
	}{
		{"one active: takes all", deploy(5, "25%", "25%"), rs("new", 3, 3, 0), nil, "new=5"},
		{"none active: newest", deploy(2, "25%", "25%"), nil,
			[]*appsv1.ReplicaSet{rs("a", 0, 0, time.Hour), rs("b", 0, 0, time.Minute)}, "b=2"},
		// 10 -> 20 mid-rollout: max was 13 (10+3), now 25 (20+5); sizes 8 and 5 become 15 and 10.
		{"mid-rollout scale up keeps proportions", deploy(20, "25%", "25%"), ann(rs("new", 5, 0, 0), 10, 13),
			[]*appsv1.ReplicaSet{ann(rs("old", 8, 8, time.Hour), 10, 13)}, "old=15,new=10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := proportionalScale(tc.d, tc.newRS, tc.old)
			if s := fmtSteps(got); s != tc.want {
				t.Fatalf("resizes = %q, want %q", s, tc.want)
			}
		})
	}
}

func TestIsScalingEvent(t *testing.T) {
	r := rs("a", 3, 3, 0)
	r.Annotations = map[string]string{DesiredReplicasAnnotation: "3"}
	if isScalingEvent(deploy(3, "", ""), []*appsv1.ReplicaSet{r}) {
		t.Fatal("same replicas is not a scaling event")
	}
	if !isScalingEvent(deploy(5, "", ""), []*appsv1.ReplicaSet{r}) {
		t.Fatal("changed replicas is a scaling event")
	}
}

func TestHash(t *testing.T) {
	d := deploy(1, "", "")
	h1 := ComputeHash(&d.Spec.Template, nil)
	if h1 != ComputeHash(d.Spec.Template.DeepCopy(), nil) {
		t.Fatal("hash is not stable")
	}
	if strings.ContainsAny(h1, "aeiou013") {
		t.Fatalf("hash %q uses characters outside the safe alphabet", h1)
	}
	d2 := d.DeepCopy()
	d2.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	if ComputeHash(&d2.Spec.Template, nil) == h1 {
		t.Fatal("different templates hash alike")
	}
	if ComputeHash(&d.Spec.Template, ptr.To[int32](1)) == h1 {
		t.Fatal("collision count does not change the hash")
	}
	n := newReplicaSet(d, 0, 1)
	if n.Name != "web-"+h1 || n.Spec.Template.Labels["pod-template-hash"] != h1 || n.Spec.Selector.MatchLabels["pod-template-hash"] != h1 {
		t.Fatalf("new replica set %s labels %v selector %v", n.Name, n.Spec.Template.Labels, n.Spec.Selector)
	}
	if !sameTemplate(&n.Spec.Template, &d.Spec.Template) {
		t.Fatal("hash label must not make templates differ")
	}
}

func TestProgressStatus(t *testing.T) {
	newRS := rs("web-abc", 3, 3, 0)
	tests := []struct {
		name       string
		prev, st   appsv1.DeploymentStatus
		cond       *appsv1.DeploymentCondition
		now        time.Time
		wantReason string
	}{
		{"complete", appsv1.DeploymentStatus{}, appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3}, nil, t0, ReasonNewRSAvailable},
		{"progressing", appsv1.DeploymentStatus{UpdatedReplicas: 1}, appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 2}, nil, t0, ReasonRSUpdated},
		{"stuck past deadline", appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 2}, appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 2},
			&appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: ReasonRSUpdated, LastUpdateTime: metav1.NewTime(t0)},
			t0.Add(11 * time.Minute), ReasonTimedOut},
		{"stuck within deadline", appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 2}, appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 2},
			&appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: ReasonRSUpdated, LastUpdateTime: metav1.NewTime(t0)},
			t0.Add(5 * time.Minute), ReasonRSUpdated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := deploy(3, "25%", "25%")
			if tc.cond != nil {
				tc.st.Conditions = []appsv1.DeploymentCondition{*tc.cond}
			}
			got := progressStatus(d, tc.prev, tc.st, newRS, tc.now)
			c := getCondition(got, appsv1.DeploymentProgressing)
			if c == nil || c.Reason != tc.wantReason {
				t.Fatalf("Progressing = %+v, want reason %s", c, tc.wantReason)
			}
		})
	}
}

func TestCountStatus(t *testing.T) {
	d := deploy(4, "25%", "25%")
	newRS, old := rs("new", 2, 1, 0), rs("old", 3, 3, time.Hour)
	st := countStatus(d, d.Status, newRS, []*appsv1.ReplicaSet{old, newRS}, t0)
	if st.Replicas != 5 || st.UpdatedReplicas != 2 || st.AvailableReplicas != 4 || st.UnavailableReplicas != 1 || st.ReadyReplicas != 4 {
		t.Fatalf("status = %+v", st)
	}
	if c := getCondition(st, appsv1.DeploymentAvailable); c == nil || c.Reason != ReasonMinAvailable {
		t.Fatalf("Available = %+v", c)
	}
	old.Status.AvailableReplicas = 0
	st = countStatus(d, st, newRS, []*appsv1.ReplicaSet{old, newRS}, t0)
	if c := getCondition(st, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionFalse || c.Reason != ReasonMinUnavailable {
		t.Fatalf("Available = %+v", c)
	}
}
