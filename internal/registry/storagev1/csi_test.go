package storagev1

import (
	"testing"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCSIDriverDefault(t *testing.T) {
	d := &storagev1.CSIDriver{}
	CSIDriverStrategy{}.Default(d)
	s := d.Spec
	if !*s.AttachRequired || *s.PodInfoOnMount || *s.StorageCapacity || *s.RequiresRepublish || *s.SELinuxMount ||
		*s.FSGroupPolicy != storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy ||
		len(s.VolumeLifecycleModes) != 1 || s.VolumeLifecycleModes[0] != storagev1.VolumeLifecyclePersistent {
		t.Fatalf("defaults = %+v", s)
	}
	wantErrs(t, CSIDriverStrategy{}.Validate(d))
}

func TestCSIDriverValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*storagev1.CSIDriverSpec)
		want   []string
	}{
		{"bad mode", func(s *storagev1.CSIDriverSpec) {
			s.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{"Forever"}
		}, []string{"FieldValueNotSupported spec.volumeLifecycleModes"}},
		{"bad fsGroupPolicy", func(s *storagev1.CSIDriverSpec) {
			s.FSGroupPolicy = ptr(storagev1.FSGroupPolicy("Any"))
		}, []string{"FieldValueNotSupported spec.fsGroupPolicy"}},
		{"tokens", func(s *storagev1.CSIDriverSpec) {
			s.TokenRequests = []storagev1.TokenRequest{{Audience: "a", ExpirationSeconds: ptr(int64(60))}, {Audience: "a"}}
		}, []string{"FieldValueInvalid spec.tokenRequests[0].expirationSeconds", "FieldValueDuplicate spec.tokenRequests[1].audience"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &storagev1.CSIDriver{}
			CSIDriverStrategy{}.Default(d)
			c.mutate(&d.Spec)
			wantErrs(t, CSIDriverStrategy{}.Validate(d), c.want...)
		})
	}
	old := &storagev1.CSIDriver{}
	CSIDriverStrategy{}.Default(old)
	neu := old.DeepCopy()
	neu.Spec.AttachRequired = ptr(false)
	wantErrs(t, CSIDriverStrategy{}.ValidateUpdate(neu, old), "FieldValueInvalid spec.attachRequired")
}

func TestCSIDriverNameAndCells(t *testing.T) {
	long := "a23456789012345678901234567890123456789012345678901234567890.com"
	if len(validateDriverObjectName(long, false)) == 0 || len(validateDriverObjectName("Hostpath.CSI.k8s.io", false)) != 0 {
		t.Fatal("driver name rule wrong")
	}
	d := &storagev1.CSIDriver{}
	cellsEqual(t, CSIDriverStrategy{}.Cells(d), []interface{}{true, false, false, "<unset>", false, "<none>", "<unknown>"})
	CSIDriverStrategy{}.Default(d)
	d.Spec.TokenRequests = []storagev1.TokenRequest{{Audience: "vault"}, {Audience: "gcp"}}
	d.Spec.VolumeLifecycleModes = append(d.Spec.VolumeLifecycleModes, storagev1.VolumeLifecycleEphemeral)
	cellsEqual(t, CSIDriverStrategy{}.Cells(d), []interface{}{true, false, false, "vault,gcp", false, "Persistent,Ephemeral", "<unknown>"})
}

func TestVolumeAttachment(t *testing.T) {
	valid := storagev1.VolumeAttachmentSpec{Attacher: "csi.example.com", NodeName: "node-1",
		Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("pv-1")}}
	cases := []struct {
		name string
		spec storagev1.VolumeAttachmentSpec
		want []string
	}{
		{"valid", valid, nil},
		{"empty", storagev1.VolumeAttachmentSpec{}, []string{"FieldValueRequired spec.attacher", "FieldValueRequired spec.source", "FieldValueRequired spec.nodeName"}},
		{"empty pv", storagev1.VolumeAttachmentSpec{Attacher: "a", NodeName: "n", Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("")}},
			[]string{"FieldValueRequired spec.source.persistentVolumeName"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErrs(t, VolumeAttachmentStrategy{}.Validate(&storagev1.VolumeAttachment{Spec: c.spec}), c.want...)
		})
	}
	old := &storagev1.VolumeAttachment{Spec: valid}
	neu := old.DeepCopy()
	neu.Spec.NodeName = "node-2"
	wantErrs(t, VolumeAttachmentStrategy{}.ValidateUpdate(neu, old), "FieldValueInvalid spec")
	neu = old.DeepCopy()
	neu.Status.Attached = true
	VolumeAttachmentStrategy{}.PrepareForCreate(neu)
	if neu.Status.Attached {
		t.Fatal("create kept status")
	}
	old.Status.Attached = true
	cellsEqual(t, VolumeAttachmentStrategy{}.Cells(old), []interface{}{"csi.example.com", "pv-1", "node-1", true, "<unknown>"})
}

func TestCSINode(t *testing.T) {
	driver := storagev1.CSINodeDriver{Name: "csi.example.com", NodeID: "n1", TopologyKeys: []string{"topology.example.com/zone"}}
	node := &storagev1.CSINode{Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{driver}}}
	wantErrs(t, CSINodeStrategy{}.Validate(node))
	dup := node.DeepCopy()
	dup.Spec.Drivers = append(dup.Spec.Drivers, storagev1.CSINodeDriver{Name: "csi.example.com", Allocatable: &storagev1.VolumeNodeResources{Count: ptr(int32(-1))}})
	wantErrs(t, CSINodeStrategy{}.Validate(dup),
		"FieldValueRequired spec.drivers[1].nodeID", "FieldValueInvalid spec.drivers[1].allocatable.count", "FieldValueDuplicate spec.drivers[1].name")
	moved := node.DeepCopy()
	moved.Spec.Drivers[0].NodeID = "n2"
	wantErrs(t, CSINodeStrategy{}.ValidateUpdate(moved, node), "FieldValueInvalid spec.drivers[0].nodeID")
	cellsEqual(t, CSINodeStrategy{}.Cells(node), []interface{}{int64(1), "<unknown>"})
}

func TestCSIStorageCapacity(t *testing.T) {
	q := resource.MustParse("10Gi")
	neg := resource.MustParse("-1")
	c := &storagev1.CSIStorageCapacity{StorageClassName: "fast", Capacity: &q,
		NodeTopology: &metav1.LabelSelector{MatchLabels: map[string]string{"zone": "a"}}}
	wantErrs(t, CSIStorageCapacityStrategy{}.Validate(c))
	cellsEqual(t, CSIStorageCapacityStrategy{}.Cells(c), []interface{}{"fast", "10Gi"})
	bad := c.DeepCopy()
	bad.StorageClassName = "Fast!"
	bad.Capacity = &neg
	wantErrs(t, CSIStorageCapacityStrategy{}.ValidateUpdate(bad, c),
		"FieldValueInvalid storageClassName", "FieldValueInvalid capacity", "FieldValueInvalid storageClassName")
	cellsEqual(t, CSIStorageCapacityStrategy{}.Cells(&storagev1.CSIStorageCapacity{}), []interface{}{"", "<unset>"})
}
