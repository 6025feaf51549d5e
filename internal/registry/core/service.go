package core

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

func serviceResource() resource.Resource {
	r := newResource("services", "Service", true,
		func() runtime.Object { return &corev1.Service{} },
		func() runtime.Object { return &corev1.ServiceList{} },
		serviceStrategy{})
	r.ShortNames = []string{"svc"}
	r.Categories = []string{"all"}
	r.Status = true
	r.ValidateName = apivalidation.NameIsDNS1035Label
	return r
}

// serviceStrategy holds the rules of services. Cluster IPs and node
// ports are allocated elsewhere; this only defaults, keeps and checks them.
type serviceStrategy struct{}

var _ resource.Strategy = serviceStrategy{}

// sessionAffinityTimeout is the default ClientIP affinity timeout (3h).
const sessionAffinityTimeout = int32(10800)

func (serviceStrategy) Default(obj runtime.Object) {
	defaultService(obj.(*corev1.Service))
}

func defaultService(svc *corev1.Service) {
	spec := &svc.Spec
	if spec.SessionAffinity == "" {
		spec.SessionAffinity = corev1.ServiceAffinityNone
	}
	if spec.SessionAffinity == corev1.ServiceAffinityClientIP && spec.SessionAffinityConfig == nil {
		t := sessionAffinityTimeout
		spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: &t}}
	}
	if spec.Type == "" {
		spec.Type = corev1.ServiceTypeClusterIP
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if (spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer) && spec.ExternalTrafficPolicy == "" {
		spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if spec.Type != corev1.ServiceTypeExternalName && spec.InternalTrafficPolicy == nil {
		p := corev1.ServiceInternalTrafficPolicyCluster
		spec.InternalTrafficPolicy = &p
	}
	if spec.Type == corev1.ServiceTypeLoadBalancer && spec.AllocateLoadBalancerNodePorts == nil {
		v := true
		spec.AllocateLoadBalancerNodePorts = &v
	}
	defaultServiceIPFields(spec)
}

// defaultServiceIPFields fills the address family fields for this
// single-stack IPv4 cluster. Headless services without a selector ask for
// every family the cluster has, as Kubernetes does.
func defaultServiceIPFields(spec *corev1.ServiceSpec) {
	if spec.Type == corev1.ServiceTypeExternalName {
		return
	}
	if spec.ClusterIP != "" && len(spec.ClusterIPs) == 0 {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
	if spec.IPFamilyPolicy == nil {
		p := corev1.IPFamilyPolicySingleStack
		if spec.ClusterIP == corev1.ClusterIPNone && len(spec.Selector) == 0 {
			p = corev1.IPFamilyPolicyRequireDualStack
		}
		spec.IPFamilyPolicy = &p
	}
	if len(spec.IPFamilies) == 0 {
		spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
}

// PrepareForCreate clears the status: load balancers are reported by
// their controllers.
func (serviceStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*corev1.Service).Status = corev1.ServiceStatus{}
}

// PrepareForUpdate keeps allocated values a client left out (kubectl
// apply and replace send services without clusterIP or nodePort), and
// drops those the new type no longer uses.
func (serviceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	svc, prev := obj.(*corev1.Service), old.(*corev1.Service)
	keepAllocatedValues(svc, prev)
	dropTypeDependentFields(svc, prev)
}

func (serviceStrategy) Validate(obj runtime.Object) field.ErrorList {
	return validateService(obj.(*corev1.Service))
}

func (serviceStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	svc, prev := obj.(*corev1.Service), old.(*corev1.Service)
	errs := validateService(svc)
	return append(errs, validateServiceUpdate(svc, prev)...)
}

func (serviceStrategy) Columns() []metav1.TableColumnDefinition { return serviceColumns() }

func (serviceStrategy) Cells(obj runtime.Object) []interface{} {
	return serviceCells(obj.(*corev1.Service))
}

func (serviceStrategy) Fields(runtime.Object) fields.Set { return fields.Set{} }
