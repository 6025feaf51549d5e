package bench

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Short names keep the generic instantiations in objects.go readable.
type (
	podT           = corev1.Pod
	podListT       = corev1.PodList
	configMapT     = corev1.ConfigMap
	configMapListT = corev1.ConfigMapList
)

const (
	// labelApp marks every object the benchmark creates.
	labelApp = "app.kubernetes.io/name"
	appName  = "skiff-bench"
	// labelRun tells one run's objects from another's kept ones.
	labelRun = "bench.skiff.dev/run"
	// annotationSeq carries a write's sequence number so the watcher can
	// match an event to the write that caused it.
	annotationSeq = "bench.skiff.dev/seq"
)

func benchMeta(name, runID string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:   name,
		Labels: map[string]string{labelApp: appName, labelRun: runID, "tier": "web"},
	}
}

// newPod is a small but realistic pod: one container with an image, a
// port, resource requests and limits, an env var and a readiness probe,
// about the size of a typical Deployment's pod (~1 KiB of JSON).
func newPod(name, runID string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: benchMeta(name, runID),
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "web",
				Image: "docker.io/library/nginx:1.27",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
				Env:   []corev1.EnvVar{{Name: "MODE", Value: "bench"}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}},
				},
			}},
		},
	}
}

// newConfigMap holds a small config file, about the size of a pod.
func newConfigMap(name, runID string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: benchMeta(name, runID),
		Data: map[string]string{
			"mode":        "bench",
			"server.conf": "listen 80;\nserver_name bench.example;\nlocation / { root /usr/share/nginx/html; }\n",
		},
	}
}
