package volumebinding

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFindBestVolume(t *testing.T) {
	block := corev1.PersistentVolumeBlock
	now := metav1.Now()
	claim := newPVC("c", "1Gi")
	tests := []struct {
		name    string
		claim   *corev1.PersistentVolumeClaim
		volumes []*corev1.PersistentVolume
		delay   bool
		node    *corev1.Node
		want    string // "" means none
	}{
		{name: "no volumes", claim: claim},
		{name: "smallest that fits", claim: claim,
			volumes: []*corev1.PersistentVolume{newPV("big", "10Gi"), newPV("small", "500Mi"), newPV("fit", "2Gi"), newPV("exact", "1Gi")},
			want:    "exact"},
		{name: "too small", claim: claim, volumes: []*corev1.PersistentVolume{newPV("small", "999Mi")}},
		{name: "equal size: first name", claim: claim,
			volumes: []*corev1.PersistentVolume{newPV("b", "1Gi"), newPV("a", "1Gi")}, want: "a"},
		{name: "same size in other units", claim: newPVC("c", "1000M"),
			volumes: []*corev1.PersistentVolume{newPV("mi", "954Mi"), newPV("m", "1G")}, want: "m"},
		{name: "access modes must include the claim's", claim: newPVC("c", "1Gi", rwx),
			volumes: []*corev1.PersistentVolume{newPV("rwo", "1Gi", rwo), newPV("all", "5Gi", rwo, rox, rwx)}, want: "all"},
		{name: "fewest extra modes before smaller size", claim: claim,
			volumes: []*corev1.PersistentVolume{newPV("many", "1Gi", rwo, rox, rwx), newPV("two", "8Gi", rwo, rox), newPV("one", "9Gi", rwo)},
			want:    "one"},
		{name: "a larger mode group is used when the smaller has no fit", claim: newPVC("c", "10Gi"),
			volumes: []*corev1.PersistentVolume{newPV("one", "9Gi", rwo), newPV("two", "10Gi", rox, rwo)}, want: "two"},
		{name: "class must match", claim: withClass(newPVC("c", "1Gi"), "fast"),
			volumes: []*corev1.PersistentVolume{newPV("none", "1Gi"), withClass(newPV("slow", "1Gi"), "slow"), withClass(newPV("fast", "5Gi"), "fast")},
			want:    "fast"},
		{name: "no class matches only volumes without class", claim: claim,
			volumes: []*corev1.PersistentVolume{withClass(newPV("fast", "1Gi"), "fast"), newPV("plain", "5Gi")}, want: "plain"},
		{name: "beta class annotation wins over the field",
			claim:   withAnnotations(withClass(newPVC("c", "1Gi"), "ignored"), annBetaStorageClass, "gold"),
			volumes: []*corev1.PersistentVolume{withClass(newPV("ignored", "1Gi"), "ignored"), withAnnotations(newPV("gold", "1Gi"), annBetaStorageClass, "gold")},
			want:    "gold"},
		{name: "volume mode must match (nil is Filesystem)", claim: func() *corev1.PersistentVolumeClaim {
			c := newPVC("c", "1Gi")
			c.Spec.VolumeMode = &block
			return c
		}(), volumes: []*corev1.PersistentVolume{newPV("fs", "1Gi"), func() *corev1.PersistentVolume {
			v := newPV("block", "2Gi")
			v.Spec.VolumeMode = &block
			return v
		}()}, want: "block"},
		{name: "filesystem claim skips block volumes", claim: claim, volumes: []*corev1.PersistentVolume{func() *corev1.PersistentVolume {
			v := newPV("block", "2Gi")
			v.Spec.VolumeMode = &block
			return v
		}()}},
		{name: "only Available volumes", claim: claim, volumes: []*corev1.PersistentVolume{
			withPhase(newPV("pending", "1Gi"), corev1.VolumePending), withPhase(newPV("released", "1Gi"), corev1.VolumeReleased),
			withPhase(newPV("failed", "1Gi"), corev1.VolumeFailed), newPV("ok", "3Gi")}, want: "ok"},
		{name: "volumes being deleted are skipped", claim: claim, volumes: []*corev1.PersistentVolume{func() *corev1.PersistentVolume {
			v := newPV("dying", "1Gi")
			v.DeletionTimestamp = &now
			return v
		}()}},
		{name: "claimed by another claim", claim: claim,
			volumes: []*corev1.PersistentVolume{claimRefTo(newPV("other", "1Gi"), newPVC("d", "1Gi"), "uid-d")}},
		{name: "claimRef with this claim's name but another UID", claim: claim,
			volumes: []*corev1.PersistentVolume{claimRefTo(newPV("old", "1Gi"), claim, "uid-previous")}},
		{name: "pre-bound by name wins over a smaller free volume, whatever its phase, class or labels",
			claim: func() *corev1.PersistentVolumeClaim {
				c := withClass(newPVC("c", "1Gi"), "fast")
				c.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "gold"}}
				return c
			}(),
			volumes: []*corev1.PersistentVolume{
				withLabels(withClass(newPV("free", "1Gi"), "fast"), map[string]string{"tier": "gold"}),
				withPhase(withClass(claimRefTo(newPV("reserved", "5Gi"), claim, ""), "slow"), corev1.VolumePending)},
			want: "reserved"},
		{name: "pre-bound by UID", claim: claim,
			volumes: []*corev1.PersistentVolume{newPV("free", "1Gi"), claimRefTo(newPV("mine", "2Gi"), claim, "uid-c")}, want: "mine"},
		{name: "pre-bound volume must still be large enough", claim: claim,
			volumes: []*corev1.PersistentVolume{claimRefTo(newPV("mine", "1Mi"), claim, "")}},
		{name: "a pre-bound volume in a larger mode group loses to a fit in a smaller one (as in Kubernetes)", claim: claim,
			volumes: []*corev1.PersistentVolume{newPV("free", "1Gi", rwo), claimRefTo(newPV("mine", "1Gi", rwo, rwx), claim, "")},
			want:    "free"},
		{name: "selector matchLabels", claim: func() *corev1.PersistentVolumeClaim {
			c := newPVC("c", "1Gi")
			c.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "gold"}}
			return c
		}(), volumes: []*corev1.PersistentVolume{newPV("plain", "1Gi"), withLabels(newPV("silver", "1Gi"), map[string]string{"tier": "silver"}),
			withLabels(newPV("gold", "2Gi"), map[string]string{"tier": "gold", "zone": "a"})}, want: "gold"},
		{name: "selector matchExpressions", claim: func() *corev1.PersistentVolumeClaim {
			c := newPVC("c", "1Gi")
			c.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "zone", Operator: metav1.LabelSelectorOpIn, Values: []string{"b", "c"}},
				{Key: "broken", Operator: metav1.LabelSelectorOpDoesNotExist}}}
			return c
		}(), volumes: []*corev1.PersistentVolume{withLabels(newPV("a", "1Gi"), map[string]string{"zone": "a"}),
			withLabels(newPV("b-broken", "1Gi"), map[string]string{"zone": "b", "broken": "yes"}),
			withLabels(newPV("c", "3Gi"), map[string]string{"zone": "c"})}, want: "c"},
		{name: "delayed binding without a node takes only pre-bound volumes", claim: claim, delay: true,
			volumes: []*corev1.PersistentVolume{newPV("free", "1Gi")}},
		{name: "delayed binding still honours a pre-bound volume", claim: claim, delay: true,
			volumes: []*corev1.PersistentVolume{newPV("free", "1Gi"), claimRefTo(newPV("mine", "1Gi", rwo), claim, "")}, want: "mine"},
		{name: "with a node: node affinity must admit it", claim: claim, delay: true, node: newNode("n2"),
			volumes: []*corev1.PersistentVolume{withNodeAffinity(newPV("on-n1", "1Gi"), hostnameIs("n1")),
				withNodeAffinity(newPV("on-n2", "2Gi"), hostnameIs("n2")), newPV("anywhere", "3Gi")}, want: "on-n2"},
		{name: "with a node: a pre-bound volume elsewhere means no match", claim: claim, delay: true, node: newNode("n2"),
			volumes: []*corev1.PersistentVolume{newPV("free", "1Gi"), withNodeAffinity(claimRefTo(newPV("mine", "1Gi"), claim, ""), hostnameIs("n1"))}},
		{name: "without a node, node affinity is ignored", claim: claim,
			volumes: []*corev1.PersistentVolume{withNodeAffinity(newPV("on-n1", "1Gi"), hostnameIs("n1"))}, want: "on-n1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findBestVolume(tt.claim, tt.volumes, tt.delay, tt.node)
			if err != nil {
				t.Fatal(err)
			}
			gotName := ""
			if got != nil {
				gotName = got.Name
			}
			if gotName != tt.want {
				t.Errorf("findBestVolume = %q, want %q (volumes %v)", gotName, tt.want, names(tt.volumes))
			}
		})
	}
}

func TestFindBestVolumeBadSelector(t *testing.T) {
	c := newPVC("c", "1Gi")
	c.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Near"}}}
	if _, err := findBestVolume(c, []*corev1.PersistentVolume{newPV("v", "1Gi")}, false, nil); err == nil {
		t.Fatal("an invalid selector matched")
	}
}

func TestVolumeSatisfies(t *testing.T) {
	claim := withClass(newPVC("c", "1Gi"), "fast")
	now := metav1.Now()
	tests := []struct {
		name   string
		volume *corev1.PersistentVolume
		want   string
	}{
		{"fits", withClass(newPV("v", "1Gi", rwo, rox), "fast"), ""},
		{"too small", withClass(newPV("v", "1Mi"), "fast"), "requested PV is too small"},
		{"class", withClass(newPV("v", "1Gi"), "slow"), "storageClassName does not match"},
		{"modes", withClass(newPV("v", "1Gi", rox), "fast"), "incompatible accessMode"},
		{"mode", func() *corev1.PersistentVolume {
			v := withClass(newPV("v", "1Gi"), "fast")
			b := corev1.PersistentVolumeBlock
			v.Spec.VolumeMode = &b
			return v
		}(), "incompatible volumeMode"},
		{"deleting", func() *corev1.PersistentVolume {
			v := withClass(newPV("v", "1Gi"), "fast")
			v.DeletionTimestamp = &now
			return v
		}(), `the volume is marked for deletion "v"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := volumeSatisfies(tt.volume, claim); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("volumeSatisfies = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVolumeFitsNode(t *testing.T) {
	node := newNode("n1")
	node.Labels["disk"] = "ssd"
	node.Labels["slots"] = "4"
	req := func(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
		return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	term := func(exprs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: exprs}
	}
	tests := []struct {
		name  string
		terms []corev1.NodeSelectorTerm // nil: no affinity at all
		want  bool
	}{
		{"no affinity", nil, true},
		{"hostname In", []corev1.NodeSelectorTerm{hostnameIs("n1")}, true},
		{"hostname elsewhere", []corev1.NodeSelectorTerm{hostnameIs("n2")}, false},
		{"terms are ORed", []corev1.NodeSelectorTerm{hostnameIs("n2"), hostnameIs("n1")}, true},
		{"expressions are ANDed", []corev1.NodeSelectorTerm{term(req("disk", corev1.NodeSelectorOpIn, "ssd"), req("gpu", corev1.NodeSelectorOpExists))}, false},
		{"NotIn DoesNotExist", []corev1.NodeSelectorTerm{term(req("disk", corev1.NodeSelectorOpNotIn, "hdd"), req("gpu", corev1.NodeSelectorOpDoesNotExist))}, true},
		{"Gt", []corev1.NodeSelectorTerm{term(req("slots", corev1.NodeSelectorOpGt, "3"))}, true},
		{"Lt", []corev1.NodeSelectorTerm{term(req("slots", corev1.NodeSelectorOpLt, "3"))}, false},
		{"Gt with a bad number matches nothing", []corev1.NodeSelectorTerm{term(req("slots", corev1.NodeSelectorOpGt, "x"))}, false},
		{"metadata.name field", []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{req("metadata.name", corev1.NodeSelectorOpIn, "n1")}}}, true},
		{"other field", []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{req("spec.unschedulable", corev1.NodeSelectorOpIn, "true")}}}, false},
		{"empty term", []corev1.NodeSelectorTerm{{}}, false},
		{"no terms", []corev1.NodeSelectorTerm{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newPV("v", "1Gi")
			if tt.terms != nil {
				v = withNodeAffinity(v, tt.terms...)
			}
			if got := volumeFitsNode(v, node); got != tt.want {
				t.Errorf("volumeFitsNode = %v, want %v", got, tt.want)
			}
		})
	}
}
