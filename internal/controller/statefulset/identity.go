package statefulset

import (
	"maps"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// Labels a StatefulSet puts on its pods.
const (
	PodNameLabel  = "statefulset.kubernetes.io/pod-name"
	PodIndexLabel = "apps.kubernetes.io/pod-index"
)

func setKind() schema.GroupVersionKind { return appsv1.SchemeGroupVersion.WithKind("StatefulSet") }

func podName(set *appsv1.StatefulSet, ord int) string { return set.Name + "-" + strconv.Itoa(ord) }

// ordinal parses <set>-<n>; -1 when the name is not one of the set's.
func ordinal(set *appsv1.StatefulSet, name string) int {
	s, ok := strings.CutPrefix(name, set.Name+"-")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strconv.Itoa(n) != s {
		return -1
	}
	return n
}

func claimName(set *appsv1.StatefulSet, claim string, ord int) string {
	return claim + "-" + podName(set, ord)
}

// revisionOf is the ControllerRevision a pod was made from.
func revisionOf(p *corev1.Pod) string { return p.Labels[appsv1.ControllerRevisionHashLabelKey] }

// newPod is pod ord of set from template t of revision rev.
func newPod(set *appsv1.StatefulSet, t *corev1.PodTemplateSpec, ord int, rev string) *corev1.Pod {
	name := podName(set, ord)
	p := podcontrol.PodFromTemplate(t, set, setKind(), name)
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[PodNameLabel] = name
	p.Labels[PodIndexLabel] = strconv.Itoa(ord)
	p.Labels[appsv1.ControllerRevisionHashLabelKey] = rev
	p.Spec.Hostname = name
	p.Spec.Subdomain = set.Spec.ServiceName
	for _, c := range set.Spec.VolumeClaimTemplates {
		v := corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(set, c.Name, ord)},
		}}
		replaced := false
		for i := range p.Spec.Volumes {
			if p.Spec.Volumes[i].Name == c.Name {
				p.Spec.Volumes[i], replaced = v, true
			}
		}
		if !replaced {
			p.Spec.Volumes = append(p.Spec.Volumes, v)
		}
	}
	return p
}

// newClaims are the PVCs pod ord needs, labelled with the set's selector;
// with whenDeleted=Delete the set owns them so they go with it.
func newClaims(set *appsv1.StatefulSet, ord int) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for _, c := range set.Spec.VolumeClaimTemplates {
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{
				Name: claimName(set, c.Name, ord), Namespace: set.Namespace,
				Labels: maps.Clone(c.Labels), Annotations: maps.Clone(c.Annotations),
			},
			Spec: *c.Spec.DeepCopy(),
		}
		if pvc.Labels == nil {
			pvc.Labels = map[string]string{}
		}
		if set.Spec.Selector != nil {
			maps.Copy(pvc.Labels, set.Spec.Selector.MatchLabels)
		}
		if p := set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil && p.WhenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
			ref := metav1.NewControllerRef(set, setKind())
			ref.Controller = nil
			pvc.OwnerReferences = []metav1.OwnerReference{*ref}
		}
		out = append(out, pvc)
	}
	return out
}
