package openapi

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff/skiff/internal/registry/resource"
)

// res builds a test resource; flags: "ns" namespaced, "status", "scale".
func res(gv schema.GroupVersion, plural, kind string, obj, list runtime.Object, flags ...string) resource.Resource {
	r := resource.Resource{
		GVR:     gv.WithResource(plural),
		Kind:    kind,
		New:     func() runtime.Object { return obj.DeepCopyObject() },
		NewList: func() runtime.Object { return list.DeepCopyObject() },
	}
	for _, f := range flags {
		switch f {
		case "ns":
			r.Namespaced = true
		case "status":
			r.Status = true
		case "scale":
			r.Scale = &resource.Scale{SpecReplicas: "spec.replicas", StatusReplicas: "status.replicas", Selector: "spec.selector"}
		}
	}
	return r
}

// smallResources is the fixed set most tests use.
func smallResources() []resource.Resource {
	core, apps := corev1.SchemeGroupVersion, appsv1.SchemeGroupVersion
	return []resource.Resource{
		res(core, "pods", "Pod", &corev1.Pod{}, &corev1.PodList{}, "ns", "status"),
		res(core, "configmaps", "ConfigMap", &corev1.ConfigMap{}, &corev1.ConfigMapList{}, "ns"),
		res(core, "namespaces", "Namespace", &corev1.Namespace{}, &corev1.NamespaceList{}, "status"),
		res(apps, "deployments", "Deployment", &appsv1.Deployment{}, &appsv1.DeploymentList{}, "ns", "status", "scale"),
	}
}

// allResources approximates the ~70 resources skiff serves, for the
// benchmark and the whole-API checks.
func allResources() []resource.Resource {
	core := corev1.SchemeGroupVersion
	apps := appsv1.SchemeGroupVersion
	rbac := rbacv1.SchemeGroupVersion
	net := networkingv1.SchemeGroupVersion
	storage := storagev1.SchemeGroupVersion
	adm := admissionregistrationv1.SchemeGroupVersion
	return []resource.Resource{
		res(core, "pods", "Pod", &corev1.Pod{}, &corev1.PodList{}, "ns", "status"),
		res(core, "configmaps", "ConfigMap", &corev1.ConfigMap{}, &corev1.ConfigMapList{}, "ns"),
		res(core, "secrets", "Secret", &corev1.Secret{}, &corev1.SecretList{}, "ns"),
		res(core, "services", "Service", &corev1.Service{}, &corev1.ServiceList{}, "ns", "status"),
		res(core, "endpoints", "Endpoints", &corev1.Endpoints{}, &corev1.EndpointsList{}, "ns"),
		res(core, "namespaces", "Namespace", &corev1.Namespace{}, &corev1.NamespaceList{}, "status"),
		res(core, "nodes", "Node", &corev1.Node{}, &corev1.NodeList{}, "status"),
		res(core, "events", "Event", &corev1.Event{}, &corev1.EventList{}, "ns"),
		res(core, "serviceaccounts", "ServiceAccount", &corev1.ServiceAccount{}, &corev1.ServiceAccountList{}, "ns"),
		res(core, "persistentvolumes", "PersistentVolume", &corev1.PersistentVolume{}, &corev1.PersistentVolumeList{}, "status"),
		res(core, "persistentvolumeclaims", "PersistentVolumeClaim", &corev1.PersistentVolumeClaim{}, &corev1.PersistentVolumeClaimList{}, "ns", "status"),
		res(core, "replicationcontrollers", "ReplicationController", &corev1.ReplicationController{}, &corev1.ReplicationControllerList{}, "ns", "status", "scale"),
		res(core, "resourcequotas", "ResourceQuota", &corev1.ResourceQuota{}, &corev1.ResourceQuotaList{}, "ns", "status"),
		res(core, "limitranges", "LimitRange", &corev1.LimitRange{}, &corev1.LimitRangeList{}, "ns"),
		res(core, "podtemplates", "PodTemplate", &corev1.PodTemplate{}, &corev1.PodTemplateList{}, "ns"),
		res(apps, "deployments", "Deployment", &appsv1.Deployment{}, &appsv1.DeploymentList{}, "ns", "status", "scale"),
		res(apps, "replicasets", "ReplicaSet", &appsv1.ReplicaSet{}, &appsv1.ReplicaSetList{}, "ns", "status", "scale"),
		res(apps, "statefulsets", "StatefulSet", &appsv1.StatefulSet{}, &appsv1.StatefulSetList{}, "ns", "status", "scale"),
		res(apps, "daemonsets", "DaemonSet", &appsv1.DaemonSet{}, &appsv1.DaemonSetList{}, "ns", "status"),
		res(apps, "controllerrevisions", "ControllerRevision", &appsv1.ControllerRevision{}, &appsv1.ControllerRevisionList{}, "ns"),
		res(batchv1.SchemeGroupVersion, "jobs", "Job", &batchv1.Job{}, &batchv1.JobList{}, "ns", "status"),
		res(batchv1.SchemeGroupVersion, "cronjobs", "CronJob", &batchv1.CronJob{}, &batchv1.CronJobList{}, "ns", "status"),
		res(autoscalingv1.SchemeGroupVersion, "horizontalpodautoscalers", "HorizontalPodAutoscaler", &autoscalingv1.HorizontalPodAutoscaler{}, &autoscalingv1.HorizontalPodAutoscalerList{}, "ns", "status"),
		res(autoscalingv2.SchemeGroupVersion, "horizontalpodautoscalers", "HorizontalPodAutoscaler", &autoscalingv2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscalerList{}, "ns", "status"),
		res(coordinationv1.SchemeGroupVersion, "leases", "Lease", &coordinationv1.Lease{}, &coordinationv1.LeaseList{}, "ns"),
		res(discoveryv1.SchemeGroupVersion, "endpointslices", "EndpointSlice", &discoveryv1.EndpointSlice{}, &discoveryv1.EndpointSliceList{}, "ns"),
		res(eventsv1.SchemeGroupVersion, "events", "Event", &eventsv1.Event{}, &eventsv1.EventList{}, "ns"),
		res(net, "ingresses", "Ingress", &networkingv1.Ingress{}, &networkingv1.IngressList{}, "ns", "status"),
		res(net, "ingressclasses", "IngressClass", &networkingv1.IngressClass{}, &networkingv1.IngressClassList{}),
		res(net, "networkpolicies", "NetworkPolicy", &networkingv1.NetworkPolicy{}, &networkingv1.NetworkPolicyList{}, "ns"),
		res(policyv1.SchemeGroupVersion, "poddisruptionbudgets", "PodDisruptionBudget", &policyv1.PodDisruptionBudget{}, &policyv1.PodDisruptionBudgetList{}, "ns", "status"),
		res(rbac, "roles", "Role", &rbacv1.Role{}, &rbacv1.RoleList{}, "ns"),
		res(rbac, "rolebindings", "RoleBinding", &rbacv1.RoleBinding{}, &rbacv1.RoleBindingList{}, "ns"),
		res(rbac, "clusterroles", "ClusterRole", &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleList{}),
		res(rbac, "clusterrolebindings", "ClusterRoleBinding", &rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBindingList{}),
		res(schedulingv1.SchemeGroupVersion, "priorityclasses", "PriorityClass", &schedulingv1.PriorityClass{}, &schedulingv1.PriorityClassList{}),
		res(storage, "storageclasses", "StorageClass", &storagev1.StorageClass{}, &storagev1.StorageClassList{}),
		res(storage, "volumeattachments", "VolumeAttachment", &storagev1.VolumeAttachment{}, &storagev1.VolumeAttachmentList{}, "status"),
		res(storage, "csidrivers", "CSIDriver", &storagev1.CSIDriver{}, &storagev1.CSIDriverList{}),
		res(storage, "csinodes", "CSINode", &storagev1.CSINode{}, &storagev1.CSINodeList{}),
		res(storage, "csistoragecapacities", "CSIStorageCapacity", &storagev1.CSIStorageCapacity{}, &storagev1.CSIStorageCapacityList{}, "ns"),
		res(certificatesv1.SchemeGroupVersion, "certificatesigningrequests", "CertificateSigningRequest", &certificatesv1.CertificateSigningRequest{}, &certificatesv1.CertificateSigningRequestList{}, "status"),
		res(nodev1.SchemeGroupVersion, "runtimeclasses", "RuntimeClass", &nodev1.RuntimeClass{}, &nodev1.RuntimeClassList{}),
		res(adm, "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", &admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.MutatingWebhookConfigurationList{}),
		res(adm, "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", &admissionregistrationv1.ValidatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfigurationList{}),
		res(adm, "validatingadmissionpolicies", "ValidatingAdmissionPolicy", &admissionregistrationv1.ValidatingAdmissionPolicy{}, &admissionregistrationv1.ValidatingAdmissionPolicyList{}, "status"),
		res(adm, "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}, &admissionregistrationv1.ValidatingAdmissionPolicyBindingList{}),
		res(flowcontrolv1.SchemeGroupVersion, "flowschemas", "FlowSchema", &flowcontrolv1.FlowSchema{}, &flowcontrolv1.FlowSchemaList{}, "status"),
		res(flowcontrolv1.SchemeGroupVersion, "prioritylevelconfigurations", "PriorityLevelConfiguration", &flowcontrolv1.PriorityLevelConfiguration{}, &flowcontrolv1.PriorityLevelConfigurationList{}, "status"),
	}
}
