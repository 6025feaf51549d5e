package storagev1

import (
	"fmt"

	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// maxNodeIDLen is the longest node ID a CSI driver may report.
const maxNodeIDLen = 192

// CSINodeStrategy holds the rules of csinodes, which the kubelet writes
// for its node as drivers register.
type CSINodeStrategy struct{ resource.Base }

func (CSINodeStrategy) Validate(obj runtime.Object) field.ErrorList {
	drivers := obj.(*storagev1.CSINode).Spec.Drivers
	fld := field.NewPath("spec", "drivers")
	var errs field.ErrorList
	seen := map[string]bool{}
	for i := range drivers {
		p := fld.Index(i)
		errs = append(errs, validateNodeDriver(&drivers[i], p)...)
		if seen[drivers[i].Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), drivers[i].Name))
		}
		seen[drivers[i].Name] = true
	}
	return errs
}

func validateNodeDriver(d *storagev1.CSINodeDriver, fld *field.Path) field.ErrorList {
	errs := validateDriverName(d.Name, fld.Child("name"))
	switch {
	case d.NodeID == "":
		errs = append(errs, field.Required(fld.Child("nodeID"), ""))
	case len(d.NodeID) > maxNodeIDLen:
		errs = append(errs, field.Invalid(fld.Child("nodeID"), d.NodeID, fmt.Sprintf("must be %d characters or less", maxNodeIDLen)))
	}
	if d.Allocatable != nil && d.Allocatable.Count != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*d.Allocatable.Count), fld.Child("allocatable", "count"))...)
	}
	keys := map[string]bool{}
	for _, k := range d.TopologyKeys {
		if k == "" {
			errs = append(errs, field.Required(fld, k))
		}
		if keys[k] {
			errs = append(errs, field.Duplicate(fld, k))
		}
		keys[k] = true
		errs = append(errs, validateQualifiedName(k, fld)...)
	}
	return errs
}

// ValidateUpdate: a registered driver keeps its node ID, topology keys and
// allocatable count; drivers may only come and go.
func (s CSINodeStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	errs := s.Validate(obj)
	prev := map[string]storagev1.CSINodeDriver{}
	for _, d := range old.(*storagev1.CSINode).Spec.Drivers {
		prev[d.Name] = d
	}
	fld := field.NewPath("spec", "drivers")
	for i, d := range obj.(*storagev1.CSINode).Spec.Drivers {
		o, ok := prev[d.Name]
		if !ok {
			continue
		}
		p := fld.Index(i)
		if d.NodeID != o.NodeID {
			errs = append(errs, field.Invalid(p.Child("nodeID"), d.NodeID, apivalidation.FieldImmutableErrorMsg))
		}
		if !equality.Semantic.DeepEqual(d.TopologyKeys, o.TopologyKeys) {
			errs = append(errs, field.Invalid(p.Child("topologyKeys"), d.TopologyKeys, apivalidation.FieldImmutableErrorMsg))
		}
		if !equality.Semantic.DeepEqual(d.Allocatable, o.Allocatable) {
			errs = append(errs, field.Invalid(p.Child("allocatable"), d.Allocatable, apivalidation.FieldImmutableErrorMsg))
		}
	}
	return errs
}

func (CSINodeStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Drivers", Type: "integer", Description: "Drivers indicates the number of CSI drivers registered on the node"},
		resource.AgeColumn,
	}
}

func (CSINodeStrategy) Cells(obj runtime.Object) []interface{} {
	n := obj.(*storagev1.CSINode)
	return []interface{}{int64(len(n.Spec.Drivers)), resource.Age(n)}
}
