package core

import (
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Messages Kubernetes uses for quantities.
const (
	isNegativeErrorMsg    = "must be greater than or equal to 0"
	isNotPositiveErrorMsg = "must be greater than zero"
	isNotIntegerErrorMsg  = "must be an integer"
)

// maxSecretSize is the 1 MiB limit on secret and config map payloads.
const maxSecretSize = 1 * 1024 * 1024

// invalidEach turns the messages of a util/validation check into Invalid
// errors on one path.
func invalidEach(fldPath *field.Path, value interface{}, msgs []string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(fldPath, value, msg))
	}
	return errs
}

func validateDNS1123Label(value string, fldPath *field.Path) field.ErrorList {
	return invalidEach(fldPath, value, validation.IsDNS1123Label(value))
}

func validateDNS1123Subdomain(value string, fldPath *field.Path) field.ErrorList {
	return invalidEach(fldPath, value, validation.IsDNS1123Subdomain(value))
}

func validateQualifiedName(value string, fldPath *field.Path) field.ErrorList {
	return invalidEach(fldPath, value, validation.IsQualifiedName(value))
}

// validatePortNumOrName checks an int-or-string port reference.
func validatePortNumOrName(port intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	if port.Type == intstr.String {
		return invalidEach(fldPath, port.StrVal, validation.IsValidPortName(port.StrVal))
	}
	return invalidEach(fldPath, port.IntValue(), validation.IsValidPortNum(port.IntValue()))
}

func supportedProtocols() []corev1.Protocol {
	return []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
}

// validateProtocol requires one of TCP, UDP and SCTP.
func validateProtocol(p corev1.Protocol, fldPath *field.Path) field.ErrorList {
	switch p {
	case "":
		return field.ErrorList{field.Required(fldPath, "")}
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, p, supportedProtocols())}
}

// validateNonnegativeQuantity rejects negative quantities.
func validateNonnegativeQuantity(q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), isNegativeErrorMsg)}
	}
	return nil
}

// validatePositiveQuantity rejects zero and negative quantities.
func validatePositiveQuantity(q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), isNotPositiveErrorMsg)}
	}
	return nil
}

// isIntegerResource tells which resources can only be counted in whole
// units: everything but cpu, memory, storage and hugepages.
func isIntegerResource(name corev1.ResourceName) bool {
	s := string(name)
	switch corev1.ResourceName(s) {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceStorage, corev1.ResourceEphemeralStorage:
		return false
	}
	if strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) {
		return false
	}
	// Extended resources (domain-qualified, not kubernetes.io) are integers.
	return strings.Contains(s, "/") && !strings.Contains(s, "kubernetes.io/") ||
		isObjectCountResource(s)
}

// isObjectCountResource reports quota names that count objects.
func isObjectCountResource(s string) bool {
	switch s {
	case "pods", "services", "replicationcontrollers", "resourcequotas", "secrets",
		"configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers":
		return true
	}
	return strings.HasPrefix(s, "count/")
}

// validateResourceQuantity checks a quantity in a resource list: never
// negative, whole for integer resources.
func validateResourceQuantity(name corev1.ResourceName, q resource.Quantity, fldPath *field.Path) field.ErrorList {
	errs := validateNonnegativeQuantity(q, fldPath)
	if isIntegerResource(name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(fldPath, q.String(), isNotIntegerErrorMsg))
	}
	return errs
}

// validateResourceName checks that a resource name is a qualified name.
func validateResourceName(name corev1.ResourceName, fldPath *field.Path) field.ErrorList {
	return validateQualifiedName(string(name), fldPath)
}

// validateNonSpecialIP rejects addresses no endpoint or external IP may
// use, with the messages Kubernetes prints.
func validateNonSpecialIP(ipStr string, fldPath *field.Path) field.ErrorList {
	ip := net.ParseIP(ipStr)
	if ip == nil {
		return field.ErrorList{field.Invalid(fldPath, ipStr, "must be a valid IP address")}
	}
	var msg string
	switch {
	case ip.IsUnspecified():
		msg = fmt.Sprintf("may not be unspecified (%v)", ipStr)
	case ip.IsLoopback():
		msg = "may not be in the loopback range (127.0.0.0/8, ::1/128)"
	case ip.IsLinkLocalUnicast():
		msg = "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
	case ip.IsLinkLocalMulticast():
		msg = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"
	default:
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, ipStr, msg)}
}

// validateEnum reports an enum value outside valid as NotSupported and an
// empty one as Required.
func validateEnum[T ~string](v T, valid []T, fldPath *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	for _, ok := range valid {
		if v == ok {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(fldPath, v, valid)}
}
