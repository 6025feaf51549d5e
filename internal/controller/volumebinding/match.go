package volumebinding

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Annotations Kubernetes puts on claims and volumes (and reads from them).
const (
	// annBindCompleted on a claim: its binding went through once; from
	// then on a missing volume makes the claim Lost instead of Pending.
	annBindCompleted = "pv.kubernetes.io/bind-completed"
	// annBoundByController on a volume or claim: the controller chose the
	// binding, so it may undo it; without it the user pre-bound the object.
	annBoundByController = "pv.kubernetes.io/bound-by-controller"
	// annDynamicallyProvisioned on a volume: the provisioner that made it.
	annDynamicallyProvisioned = "pv.kubernetes.io/provisioned-by"
	// annMigratedTo on a volume: a CSI driver handles it instead.
	annMigratedTo = "pv.kubernetes.io/migrated-to"
	// annStorageProvisioner and its beta twin on a claim: which external
	// provisioner is asked to make a volume for it.
	annStorageProvisioner     = "volume.kubernetes.io/storage-provisioner"
	annBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
	// annSelectedNode on a claim of a WaitForFirstConsumer class: the node
	// its first pod runs on, where a provisioner should make the volume.
	annSelectedNode = "volume.kubernetes.io/selected-node"
	// annBetaStorageClass is the class before spec.storageClassName; it
	// still wins over the field, on claims and on volumes.
	annBetaStorageClass = "volume.beta.kubernetes.io/storage-class"
)

// claimClass is the storage class a claim asks for; "" means a volume
// without class.
func claimClass(claim *corev1.PersistentVolumeClaim) string {
	if c, ok := claim.Annotations[annBetaStorageClass]; ok {
		return c
	}
	if claim.Spec.StorageClassName != nil {
		return *claim.Spec.StorageClassName
	}
	return ""
}

// volumeClass is the storage class a volume belongs to.
func volumeClass(volume *corev1.PersistentVolume) string {
	if c, ok := volume.Annotations[annBetaStorageClass]; ok {
		return c
	}
	return volume.Spec.StorageClassName
}

// volumeModeMismatch: a missing mode is Filesystem on either side.
func volumeModeMismatch(claim *corev1.PersistentVolumeClaim, volume *corev1.PersistentVolume) bool {
	want, have := corev1.PersistentVolumeFilesystem, corev1.PersistentVolumeFilesystem
	if claim.Spec.VolumeMode != nil {
		want = *claim.Spec.VolumeMode
	}
	if volume.Spec.VolumeMode != nil {
		have = *volume.Spec.VolumeMode
	}
	return want != have
}

// hasAccessModes reports whether have includes every mode of want.
func hasAccessModes(have, want []corev1.PersistentVolumeAccessMode) bool {
	for _, m := range want {
		if !slices.Contains(have, m) {
			return false
		}
	}
	return true
}

// accessModeSet is a volume's access modes without repeats, in the order
// kubectl prints them; volumes with the same set form one search group.
func accessModeSet(modes []corev1.PersistentVolumeAccessMode) []corev1.PersistentVolumeAccessMode {
	var out []corev1.PersistentVolumeAccessMode
	for _, m := range []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany,
		corev1.ReadWriteMany, corev1.ReadWriteOncePod} {
		if slices.Contains(modes, m) {
			out = append(out, m)
		}
	}
	return out
}

// boundToClaim reports whether volume's claimRef names claim: same
// namespace and name, and the claim's UID unless the ref has none (a
// volume pre-bound by name only).
func boundToClaim(volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) bool {
	ref := volume.Spec.ClaimRef
	if ref == nil || ref.Namespace != claim.Namespace || ref.Name != claim.Name {
		return false
	}
	return ref.UID == "" || ref.UID == claim.UID
}

// findBestVolume picks the volume claim should be bound to, or nil.
//
// Volumes are searched in groups of equal access-mode sets that include
// every mode the claim asks for, the groups with fewest modes first, so a
// claim gets the modes closest to what it asked for. Within the first
// group that has a candidate, a volume already pre-bound to the claim
// wins; otherwise the smallest Available volume whose capacity covers the
// request, with the claim's class, volume mode and label selector. Ties go
// to the first name, so the choice does not depend on cache order.
//
// With delayBinding (a WaitForFirstConsumer class) and no node only
// pre-bound volumes are taken: the claim waits for a pod. With node (where
// that pod runs) a volume must also fit the node's labels and name.
func findBestVolume(claim *corev1.PersistentVolumeClaim, volumes []*corev1.PersistentVolume,
	delayBinding bool, node *corev1.Node) (*corev1.PersistentVolume, error) {
	var selector labels.Selector
	if claim.Spec.Selector != nil {
		s, err := metav1.LabelSelectorAsSelector(claim.Spec.Selector)
		if err != nil {
			return nil, fmt.Errorf("label selector of claim %s/%s: %w", claim.Namespace, claim.Name, err)
		}
		selector = s
	}
	for _, group := range accessModeGroups(claim, volumes) {
		if v := bestInGroup(claim, group, selector, delayBinding, node); v != nil {
			return v, nil
		}
	}
	return nil, nil
}

// accessModeGroups splits the volumes whose access modes include the
// claim's into groups of equal mode sets, fewest modes first, each sorted
// by name.
func accessModeGroups(claim *corev1.PersistentVolumeClaim, volumes []*corev1.PersistentVolume) [][]*corev1.PersistentVolume {
	byKey := map[string][]*corev1.PersistentVolume{}
	var keys []string
	for _, v := range volumes {
		modes := accessModeSet(v.Spec.AccessModes)
		if !hasAccessModes(modes, claim.Spec.AccessModes) {
			continue
		}
		key := fmt.Sprintf("%d/%s", len(modes), modesKey(modes))
		if _, ok := byKey[key]; !ok {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], v)
	}
	// "%d/" sorts by the number of modes first (there are at most four).
	slices.Sort(keys)
	groups := make([][]*corev1.PersistentVolume, 0, len(keys))
	for _, k := range keys {
		g := byKey[k]
		slices.SortFunc(g, func(a, b *corev1.PersistentVolume) int { return cmp.Compare(a.Name, b.Name) })
		groups = append(groups, g)
	}
	return groups
}

func modesKey(modes []corev1.PersistentVolumeAccessMode) string {
	s := make([]string, len(modes))
	for i, m := range modes {
		s[i] = string(m)
	}
	return strings.Join(s, ",")
}

// bestInGroup applies the checks of findBestVolume to one group.
func bestInGroup(claim *corev1.PersistentVolumeClaim, group []*corev1.PersistentVolume,
	selector labels.Selector, delayBinding bool, node *corev1.Node) *corev1.PersistentVolume {
	requested := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	class := claimClass(claim)
	var best *corev1.PersistentVolume
	for _, v := range group {
		if v.Spec.ClaimRef != nil && !boundToClaim(v, claim) {
			continue // someone else's
		}
		size := v.Spec.Capacity[corev1.ResourceStorage]
		if size.Cmp(requested) < 0 || volumeModeMismatch(claim, v) || v.DeletionTimestamp != nil {
			continue
		}
		fits := node == nil || volumeFitsNode(v, node)
		if boundToClaim(v, claim) {
			// Pre-bound to this claim: taken whatever its phase, class or
			// labels, as long as it can serve the claim (and the node).
			if !fits {
				return nil
			}
			return v
		}
		if node == nil && delayBinding {
			continue // the claim waits for its first pod
		}
		// Volumes not yet Available are left out: the controller is about
		// to change them, and a bind now would mostly meet conflicts.
		if v.Status.Phase != corev1.VolumeAvailable || !fits || volumeClass(v) != class {
			continue
		}
		if selector != nil && !selector.Matches(labels.Set(v.Labels)) {
			continue
		}
		if best == nil {
			best = v
			continue
		}
		if bestSize := best.Spec.Capacity[corev1.ResourceStorage]; size.Cmp(bestSize) < 0 {
			best = v
		}
	}
	return best
}

// volumeSatisfies says why a volume a claim asked for by name
// (spec.volumeName) cannot serve it, in Kubernetes' words, or nil.
func volumeSatisfies(volume *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) error {
	if volume.DeletionTimestamp != nil {
		return fmt.Errorf("the volume is marked for deletion %q", volume.Name)
	}
	requested := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	size := volume.Spec.Capacity[corev1.ResourceStorage]
	if size.Value() < requested.Value() {
		return fmt.Errorf("requested PV is too small")
	}
	if volumeClass(volume) != claimClass(claim) {
		return fmt.Errorf("storageClassName does not match")
	}
	if volumeModeMismatch(claim, volume) {
		return fmt.Errorf("incompatible volumeMode")
	}
	if !hasAccessModes(volume.Spec.AccessModes, claim.Spec.AccessModes) {
		return fmt.Errorf("incompatible accessMode")
	}
	return nil
}
