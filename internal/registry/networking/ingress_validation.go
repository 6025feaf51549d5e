package networking

import (
	"fmt"
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	pathvalidation "k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Paths of Prefix and Exact rules may not contain these, since proxies
// would normalise them into another path than the one matched.
var (
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
	supportedPathTypes   = []string{
		string(networkingv1.PathTypeExact),
		string(networkingv1.PathTypeImplementationSpecific),
		string(networkingv1.PathTypePrefix),
	}
)

func validateIngressSpec(spec *networkingv1.IngressSpec, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(fld, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		errs = append(errs, validateIngressBackend(spec.DefaultBackend, fld.Child("defaultBackend"))...)
	}
	for i := range spec.Rules {
		errs = append(errs, validateIngressRule(&spec.Rules[i], fld.Child("rules").Index(i))...)
	}
	for i, tls := range spec.TLS {
		for j, host := range tls.Hosts {
			errs = append(errs, validateHost(host, fld.Child("tls").Index(i).Child("hosts").Index(j))...)
		}
	}
	if spec.IngressClassName != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*spec.IngressClassName) {
			errs = append(errs, field.Invalid(fld.Child("ingressClassName"), *spec.IngressClassName, msg))
		}
	}
	return errs
}

// validateHost accepts a DNS subdomain, or one whose first label is "*".
func validateHost(host string, fld *field.Path) field.ErrorList {
	check := validation.IsDNS1123Subdomain
	if strings.Contains(host, "*") {
		check = validation.IsWildcardDNS1123Subdomain
	}
	var errs field.ErrorList
	for _, msg := range check(host) {
		errs = append(errs, field.Invalid(fld, host, msg))
	}
	return errs
}

func validateIngressRule(rule *networkingv1.IngressRule, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if rule.Host != "" {
		if net.ParseIP(rule.Host) != nil {
			errs = append(errs, field.Invalid(fld.Child("host"), rule.Host, "must be a DNS name, not an IP address"))
		}
		errs = append(errs, validateHost(rule.Host, fld.Child("host"))...)
	}
	if rule.HTTP == nil {
		return errs
	}
	httpPath := fld.Child("http")
	if len(rule.HTTP.Paths) == 0 {
		errs = append(errs, field.Required(httpPath.Child("paths"), ""))
	}
	for i := range rule.HTTP.Paths {
		errs = append(errs, validateIngressPath(&rule.HTTP.Paths[i], httpPath.Child("paths").Index(i))...)
	}
	return errs
}

func validateIngressPath(p *networkingv1.HTTPIngressPath, fld *field.Path) field.ErrorList {
	if p.PathType == nil {
		return field.ErrorList{field.Required(fld.Child("pathType"), "pathType must be specified")}
	}
	var errs field.ErrorList
	switch *p.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		errs = append(errs, validateStrictPath(p.Path, fld.Child("path"))...)
	case networkingv1.PathTypeImplementationSpecific:
		if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(fld.Child("path"), p.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, field.NotSupported(fld.Child("pathType"), *p.PathType, supportedPathTypes))
	}
	return append(errs, validateIngressBackend(&p.Backend, fld.Child("backend"))...)
}

func validateStrictPath(path string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !strings.HasPrefix(path, "/") {
		errs = append(errs, field.Invalid(fld, path, "must be an absolute path"))
	}
	for _, seq := range invalidPathSequences {
		if strings.Contains(path, seq) {
			errs = append(errs, field.Invalid(fld, path, fmt.Sprintf("must not contain '%s'", seq)))
		}
	}
	for _, suffix := range invalidPathSuffixes {
		if strings.HasSuffix(path, suffix) {
			errs = append(errs, field.Invalid(fld, path, fmt.Sprintf("cannot end with '%s'", suffix)))
		}
	}
	return errs
}

func validateIngressBackend(b *networkingv1.IngressBackend, fld *field.Path) field.ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return field.ErrorList{field.Invalid(fld, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return validateLocalObjectReference(b.Resource, fld.Child("resource"))
	case b.Service != nil:
		return validateServiceBackend(b.Service, fld)
	}
	return field.ErrorList{field.Invalid(fld, "", "resource or service backend is required")}
}

func validateServiceBackend(svc *networkingv1.IngressServiceBackend, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	namePath := fld.Child("service", "name")
	if svc.Name == "" {
		errs = append(errs, field.Required(namePath, ""))
	}
	if svc.Name != "" {
		for _, msg := range validation.IsDNS1035Label(svc.Name) {
			errs = append(errs, field.Invalid(namePath, svc.Name, msg))
		}
	}
	portPath := fld.Child("service", "port")
	hasName, hasNumber := svc.Port.Name != "", svc.Port.Number != 0
	switch {
	case hasName && hasNumber:
		errs = append(errs, field.Invalid(fld, "", "cannot set both port name & port number"))
	case hasName:
		for _, msg := range validation.IsValidPortName(svc.Port.Name) {
			errs = append(errs, field.Invalid(portPath.Child("name"), svc.Port.Name, msg))
		}
	case hasNumber:
		for _, msg := range validation.IsValidPortNum(int(svc.Port.Number)) {
			errs = append(errs, field.Invalid(portPath.Child("number"), svc.Port.Number, msg))
		}
	default:
		errs = append(errs, field.Required(fld, "port name or number is required"))
	}
	return errs
}

// validateLocalObjectReference checks a resource backend or the kind and
// name of ingress class parameters.
func validateLocalObjectReference(ref *corev1.TypedLocalObjectReference, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ref.APIGroup != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*ref.APIGroup) {
			errs = append(errs, field.Invalid(fld.Child("apiGroup"), *ref.APIGroup, msg))
		}
	}
	errs = append(errs, validateSegment(ref.Kind, "kind", fld)...)
	return append(errs, validateSegment(ref.Name, "name", fld)...)
}

func validateSegment(value, name string, fld *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(fld.Child(name), name+" is required")}
	}
	var errs field.ErrorList
	for _, msg := range pathvalidation.IsValidPathSegmentName(value) {
		errs = append(errs, field.Invalid(fld.Child(name), value, msg))
	}
	return errs
}

func validateLoadBalancerStatus(lb networkingv1.IngressLoadBalancerStatus, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, in := range lb.Ingress {
		p := fld.Child("ingress").Index(i)
		if in.IP != "" {
			errs = append(errs, validation.IsValidIP(p.Child("ip"), in.IP)...)
		}
		if in.Hostname == "" {
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(in.Hostname) {
			errs = append(errs, field.Invalid(p.Child("hostname"), in.Hostname, msg))
		}
		if net.ParseIP(in.Hostname) != nil {
			errs = append(errs, field.Invalid(p.Child("hostname"), in.Hostname, "must be a DNS name, not an IP address"))
		}
	}
	return errs
}
