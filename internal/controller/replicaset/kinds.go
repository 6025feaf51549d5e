package replicaset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// owner is the view of a ReplicaSet or ReplicationController the core
// works on. Status uses the ReplicaSet shape; the RC adapter converts.
type owner struct {
	obj             object
	replicas        int32
	minReadySeconds int32
	selector        labels.Selector
	template        *corev1.PodTemplateSpec
	status          appsv1.ReplicaSetStatus
}

// kind adapts one owner resource to the core.
type kind interface {
	gvk() schema.GroupVersionKind
	informer() cache.SharedIndexInformer
	get(namespace, name string) (*owner, error)
	list(namespace string) ([]*owner, error)
	fresh(ctx context.Context, namespace, name string) (metav1.Object, error)
	updateStatus(ctx context.Context, o *owner, st appsv1.ReplicaSetStatus) error
	toOwner(obj any) (*owner, bool)
}

type rsKind struct {
	client kubernetes.Interface
	inf    cache.SharedIndexInformer
	lister appslisters.ReplicaSetLister
}

func newRSKind(client kubernetes.Interface, f informers.SharedInformerFactory) *rsKind {
	i := f.Apps().V1().ReplicaSets()
	return &rsKind{client: client, inf: i.Informer(), lister: i.Lister()}
}

func (k *rsKind) gvk() schema.GroupVersionKind {
	return appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
}
func (k *rsKind) informer() cache.SharedIndexInformer { return k.inf }

func (k *rsKind) toOwner(obj any) (*owner, bool) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil, false
	}
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		sel = labels.Nothing()
	}
	return &owner{
		obj: rs, replicas: ptr.Deref(rs.Spec.Replicas, 1), minReadySeconds: rs.Spec.MinReadySeconds,
		selector: sel, template: &rs.Spec.Template, status: rs.Status,
	}, true
}

func (k *rsKind) get(ns, name string) (*owner, error) {
	rs, err := k.lister.ReplicaSets(ns).Get(name)
	if err != nil {
		return nil, err
	}
	o, _ := k.toOwner(rs)
	return o, nil
}

func (k *rsKind) list(ns string) ([]*owner, error) {
	all, err := k.lister.ReplicaSets(ns).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	out := make([]*owner, 0, len(all))
	for _, rs := range all {
		o, _ := k.toOwner(rs)
		out = append(out, o)
	}
	return out, nil
}

func (k *rsKind) fresh(ctx context.Context, ns, name string) (metav1.Object, error) {
	return k.client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (k *rsKind) updateStatus(ctx context.Context, o *owner, st appsv1.ReplicaSetStatus) error {
	rs := o.obj.(*appsv1.ReplicaSet).DeepCopy()
	rs.Status = st
	_, err := k.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status of replicaset %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	return nil
}

type rcKind struct {
	client kubernetes.Interface
	inf    cache.SharedIndexInformer
	lister corelisters.ReplicationControllerLister
}

func newRCKind(client kubernetes.Interface, f informers.SharedInformerFactory) *rcKind {
	i := f.Core().V1().ReplicationControllers()
	return &rcKind{client: client, inf: i.Informer(), lister: i.Lister()}
}

func (k *rcKind) gvk() schema.GroupVersionKind {
	return corev1.SchemeGroupVersion.WithKind("ReplicationController")
}
func (k *rcKind) informer() cache.SharedIndexInformer { return k.inf }

func (k *rcKind) toOwner(obj any) (*owner, bool) {
	rc, ok := obj.(*corev1.ReplicationController)
	if !ok {
		return nil, false
	}
	sel := labels.Nothing()
	if len(rc.Spec.Selector) > 0 {
		sel = labels.SelectorFromSet(rc.Spec.Selector)
	}
	return &owner{
		obj: rc, replicas: ptr.Deref(rc.Spec.Replicas, 1), minReadySeconds: rc.Spec.MinReadySeconds,
		selector: sel, template: rc.Spec.Template, status: rcStatusToRS(rc.Status),
	}, true
}

func (k *rcKind) get(ns, name string) (*owner, error) {
	rc, err := k.lister.ReplicationControllers(ns).Get(name)
	if err != nil {
		return nil, err
	}
	o, _ := k.toOwner(rc)
	return o, nil
}

func (k *rcKind) list(ns string) ([]*owner, error) {
	all, err := k.lister.ReplicationControllers(ns).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	out := make([]*owner, 0, len(all))
	for _, rc := range all {
		o, _ := k.toOwner(rc)
		out = append(out, o)
	}
	return out, nil
}

func (k *rcKind) fresh(ctx context.Context, ns, name string) (metav1.Object, error) {
	return k.client.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
}

func (k *rcKind) updateStatus(ctx context.Context, o *owner, st appsv1.ReplicaSetStatus) error {
	rc := o.obj.(*corev1.ReplicationController).DeepCopy()
	rc.Status = rsStatusToRC(st)
	_, err := k.client.CoreV1().ReplicationControllers(rc.Namespace).UpdateStatus(ctx, rc, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update status of replicationcontroller %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	return nil
}

func rcStatusToRS(s corev1.ReplicationControllerStatus) appsv1.ReplicaSetStatus {
	out := appsv1.ReplicaSetStatus{
		Replicas: s.Replicas, FullyLabeledReplicas: s.FullyLabeledReplicas, ReadyReplicas: s.ReadyReplicas,
		AvailableReplicas: s.AvailableReplicas, ObservedGeneration: s.ObservedGeneration,
	}
	for _, c := range s.Conditions {
		out.Conditions = append(out.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return out
}

func rsStatusToRC(s appsv1.ReplicaSetStatus) corev1.ReplicationControllerStatus {
	out := corev1.ReplicationControllerStatus{
		Replicas: s.Replicas, FullyLabeledReplicas: s.FullyLabeledReplicas, ReadyReplicas: s.ReadyReplicas,
		AvailableReplicas: s.AvailableReplicas, ObservedGeneration: s.ObservedGeneration,
	}
	for _, c := range s.Conditions {
		out.Conditions = append(out.Conditions, corev1.ReplicationControllerCondition{
			Type: corev1.ReplicationControllerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return out
}

// object is both what the API returns and what events are recorded on.
type object interface {
	metav1.Object
	runtime.Object
}
