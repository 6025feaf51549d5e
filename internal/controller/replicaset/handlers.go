package replicaset

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff/skiff/internal/controller/podcontrol"
)

// register wires the informer handlers; they only enqueue keys and count
// observed creations and deletions.
func (c *Controller) register() error {
	if _, err := c.kind.informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.loop.Enqueue,
		UpdateFunc: func(_, cur any) { c.loop.Enqueue(cur) },
		DeleteFunc: c.ownerDeleted,
	}); err != nil {
		return fmt.Errorf("owner handler: %w", err)
	}
	if _, err := c.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.podAdded, UpdateFunc: c.podUpdated, DeleteFunc: c.podDeleted,
	}); err != nil {
		return fmt.Errorf("pod handler: %w", err)
	}
	return nil
}

func (c *Controller) ownerDeleted(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.exp.Delete(key)
	}
	c.loop.Enqueue(obj)
}

// ownerKey resolves a controller reference to the key of one of our
// owners, or "" if it is not ours or the owner is gone.
func (c *Controller) ownerKey(ns string, ref *metav1.OwnerReference) (*owner, string) {
	if ref == nil || ref.Kind != c.kind.gvk().Kind {
		return nil, ""
	}
	o, err := c.kind.get(ns, ref.Name)
	if err != nil || o.obj.GetUID() != ref.UID {
		return nil, ""
	}
	return o, ns + "/" + ref.Name
}

func (c *Controller) podAdded(obj any) {
	p := obj.(*corev1.Pod)
	if p.DeletionTimestamp != nil {
		c.podDeleted(p)
		return
	}
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
		if _, key := c.ownerKey(p.Namespace, ref); key != "" {
			c.exp.CreationObserved(key)
			c.loop.Add(key)
		}
		return
	}
	c.enqueueMatching(p)
}

func (c *Controller) podUpdated(old, cur any) {
	op, np := old.(*corev1.Pod), cur.(*corev1.Pod)
	if op.ResourceVersion == np.ResourceVersion {
		return
	}
	labelsChanged := !labels.Equals(op.Labels, np.Labels)
	if np.DeletionTimestamp != nil {
		// A pod being deleted is gone for counting; its owner replaces it now.
		c.podDeleted(np)
		if labelsChanged {
			c.podDeleted(op)
		}
		return
	}
	oldRef, curRef := metav1.GetControllerOfNoCopy(op), metav1.GetControllerOfNoCopy(np)
	if oldRef != nil && (curRef == nil || oldRef.UID != curRef.UID) {
		if _, key := c.ownerKey(op.Namespace, oldRef); key != "" {
			c.loop.Add(key)
		}
	}
	if curRef == nil {
		if labelsChanged || oldRef != nil {
			c.enqueueMatching(np)
		}
		return
	}
	o, key := c.ownerKey(np.Namespace, curRef)
	if key == "" {
		return
	}
	c.loop.Add(key)
	// Readiness turns into availability only after minReadySeconds.
	if o.minReadySeconds > 0 && !podcontrol.IsReady(op) && podcontrol.IsReady(np) {
		c.loop.AddAfter(key, time.Duration(o.minReadySeconds)*time.Second+time.Second)
	}
}

func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if _, key := c.ownerKey(p.Namespace, metav1.GetControllerOfNoCopy(p)); key != "" {
		c.exp.DeletionObserved(key, p.Namespace+"/"+p.Name)
		c.loop.Add(key)
	}
}

// enqueueMatching wakes every owner whose selector matches an orphan, so
// one of them adopts it.
func (c *Controller) enqueueMatching(p *corev1.Pod) {
	owners, err := c.kind.list(p.Namespace)
	if err != nil {
		return
	}
	for _, o := range owners {
		if o.selector.Matches(labels.Set(p.Labels)) {
			c.loop.Add(p.Namespace + "/" + o.obj.GetName())
		}
	}
}
