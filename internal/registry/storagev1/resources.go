// Package storagev1 holds the rules of the storage.k8s.io/v1 resources:
// storageclasses, volumeattachments, csidrivers, csinodes and
// csistoragecapacities. (Named storagev1 so as not to be confused with
// internal/storage, the key-value store.)
package storagev1

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns the storage.k8s.io/v1 resources as Kubernetes 1.32
// serves them.
func Resources() []resource.Resource {
	gv := storagev1.SchemeGroupVersion
	return []resource.Resource{
		{
			GVR: gv.WithResource("storageclasses"), Kind: "StorageClass", Singular: "storageclass",
			ShortNames: []string{"sc"},
			New:        func() runtime.Object { return &storagev1.StorageClass{} },
			NewList:    func() runtime.Object { return &storagev1.StorageClassList{} },
			Strategy:   StorageClassStrategy{},
		},
		{
			GVR: gv.WithResource("volumeattachments"), Kind: "VolumeAttachment", Singular: "volumeattachment",
			New:      func() runtime.Object { return &storagev1.VolumeAttachment{} },
			NewList:  func() runtime.Object { return &storagev1.VolumeAttachmentList{} },
			Strategy: VolumeAttachmentStrategy{},
			Status:   true,
		},
		{
			GVR: gv.WithResource("csidrivers"), Kind: "CSIDriver", Singular: "csidriver",
			New:          func() runtime.Object { return &storagev1.CSIDriver{} },
			NewList:      func() runtime.Object { return &storagev1.CSIDriverList{} },
			Strategy:     CSIDriverStrategy{},
			ValidateName: validateDriverObjectName,
		},
		{
			GVR: gv.WithResource("csinodes"), Kind: "CSINode", Singular: "csinode",
			New:      func() runtime.Object { return &storagev1.CSINode{} },
			NewList:  func() runtime.Object { return &storagev1.CSINodeList{} },
			Strategy: CSINodeStrategy{},
		},
		{
			GVR: gv.WithResource("csistoragecapacities"), Kind: "CSIStorageCapacity", Singular: "csistoragecapacity",
			Namespaced: true,
			New:        func() runtime.Object { return &storagev1.CSIStorageCapacity{} },
			NewList:    func() runtime.Object { return &storagev1.CSIStorageCapacityList{} },
			Strategy:   CSIStorageCapacityStrategy{},
		},
	}
}
