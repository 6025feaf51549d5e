package openapi

import "reflect"

// Kubernetes marks a field required when its json tag lacks omitempty and
// its comment lacks +optional. Comments are gone at run time, so this table
// lists the fields of k8s.io/api and apimachinery that are +optional without
// omitempty (Event.reportingComponent, Role.rules, ...), keyed
// "<package>.<Type>.<json name>". TestOptionalTableMatchesSources re-derives
// it from the module sources, so a dependency bump that adds one fails there.
var optionalWithoutOmitempty = map[string]bool{
	"k8s.io/api/apps/v1.StatefulSetOrdinals.start":                                              true,
	"k8s.io/api/apps/v1.StatefulSetStatus.availableReplicas":                                    true,
	"k8s.io/api/apps/v1beta1.StatefulSetOrdinals.start":                                         true,
	"k8s.io/api/apps/v1beta1.StatefulSetStatus.availableReplicas":                               true,
	"k8s.io/api/apps/v1beta2.StatefulSetOrdinals.start":                                         true,
	"k8s.io/api/apps/v1beta2.StatefulSetStatus.availableReplicas":                               true,
	"k8s.io/api/authentication/v1.TokenRequestSpec.boundObjectRef":                              true,
	"k8s.io/api/authentication/v1.TokenRequestSpec.expirationSeconds":                           true,
	"k8s.io/api/autoscaling/v2.HorizontalPodAutoscalerStatus.currentMetrics":                    true,
	"k8s.io/api/autoscaling/v2beta1.HorizontalPodAutoscalerStatus.conditions":                   true,
	"k8s.io/api/autoscaling/v2beta1.HorizontalPodAutoscalerStatus.currentMetrics":               true,
	"k8s.io/api/autoscaling/v2beta2.HorizontalPodAutoscalerStatus.conditions":                   true,
	"k8s.io/api/autoscaling/v2beta2.HorizontalPodAutoscalerStatus.currentMetrics":               true,
	"k8s.io/api/certificates/v1beta1.CertificateSigningRequestCondition.status":                 true,
	"k8s.io/api/core/v1.AzureFilePersistentVolumeSource.secretNamespace":                        true,
	"k8s.io/api/core/v1.ContainerImage.names":                                                   true,
	"k8s.io/api/core/v1.Event.reportingComponent":                                               true,
	"k8s.io/api/core/v1.Event.reportingInstance":                                                true,
	"k8s.io/api/core/v1.GRPCAction.service":                                                     true,
	"k8s.io/api/core/v1.NodeRuntimeHandler.name":                                                true,
	"k8s.io/api/core/v1.ProjectedVolumeSource.sources":                                          true,
	"k8s.io/api/core/v1.TypedLocalObjectReference.apiGroup":                                     true,
	"k8s.io/api/core/v1.TypedObjectReference.apiGroup":                                          true,
	"k8s.io/api/discovery/v1.EndpointSlice.ports":                                               true,
	"k8s.io/api/discovery/v1beta1.EndpointSlice.ports":                                          true,
	"k8s.io/api/flowcontrol/v1.FlowSchemaSpec.matchingPrecedence":                               true,
	"k8s.io/api/flowcontrol/v1.LimitedPriorityLevelConfiguration.nominalConcurrencyShares":      true,
	"k8s.io/api/flowcontrol/v1.QueuingConfiguration.handSize":                                   true,
	"k8s.io/api/flowcontrol/v1.QueuingConfiguration.queueLengthLimit":                           true,
	"k8s.io/api/flowcontrol/v1.QueuingConfiguration.queues":                                     true,
	"k8s.io/api/flowcontrol/v1.ResourcePolicyRule.namespaces":                                   true,
	"k8s.io/api/flowcontrol/v1beta1.FlowSchemaSpec.matchingPrecedence":                          true,
	"k8s.io/api/flowcontrol/v1beta1.LimitedPriorityLevelConfiguration.assuredConcurrencyShares": true,
	"k8s.io/api/flowcontrol/v1beta1.QueuingConfiguration.handSize":                              true,
	"k8s.io/api/flowcontrol/v1beta1.QueuingConfiguration.queueLengthLimit":                      true,
	"k8s.io/api/flowcontrol/v1beta1.QueuingConfiguration.queues":                                true,
	"k8s.io/api/flowcontrol/v1beta1.ResourcePolicyRule.namespaces":                              true,
	"k8s.io/api/flowcontrol/v1beta2.FlowSchemaSpec.matchingPrecedence":                          true,
	"k8s.io/api/flowcontrol/v1beta2.LimitedPriorityLevelConfiguration.assuredConcurrencyShares": true,
	"k8s.io/api/flowcontrol/v1beta2.QueuingConfiguration.handSize":                              true,
	"k8s.io/api/flowcontrol/v1beta2.QueuingConfiguration.queueLengthLimit":                      true,
	"k8s.io/api/flowcontrol/v1beta2.QueuingConfiguration.queues":                                true,
	"k8s.io/api/flowcontrol/v1beta2.ResourcePolicyRule.namespaces":                              true,
	"k8s.io/api/flowcontrol/v1beta3.FlowSchemaSpec.matchingPrecedence":                          true,
	"k8s.io/api/flowcontrol/v1beta3.LimitedPriorityLevelConfiguration.nominalConcurrencyShares": true,
	"k8s.io/api/flowcontrol/v1beta3.QueuingConfiguration.handSize":                              true,
	"k8s.io/api/flowcontrol/v1beta3.QueuingConfiguration.queueLengthLimit":                      true,
	"k8s.io/api/flowcontrol/v1beta3.QueuingConfiguration.queues":                                true,
	"k8s.io/api/flowcontrol/v1beta3.ResourcePolicyRule.namespaces":                              true,
	"k8s.io/api/networking/v1.IngressClassParametersReference.scope":                            true,
	"k8s.io/api/rbac/v1.ClusterRole.rules":                                                      true,
	"k8s.io/api/rbac/v1.Role.rules":                                                             true,
	"k8s.io/api/rbac/v1alpha1.ClusterRole.rules":                                                true,
	"k8s.io/api/rbac/v1alpha1.Role.rules":                                                       true,
	"k8s.io/api/rbac/v1beta1.ClusterRole.rules":                                                 true,
	"k8s.io/api/rbac/v1beta1.Role.rules":                                                        true,
	"k8s.io/api/resource/v1alpha3.AllocatedDeviceStatus.conditions":                             true,
	"k8s.io/api/resource/v1alpha3.DeviceClaim.requests":                                         true,
	"k8s.io/api/resource/v1alpha3.DeviceRequestAllocationResult.adminAccess":                    true,
	"k8s.io/api/resource/v1alpha3.ResourceClaimSpec.devices":                                    true,
	"k8s.io/api/resource/v1alpha3.ResourceSliceSpec.devices":                                    true,
	"k8s.io/api/resource/v1beta1.AllocatedDeviceStatus.conditions":                              true,
	"k8s.io/api/resource/v1beta1.DeviceClaim.requests":                                          true,
	"k8s.io/api/resource/v1beta1.DeviceRequestAllocationResult.adminAccess":                     true,
	"k8s.io/api/resource/v1beta1.ResourceClaimSpec.devices":                                     true,
	"k8s.io/api/resource/v1beta1.ResourceSliceSpec.devices":                                     true,
	"k8s.io/api/storage/v1.CSINodeDriver.topologyKeys":                                          true,
	"k8s.io/api/storage/v1beta1.CSINodeDriver.topologyKeys":                                     true,
}

// isRequired applies Kubernetes' rule to one struct field of owner.
// metadata, spec and status are never required, whatever their tags say
// (Event's metadata has no omitempty): a manifest may always leave them
// out and let the server judge. apiVersion and kind follow the rule: they
// are omitempty in TypeMeta and required in references (OwnerReference).
func isRequired(owner reflect.Type, jsonName string, omitempty bool) bool {
	switch {
	case omitempty, jsonName == "metadata", jsonName == "spec", jsonName == "status":
		return false
	}
	return !optionalWithoutOmitempty[owner.PkgPath()+"."+owner.Name()+"."+jsonName]
}
