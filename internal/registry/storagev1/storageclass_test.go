package storagev1

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStorageClassDefault(t *testing.T) {
	sc := &storagev1.StorageClass{Provisioner: "example.com/p"}
	StorageClassStrategy{}.Default(sc)
	if *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete || *sc.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Fatalf("defaults = %v %v", *sc.ReclaimPolicy, *sc.VolumeBindingMode)
	}
	retain := &storagev1.StorageClass{ReclaimPolicy: ptr(corev1.PersistentVolumeReclaimRetain)}
	StorageClassStrategy{}.Default(retain)
	if *retain.ReclaimPolicy != corev1.PersistentVolumeReclaimRetain {
		t.Fatal("default overwrote reclaimPolicy")
	}
}

func TestStorageClassValidate(t *testing.T) {
	cases := []struct {
		name string
		sc   storagev1.StorageClass
		want []string
	}{
		{"valid", storagev1.StorageClass{Provisioner: "kubernetes.io/no-provisioner", Parameters: map[string]string{"type": "ssd"}}, nil},
		{"no provisioner", storagev1.StorageClass{}, []string{"FieldValueRequired provisioner"}},
		{"bad provisioner", storagev1.StorageClass{Provisioner: "a/b/c"}, []string{"FieldValueInvalid provisioner"}},
		{"empty parameter key", storagev1.StorageClass{Provisioner: "p", Parameters: map[string]string{"": "x"}}, []string{"FieldValueInvalid parameters"}},
		{"bad reclaim", storagev1.StorageClass{Provisioner: "p", ReclaimPolicy: ptr(corev1.PersistentVolumeReclaimRecycle)}, []string{"FieldValueNotSupported reclaimPolicy"}},
		{"bad binding mode", storagev1.StorageClass{Provisioner: "p", VolumeBindingMode: ptr(storagev1.VolumeBindingMode("Later"))}, []string{"FieldValueNotSupported volumeBindingMode"}},
		{"topology without values", storagev1.StorageClass{Provisioner: "p", AllowedTopologies: []corev1.TopologySelectorTerm{{
			MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "zone"}},
		}}}, []string{"FieldValueRequired allowedTopologies[0].matchLabelExpressions[0].values"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			StorageClassStrategy{}.Default(&c.sc)
			wantErrs(t, StorageClassStrategy{}.Validate(&c.sc), c.want...)
		})
	}
}

func TestStorageClassUpdate(t *testing.T) {
	old := &storagev1.StorageClass{Provisioner: "p", Parameters: map[string]string{"a": "b"}}
	StorageClassStrategy{}.Default(old)
	neu := old.DeepCopy()
	neu.Provisioner = "q"
	neu.Parameters["a"] = "c"
	neu.ReclaimPolicy = ptr(corev1.PersistentVolumeReclaimRetain)
	neu.VolumeBindingMode = ptr(storagev1.VolumeBindingWaitForFirstConsumer)
	wantErrs(t, StorageClassStrategy{}.ValidateUpdate(neu, old),
		"FieldValueForbidden parameters", "FieldValueForbidden provisioner",
		"FieldValueForbidden reclaimPolicy", "FieldValueInvalid volumeBindingMode")
	allowed := old.DeepCopy()
	allowed.AllowVolumeExpansion = ptr(true)
	wantErrs(t, StorageClassStrategy{}.ValidateUpdate(allowed, old))
}

func TestStorageClassTable(t *testing.T) {
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}, Provisioner: "rancher.io/local-path"}
	cellsEqual(t, StorageClassStrategy{}.Cells(sc), []interface{}{"rancher.io/local-path", "Delete", "Immediate", false, "<unknown>"})
	if NameCell(sc) != "standard" {
		t.Fatalf("name = %q", NameCell(sc))
	}
	sc.Annotations = map[string]string{defaultClassAnnotation: "true"}
	sc.VolumeBindingMode = ptr(storagev1.VolumeBindingWaitForFirstConsumer)
	sc.AllowVolumeExpansion = ptr(true)
	cellsEqual(t, StorageClassStrategy{}.Cells(sc), []interface{}{"rancher.io/local-path", "Delete", "WaitForFirstConsumer", true, "<unknown>"})
	if NameCell(sc) != "standard (default)" {
		t.Fatalf("name = %q", NameCell(sc))
	}
}
