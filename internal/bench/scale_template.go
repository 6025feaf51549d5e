package bench

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// labelDeployment tells one scale Deployment's pods from another's.
const labelDeployment = "bench.skiff.dev/deployment"

// newScaleDeployment is Deployment i of a scale run: a web server's usual
// shape (one container, a port, small requests, a memory limit, a readiness
// probe). Its pods carry the run's label so the tracker sees only them.
func newScaleDeployment(i int, replicas int32, runID string, cpu, memory resource.Quantity) *appsv1.Deployment {
	name := fmt.Sprintf("scale-%s-%03d", runID, i)
	labels := map[string]string{labelApp: appName, labelRun: runID, labelDeployment: name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{labelRun: runID, labelDeployment: name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       scalePodSpec(cpu, memory),
			},
		},
	}
}

func scalePodSpec(cpu, memory resource.Quantity) corev1.PodSpec {
	grace := int64(5)
	return corev1.PodSpec{
		TerminationGracePeriodSeconds: &grace,
		Containers: []corev1.Container{{
			Name:  "web",
			Image: "docker.io/library/nginx:1.27",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
			Env:   []corev1.EnvVar{{Name: "MODE", Value: "scale"}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: memory},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: memory},
			},
			ReadinessProbe: &corev1.Probe{
				ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
			},
		}},
	}
}
