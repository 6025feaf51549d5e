package discovery

import (
	"net"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits Kubernetes puts on one slice.
const (
	maxEndpoints      = 1000
	maxAddresses      = 100
	maxPorts          = 20000
	maxTopologyLabels = 16
	maxZoneHints      = 8
)

var (
	addressTypes  = []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}
	portProtocols = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}
)

func validateAddressType(t discoveryv1.AddressType) field.ErrorList {
	p := field.NewPath("addressType")
	if t == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if !slices.Contains(addressTypes, string(t)) {
		return field.ErrorList{field.NotSupported(p, t, addressTypes)}
	}
	return nil
}

func validateEndpoints(eps []discoveryv1.Endpoint, t discoveryv1.AddressType, fld *field.Path) field.ErrorList {
	if len(eps) > maxEndpoints {
		return field.ErrorList{field.TooMany(fld, len(eps), maxEndpoints)}
	}
	var errs field.ErrorList
	for i := range eps {
		errs = append(errs, validateEndpoint(&eps[i], t, fld.Index(i))...)
	}
	return errs
}

func validateEndpoint(ep *discoveryv1.Endpoint, t discoveryv1.AddressType, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	ap := fld.Child("addresses")
	switch {
	case len(ep.Addresses) == 0:
		errs = append(errs, field.Required(ap, "must contain at least 1 address"))
	case len(ep.Addresses) > maxAddresses:
		errs = append(errs, field.TooMany(ap, len(ep.Addresses), maxAddresses))
	}
	for i, a := range ep.Addresses {
		errs = append(errs, validateAddress(a, t, ap.Index(i))...)
	}
	if ep.NodeName != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*ep.NodeName) {
			errs = append(errs, field.Invalid(fld.Child("nodeName"), *ep.NodeName, msg))
		}
	}
	tp := fld.Child("deprecatedTopology")
	if len(ep.DeprecatedTopology) > maxTopologyLabels {
		errs = append(errs, field.TooMany(tp, len(ep.DeprecatedTopology), maxTopologyLabels))
	}
	errs = append(errs, metav1validation.ValidateLabels(ep.DeprecatedTopology, tp)...)
	if ep.Hostname != nil {
		for _, msg := range validation.IsDNS1123Label(*ep.Hostname) {
			errs = append(errs, field.Invalid(fld.Child("hostname"), *ep.Hostname, msg))
		}
	}
	if ep.Hints != nil {
		errs = append(errs, validateHints(ep.Hints, fld.Child("hints"))...)
	}
	return errs
}

// validateAddress checks an address against the slice's type; IPs may not
// be ones no other host can reach.
func validateAddress(a string, t discoveryv1.AddressType, fld *field.Path) field.ErrorList {
	switch t {
	case discoveryv1.AddressTypeIPv4:
		if errs := validation.IsValidIPv4Address(fld, a); len(errs) > 0 {
			return errs
		}
		return validateNonSpecialIP(a, fld)
	case discoveryv1.AddressTypeIPv6:
		if errs := validation.IsValidIPv6Address(fld, a); len(errs) > 0 {
			return errs
		}
		return validateNonSpecialIP(a, fld)
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(fld, a)
	}
	return nil
}

func validateNonSpecialIP(a string, fld *field.Path) field.ErrorList {
	ip := net.ParseIP(a)
	var errs field.ErrorList
	if ip.IsUnspecified() {
		errs = append(errs, field.Invalid(fld, a, "may not be unspecified (0.0.0.0)"))
	}
	if ip.IsLoopback() {
		errs = append(errs, field.Invalid(fld, a, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		errs = append(errs, field.Invalid(fld, a, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		errs = append(errs, field.Invalid(fld, a, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}

func validateHints(h *discoveryv1.EndpointHints, fld *field.Path) field.ErrorList {
	zp := fld.Child("forZones")
	if len(h.ForZones) > maxZoneHints {
		return field.ErrorList{field.TooMany(zp, len(h.ForZones), maxZoneHints)}
	}
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, z := range h.ForZones {
		p := zp.Index(i).Child("name")
		if seen[z.Name] {
			errs = append(errs, field.Duplicate(p, z.Name))
		}
		seen[z.Name] = true
		for _, msg := range validation.IsValidLabelValue(z.Name) {
			errs = append(errs, field.Invalid(p, z.Name, msg))
		}
	}
	return errs
}

func validatePorts(ports []discoveryv1.EndpointPort, fld *field.Path) field.ErrorList {
	if len(ports) > maxPorts {
		return field.ErrorList{field.TooMany(fld, len(ports), maxPorts)}
	}
	var errs field.ErrorList
	names := map[string]bool{}
	for i, p := range ports {
		pp := fld.Index(i)
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		if name != "" {
			for _, msg := range validation.IsDNS1123Label(name) {
				errs = append(errs, field.Invalid(pp.Child("name"), name, msg))
			}
		}
		if names[name] {
			errs = append(errs, field.Duplicate(pp.Child("name"), name))
		}
		names[name] = true
		switch {
		case p.Protocol == nil:
			errs = append(errs, field.Required(pp.Child("protocol"), ""))
		case !slices.Contains(portProtocols, string(*p.Protocol)):
			errs = append(errs, field.NotSupported(pp.Child("protocol"), *p.Protocol, portProtocols))
		}
		if p.AppProtocol != nil {
			for _, msg := range validation.IsQualifiedName(*p.AppProtocol) {
				errs = append(errs, field.Invalid(pp.Child("appProtocol"), *p.AppProtocol, msg))
			}
		}
	}
	return errs
}
