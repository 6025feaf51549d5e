package networking

import (
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// IngressStrategy holds the rules of networking.k8s.io/v1 ingresses. The
// status (load balancer addresses) belongs to the ingress controller.
type IngressStrategy struct{ resource.Base }

func (IngressStrategy) PrepareForCreate(obj runtime.Object) {
	ing := obj.(*networkingv1.Ingress)
	ing.Status = networkingv1.IngressStatus{}
	ing.Generation = 1
}

func (IngressStrategy) PrepareForUpdate(obj, old runtime.Object) {
	ing, prev := obj.(*networkingv1.Ingress), old.(*networkingv1.Ingress)
	bumpGeneration(&ing.ObjectMeta, prev.ObjectMeta, ing.Spec, prev.Spec)
}

// ingressClassAnnotation is the pre-IngressClass way to name a class; on
// create it must agree with spec.ingressClassName when both are set.
const ingressClassAnnotation = "kubernetes.io/ingress.class"

func (IngressStrategy) Validate(obj runtime.Object) field.ErrorList {
	ing := obj.(*networkingv1.Ingress)
	errs := validateIngressSpec(&ing.Spec, field.NewPath("spec"))
	if v, ok := ing.Annotations[ingressClassAnnotation]; ok && ing.Spec.IngressClassName != nil && v != *ing.Spec.IngressClassName {
		p := field.NewPath("annotations").Child(ingressClassAnnotation)
		errs = append(errs, field.Invalid(p, v, "must match `ingressClassName` when both are specified"))
	}
	return errs
}

func (IngressStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return validateIngressSpec(&obj.(*networkingv1.Ingress).Spec, field.NewPath("spec"))
}

// ValidateStatusUpdate checks the load balancer addresses a controller
// reports.
func (IngressStrategy) ValidateStatusUpdate(obj, _ runtime.Object) field.ErrorList {
	lb := obj.(*networkingv1.Ingress).Status.LoadBalancer
	return validateLoadBalancerStatus(lb, field.NewPath("status", "loadBalancer"))
}

func (IngressStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("Class", "The name of the IngressClass resource that should be used for additional configuration", 0),
		resource.Column("Hosts", "Hosts that incoming requests are matched against before the ingress rule", 0),
		resource.Column("Address", "Address is a list containing ingress points for the load-balancer", 0),
		resource.Column("Ports", "Ports of TLS configurations that open", 0),
		resource.AgeColumn,
	}
}

func (IngressStrategy) Cells(obj runtime.Object) []interface{} {
	ing := obj.(*networkingv1.Ingress)
	class := "<none>"
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	ports := "80"
	if len(ing.Spec.TLS) != 0 {
		ports = "80, 443"
	}
	// The server renders tables for -o wide too, so addresses are not
	// clipped here.
	return []interface{}{class, ingressHosts(ing.Spec.Rules), ingressAddresses(ing.Status.LoadBalancer), ports, resource.Age(ing)}
}

// ingressHosts lists the first three rule hosts, "*" when no rule names
// one. Once three are listed any further rule counts as "more", as
// kubectl users know it.
func ingressHosts(rules []networkingv1.IngressRule) string {
	const max = 3
	var hosts []string
	more := false
	for _, r := range rules {
		if len(hosts) == max {
			more = true
		}
		if !more && r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		return "*"
	}
	s := strings.Join(hosts, ",")
	if more {
		s = fmt.Sprintf("%s + %d more...", s, len(rules)-max)
	}
	return s
}

// ingressAddresses is the sorted, de-duplicated set of IPs (or hostnames
// where there is no IP) of the load balancer.
func ingressAddresses(lb networkingv1.IngressLoadBalancerStatus) string {
	seen := map[string]bool{}
	var out []string
	for _, in := range lb.Ingress {
		a := in.IP
		if a == "" {
			a = in.Hostname
		}
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
