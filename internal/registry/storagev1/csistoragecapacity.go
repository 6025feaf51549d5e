package storagev1

import (
	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// CSIStorageCapacityStrategy holds the rules of csistoragecapacities,
// published by CSI drivers for the scheduler.
type CSIStorageCapacityStrategy struct{ resource.Base }

func (CSIStorageCapacityStrategy) Validate(obj runtime.Object) field.ErrorList {
	c := obj.(*storagev1.CSIStorageCapacity)
	errs := metav1validation.ValidateLabelSelector(c.NodeTopology, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("nodeTopology"))
	errs = append(errs, validateSubdomain(c.StorageClassName, field.NewPath("storageClassName"))...)
	errs = append(errs, validateNonNegativeQuantity(c.Capacity, field.NewPath("capacity"))...)
	return append(errs, validateNonNegativeQuantity(c.MaximumVolumeSize, field.NewPath("maximumVolumeSize"))...)
}

// ValidateUpdate: the topology and class are the inputs of the capacity
// query, so they may not change.
func (s CSIStorageCapacityStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	c, prev := obj.(*storagev1.CSIStorageCapacity), old.(*storagev1.CSIStorageCapacity)
	errs := s.Validate(obj)
	errs = append(errs, apivalidation.ValidateImmutableField(c.NodeTopology, prev.NodeTopology, field.NewPath("nodeTopology"))...)
	return append(errs, apivalidation.ValidateImmutableField(c.StorageClassName, prev.StorageClassName, field.NewPath("storageClassName"))...)
}

// Columns: Kubernetes prints no AGE for storage capacities.
func (CSIStorageCapacityStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("StorageClassName", "storageClassName represents the name of the StorageClass that the reported capacity applies to. It must meet the same requirements as the name of a StorageClass object (non-empty, DNS subdomain). If that object no longer exists, the CSIStorageCapacity object is obsolete and should be removed by its creator. This field is immutable.", 0),
		resource.Column("Capacity", "capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.", 0),
	}
}

func (CSIStorageCapacityStrategy) Cells(obj runtime.Object) []interface{} {
	c := obj.(*storagev1.CSIStorageCapacity)
	capacity := "<unset>"
	if c.Capacity != nil {
		capacity = c.Capacity.String()
	}
	return []interface{}{c.StorageClassName, capacity}
}
