package history

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"reflect"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
)

// HashLabel holds a revision's data hash on the revision itself.
const HashLabel = "controller.kubernetes.io/hash"

// TemplatePatch is the revision data for a pod template.
func TemplatePatch(t *corev1.PodTemplateSpec) (runtime.RawExtension, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return runtime.RawExtension{}, fmt.Errorf("encode template: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return runtime.RawExtension{}, fmt.Errorf("decode template: %w", err)
	}
	m["$patch"] = "replace"
	data, err := json.Marshal(map[string]any{"spec": map[string]any{"template": m}})
	if err != nil {
		return runtime.RawExtension{}, fmt.Errorf("encode revision: %w", err)
	}
	return runtime.RawExtension{Raw: data}, nil
}

// Template reads the pod template back out of a revision.
func Template(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var data struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &data); err != nil {
		return nil, fmt.Errorf("revision %s: %w", rev.Name, err)
	}
	return &data.Spec.Template, nil
}

// Hash is the hash of revision data salted with the collision count.
func Hash(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// New returns the revision of parent holding data. Its labels are
// labels (the parent's pod labels) plus the hash.
func New(parent metav1.Object, kind schema.GroupVersionKind, labels map[string]string, data runtime.RawExtension, revision int64, collisionCount *int32) *appsv1.ControllerRevision {
	hash := Hash(data.Raw, collisionCount)
	lbl := maps.Clone(labels)
	if lbl == nil {
		lbl = map[string]string{}
	}
	lbl[HashLabel] = hash
	prefix := parent.GetName()
	if len(prefix) > 223 {
		prefix = prefix[:223]
	}
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name: prefix + "-" + hash, Namespace: parent.GetNamespace(), Labels: lbl,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(parent, kind)},
		},
		Data:     data,
		Revision: revision,
	}
}

// Equal reports whether two revisions hold the same data; the server may
// reformat JSON, so the data is compared decoded.
func Equal(a, b *appsv1.ControllerRevision) bool {
	var x, y any
	if json.Unmarshal(a.Data.Raw, &x) != nil || json.Unmarshal(b.Data.Raw, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// Sort orders revisions by revision number, then name.
func Sort(revs []*appsv1.ControllerRevision) {
	slices.SortStableFunc(revs, func(a, b *appsv1.ControllerRevision) int {
		if a.Revision != b.Revision {
			if a.Revision < b.Revision {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
}

// Next is the number the next revision gets.
func Next(revs []*appsv1.ControllerRevision) int64 {
	var m int64
	for _, r := range revs {
		m = max(m, r.Revision)
	}
	return m + 1
}

// FindEqual returns the revisions holding the same data as needle.
func FindEqual(revs []*appsv1.ControllerRevision, needle *appsv1.ControllerRevision) []*appsv1.ControllerRevision {
	var out []*appsv1.ControllerRevision
	for _, r := range revs {
		if Equal(r, needle) {
			out = append(out, r)
		}
	}
	return out
}
