package networking

import (
	"net"
	"slices"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	policyProtocols = []string{string(corev1.ProtocolTCP), string(corev1.ProtocolUDP), string(corev1.ProtocolSCTP)}
	policyTypes     = []string{string(networkingv1.PolicyTypeIngress), string(networkingv1.PolicyTypeEgress)}
	selectorOpts    = metav1validation.LabelSelectorValidationOptions{}
)

func validateNetworkPolicySpec(spec *networkingv1.NetworkPolicySpec, fld *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabelSelector(&spec.PodSelector, selectorOpts, fld.Child("podSelector"))
	for i, rule := range spec.Ingress {
		p := fld.Child("ingress").Index(i)
		errs = append(errs, validatePolicyRule(rule.Ports, rule.From, p, "from")...)
	}
	for i, rule := range spec.Egress {
		p := fld.Child("egress").Index(i)
		errs = append(errs, validatePolicyRule(rule.Ports, rule.To, p, "to")...)
	}
	if len(spec.PolicyTypes) > len(policyTypes) {
		return append(errs, field.Invalid(fld.Child("policyTypes"), &spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range spec.PolicyTypes {
		if t != networkingv1.PolicyTypeIngress && t != networkingv1.PolicyTypeEgress {
			errs = append(errs, field.NotSupported(fld.Child("policyTypes").Index(i), t, policyTypes))
		}
	}
	return errs
}

func validatePolicyRule(ports []networkingv1.NetworkPolicyPort, peers []networkingv1.NetworkPolicyPeer, fld *field.Path, peersName string) field.ErrorList {
	var errs field.ErrorList
	for i := range ports {
		errs = append(errs, validatePolicyPort(&ports[i], fld.Child("ports").Index(i))...)
	}
	for i := range peers {
		errs = append(errs, validatePolicyPeer(&peers[i], fld.Child(peersName).Index(i))...)
	}
	return errs
}

func validatePolicyPort(port *networkingv1.NetworkPolicyPort, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Protocol != nil && !slices.Contains(policyProtocols, string(*port.Protocol)) {
		errs = append(errs, field.NotSupported(fld.Child("protocol"), *port.Protocol, policyProtocols))
	}
	switch {
	case port.Port == nil:
		if port.EndPort != nil {
			errs = append(errs, field.Invalid(fld.Child("endPort"), *port.EndPort, "may not be specified when `port` is not specified"))
		}
	case port.Port.Type == intstr.Int:
		errs = append(errs, validateNumericPort(port.Port.IntVal, port.EndPort, fld)...)
	default:
		if port.EndPort != nil {
			errs = append(errs, field.Invalid(fld.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
		}
		for _, msg := range validation.IsValidPortName(port.Port.StrVal) {
			errs = append(errs, field.Invalid(fld.Child("port"), port.Port.StrVal, msg))
		}
	}
	return errs
}

func validateNumericPort(port int32, endPort *int32, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		errs = append(errs, field.Invalid(fld.Child("port"), port, msg))
	}
	if endPort == nil {
		return errs
	}
	if *endPort < port {
		errs = append(errs, field.Invalid(fld.Child("endPort"), port, "must be greater than or equal to `port`"))
	}
	for _, msg := range validation.IsValidPortNum(int(*endPort)) {
		errs = append(errs, field.Invalid(fld.Child("endPort"), *endPort, msg))
	}
	return errs
}

func validatePolicyPeer(peer *networkingv1.NetworkPolicyPeer, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if peer.PodSelector != nil {
		n++
		errs = append(errs, metav1validation.ValidateLabelSelector(peer.PodSelector, selectorOpts, fld.Child("podSelector"))...)
	}
	if peer.NamespaceSelector != nil {
		n++
		errs = append(errs, metav1validation.ValidateLabelSelector(peer.NamespaceSelector, selectorOpts, fld.Child("namespaceSelector"))...)
	}
	if peer.IPBlock != nil {
		n++
		errs = append(errs, validateIPBlock(peer.IPBlock, fld.Child("ipBlock"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Required(fld, "must specify a peer"))
	case n > 1 && peer.IPBlock != nil:
		errs = append(errs, field.Forbidden(fld, "may not specify both ipBlock and another peer"))
	}
	return errs
}

// validateIPBlock checks the CIDR and that every exception lies strictly
// inside it.
func validateIPBlock(b *networkingv1.IPBlock, fld *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(fld.Child("cidr"), "")}
	}
	errs := validation.IsValidCIDR(fld.Child("cidr"), b.CIDR)
	_, outer, err := net.ParseCIDR(b.CIDR)
	if err != nil {
		return errs
	}
	outerBits, _ := outer.Mask.Size()
	for i, ex := range b.Except {
		p := fld.Child("except").Index(i)
		exErrs := validation.IsValidCIDR(p, ex)
		errs = append(errs, exErrs...)
		if len(exErrs) > 0 {
			continue
		}
		_, inner, _ := net.ParseCIDR(ex)
		innerBits, _ := inner.Mask.Size()
		if !outer.Contains(inner.IP) || innerBits <= outerBits {
			errs = append(errs, field.Invalid(p, inner.String(), "must be a strict subset of `cidr`"))
		}
	}
	return errs
}
