package endpoints

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// WatchServicesAndPods wires the handlers both endpoint controllers need:
// a service change queues the service (enqueue takes the object), and a
// pod change queues every service that selects the pod before or after
// the change (add takes "namespace/name"). Pod updates that change
// nothing an endpoint shows are dropped, which matters with thousands of
// pods.
func WatchServicesAndPods(f informers.SharedInformerFactory, services corelisters.ServiceLister, enqueue func(any), add func(string)) error {
	core := f.Core().V1()
	if _, err := core.Services().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return fmt.Errorf("watch services: %w", err)
	}
	queuePod := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if pod, ok := obj.(*corev1.Pod); ok {
			for _, svc := range ServicesFor(services, pod) {
				add(svc.Namespace + "/" + svc.Name)
			}
		}
	}
	_, err := core.Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: queuePod,
		UpdateFunc: func(oldObj, newObj any) {
			old, cur := oldObj.(*corev1.Pod), newObj.(*corev1.Pod)
			if !endpointRelevantChange(old, cur) {
				return
			}
			queuePod(old)
			queuePod(cur)
		},
		DeleteFunc: queuePod,
	})
	if err != nil {
		return fmt.Errorf("watch pods: %w", err)
	}
	return nil
}

// endpointRelevantChange reports whether a pod update can change any
// endpoint: its labels, IP, node, readiness, phase, deletion, hostname or
// ports.
func endpointRelevantChange(old, cur *corev1.Pod) bool {
	return old.Status.PodIP != cur.Status.PodIP ||
		old.Spec.NodeName != cur.Spec.NodeName ||
		Ready(old) != Ready(cur) ||
		old.Status.Phase != cur.Status.Phase ||
		(old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) ||
		old.Spec.Hostname != cur.Spec.Hostname || old.Spec.Subdomain != cur.Spec.Subdomain ||
		!equality.Semantic.DeepEqual(old.Labels, cur.Labels) ||
		!equality.Semantic.DeepEqual(old.Spec.Containers, cur.Spec.Containers)
}
