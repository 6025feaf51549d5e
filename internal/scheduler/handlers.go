package scheduler

import (
	"fmt"
	"reflect"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
)

// Informer handlers: bound pods and nodes go to the cache, pending pods of
// this scheduler to the queue, and changes that may let an unschedulable
// pod fit wake the pods whose rejecting filters care about that change.

// wakeOnPodGone: a pod leaving frees resources and ports and changes
// affinity and spread counts.
func wakeOnPodGone(plugins map[string]bool) bool {
	return plugins["NodeResourcesFit"] || plugins["NodePorts"] || plugins["InterPodAffinity"] || plugins["PodTopologySpread"] || len(plugins) == 0
}

// wakeOnPodPlaced: a pod arriving (or relabelled) can satisfy affinity or
// even out a spread.
func wakeOnPodPlaced(plugins map[string]bool) bool {
	return plugins["InterPodAffinity"] || plugins["PodTopologySpread"]
}

func wakeOnNamespace(plugins map[string]bool) bool { return plugins["InterPodAffinity"] }

type registrations []struct {
	inf cache.SharedIndexInformer
	reg cache.ResourceEventHandlerRegistration
}

func (s *Scheduler) addHandlers() (registrations, error) {
	var regs registrations
	for _, h := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{s.nodeInf, cache.ResourceEventHandlerFuncs{AddFunc: s.onNodeAdd, UpdateFunc: s.onNodeUpdate, DeleteFunc: s.onNodeDelete}},
		{s.nsInf, cache.ResourceEventHandlerFuncs{AddFunc: s.onNamespace, UpdateFunc: func(_, o any) { s.onNamespace(o) }, DeleteFunc: s.onNamespaceDelete}},
		{s.podInf, cache.ResourceEventHandlerFuncs{AddFunc: s.onPodAdd, UpdateFunc: s.onPodUpdate, DeleteFunc: s.onPodDelete}},
	} {
		reg, err := h.inf.AddEventHandler(h.h)
		if err != nil {
			s.removeHandlers(regs)
			return nil, fmt.Errorf("scheduler: add event handler: %w", err)
		}
		regs = append(regs, struct {
			inf cache.SharedIndexInformer
			reg cache.ResourceEventHandlerRegistration
		}{h.inf, reg})
	}
	return regs, nil
}

func (s *Scheduler) removeHandlers(regs registrations) {
	for _, r := range regs {
		_ = r.inf.RemoveEventHandler(r.reg)
	}
}

// tombstone unwraps the object of a delete the informer missed.
func tombstone[T any](obj any) (T, bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	t, ok := obj.(T)
	return t, ok
}

func (s *Scheduler) onNodeAdd(obj any) {
	if n, ok := obj.(*v1.Node); ok {
		s.cache.SetNode(n)
		s.queue.MoveAll(nil)
	}
}

func (s *Scheduler) onNodeUpdate(oldObj, newObj any) {
	old, ok1 := oldObj.(*v1.Node)
	cur, ok2 := newObj.(*v1.Node)
	if !ok1 || !ok2 {
		return
	}
	s.cache.SetNode(cur)
	if nodeSchedulingChanged(old, cur) {
		s.queue.MoveAll(nil)
	}
}

// nodeSchedulingChanged ignores heartbeats: only what filters read counts.
func nodeSchedulingChanged(old, cur *v1.Node) bool {
	return old.Spec.Unschedulable != cur.Spec.Unschedulable ||
		!reflect.DeepEqual(old.Labels, cur.Labels) ||
		!reflect.DeepEqual(old.Spec.Taints, cur.Spec.Taints) ||
		!reflect.DeepEqual(old.Status.Allocatable, cur.Status.Allocatable)
}

func (s *Scheduler) onNodeDelete(obj any) {
	if n, ok := tombstone[*v1.Node](obj); ok {
		s.cache.RemoveNode(n.Name)
	}
}

func (s *Scheduler) onNamespace(obj any) {
	if ns, ok := obj.(*v1.Namespace); ok {
		s.cache.SetNamespace(ns)
		s.queue.MoveAll(wakeOnNamespace)
	}
}

func (s *Scheduler) onNamespaceDelete(obj any) {
	if ns, ok := tombstone[*v1.Namespace](obj); ok {
		s.cache.RemoveNamespace(ns.Name)
	}
}

// responsible: a pending pod for this scheduler, not gated, not going.
func (s *Scheduler) responsible(pod *v1.Pod) bool {
	name := pod.Spec.SchedulerName
	if name == "" {
		name = DefaultSchedulerName
	}
	return name == s.cfg.SchedulerName && len(pod.Spec.SchedulingGates) == 0 && pod.DeletionTimestamp == nil
}

func assigned(pod *v1.Pod) bool { return pod.Spec.NodeName != "" }

func (s *Scheduler) onPodAdd(obj any) {
	pod, ok := obj.(*v1.Pod)
	if !ok {
		return
	}
	switch {
	case assigned(pod):
		s.cache.AddPod(pod)
		s.queue.MoveAll(wakeOnPodPlaced)
	case s.responsible(pod):
		s.nominator.observe(pod)
		s.queue.Add(pod)
	}
}

func (s *Scheduler) onPodUpdate(oldObj, newObj any) {
	old, ok1 := oldObj.(*v1.Pod)
	pod, ok2 := newObj.(*v1.Pod)
	if !ok1 || !ok2 {
		return
	}
	switch {
	case assigned(pod):
		s.onAssignedPodUpdate(old, pod)
	case s.responsible(pod):
		s.nominator.observe(pod)
		s.queue.Update(pod)
	default:
		// deleted while pending, gated, or handed to another scheduler
		s.queue.Delete(pod)
		s.nominator.remove(pod)
	}
}

func (s *Scheduler) onAssignedPodUpdate(old, pod *v1.Pod) {
	if !assigned(old) {
		s.queue.Delete(pod)
		s.nominator.remove(pod)
	}
	s.cache.AddPod(pod)
	switch {
	case isTerminal(pod) && !isTerminal(old):
		s.queue.MoveAll(wakeOnPodGone)
	case !assigned(old) || !reflect.DeepEqual(old.Labels, pod.Labels):
		s.queue.MoveAll(wakeOnPodPlaced)
	}
}

func (s *Scheduler) onPodDelete(obj any) {
	pod, ok := tombstone[*v1.Pod](obj)
	if !ok {
		return
	}
	s.nominator.remove(pod)
	if assigned(pod) {
		s.cache.RemovePod(pod)
		s.queue.MoveAll(wakeOnPodGone)
		return
	}
	s.queue.Delete(pod)
}
