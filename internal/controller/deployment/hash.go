package deployment

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/davecgh/go-spew/spew"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// hashPrinter renders an object deterministically (sorted map keys, no
// Stringer methods) so that its FNV hash is stable across processes: the
// same rendering Kubernetes hashes, so ReplicaSet names agree with theirs.
func hashPrinter() *spew.ConfigState {
	return &spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}
}

// ComputeHash is the pod-template-hash of a template, salted with the
// collision count after a name clash.
func ComputeHash(t *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	hashPrinter().Fprintf(h, "%#v", *t)
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}
