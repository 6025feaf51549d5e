package discovery

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// EndpointSliceStrategy holds the rules of endpointslices.
type EndpointSliceStrategy struct{ resource.Base }

// Default gives ports an empty name and the TCP protocol.
func (EndpointSliceStrategy) Default(obj runtime.Object) {
	ports := obj.(*discoveryv1.EndpointSlice).Ports
	for i := range ports {
		if ports[i].Name == nil {
			ports[i].Name = new(string)
		}
		if ports[i].Protocol == nil {
			tcp := corev1.ProtocolTCP
			ports[i].Protocol = &tcp
		}
	}
}

func (EndpointSliceStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*discoveryv1.EndpointSlice).Generation = 1
}

// PrepareForUpdate moves the generation on when anything but metadata (or
// the labels, which tie a slice to its Service) changed.
func (EndpointSliceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	s, prev := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	s.Generation = prev.Generation
	same := s.AddressType == prev.AddressType &&
		equality.Semantic.DeepEqual(s.Endpoints, prev.Endpoints) &&
		equality.Semantic.DeepEqual(s.Ports, prev.Ports) &&
		equality.Semantic.DeepEqual(s.Labels, prev.Labels)
	if !same {
		s.Generation++
	}
}

func (EndpointSliceStrategy) Validate(obj runtime.Object) field.ErrorList {
	s := obj.(*discoveryv1.EndpointSlice)
	errs := validateAddressType(s.AddressType)
	errs = append(errs, validateEndpoints(s.Endpoints, s.AddressType, field.NewPath("endpoints"))...)
	return append(errs, validatePorts(s.Ports, field.NewPath("ports"))...)
}

// ValidateUpdate: the address type of a slice never changes; a new slice
// is made instead.
func (s EndpointSliceStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	n, o := obj.(*discoveryv1.EndpointSlice), old.(*discoveryv1.EndpointSlice)
	return append(s.Validate(obj), apivalidation.ValidateImmutableField(n.AddressType, o.AddressType, field.NewPath("addressType"))...)
}

func (EndpointSliceStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("AddressType", "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.", 0),
		resource.Column("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports.", 0),
		resource.Column("Endpoints", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.", 0),
		resource.AgeColumn,
	}
}

func (EndpointSliceStrategy) Cells(obj runtime.Object) []interface{} {
	s := obj.(*discoveryv1.EndpointSlice)
	var ports, addrs []string
	for _, p := range s.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			// A nil port means "all ports"; kubectl shows the name, or "*"
			// when the name is nil too.
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*")
		}
	}
	for _, e := range s.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	return []interface{}{string(s.AddressType), firstThree(ports), firstThree(addrs), resource.Age(s)}
}

// firstThree joins up to three items and counts the rest, "<unset>" for
// none.
func firstThree(items []string) string {
	const max = 3
	if len(items) == 0 {
		return "<unset>"
	}
	if len(items) <= max {
		return strings.Join(items, ",")
	}
	return fmt.Sprintf("%s + %d more...", strings.Join(items[:max], ","), len(items)-max)
}
