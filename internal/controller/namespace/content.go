package namespace

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// deleteContent deletes what is left in namespace ns, one resource at a
// time, and reports what remains. Errors are collected rather than
// returned early so the conditions can name all of them.
func (c *Controller) deleteContent(ctx context.Context, ns string) contentResult {
	res := contentResult{remaining: map[schema.GroupResource]int{}, finalizers: map[string]int{}}
	lists, err := discovery.ServerPreferredNamespacedResources(c.discovery)
	if err != nil {
		res.discoveryErr = err
		if !discovery.IsGroupDiscoveryFailedError(err) {
			return res
		}
	}
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			res.groupVersionErrs = append(res.groupVersionErrs, err)
			continue
		}
		for _, r := range list.APIResources {
			if !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "delete") {
				continue
			}
			gvr := gv.WithResource(r.Name)
			c.deleteResource(ctx, ns, gvr, slices.Contains(r.Verbs, "deletecollection"), &res)
		}
	}
	return res
}

// deleteResource deletes every object of one resource in ns and records
// the objects that are still there (in their grace period or held by
// finalizers).
func (c *Controller) deleteResource(ctx context.Context, ns string, gvr schema.GroupVersionResource, collection bool, res *contentResult) {
	client := c.metadata.Resource(gvr).Namespace(ns)
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	if collection {
		err := client.DeleteCollection(ctx, opts, metav1.ListOptions{})
		if err != nil && !ignorable(err) {
			res.deleteErrs = append(res.deleteErrs, fmt.Errorf("delete %s: %w", gvr.GroupResource(), err))
			return
		}
	}
	list, err := client.List(ctx, metav1.ListOptions{})
	if ignorable(err) {
		return
	}
	if err != nil {
		res.deleteErrs = append(res.deleteErrs, fmt.Errorf("list %s: %w", gvr.GroupResource(), err))
		return
	}
	for _, item := range list.Items {
		if item.DeletionTimestamp == nil {
			uid := item.UID
			opts := opts
			opts.Preconditions = &metav1.Preconditions{UID: &uid}
			if err := client.Delete(ctx, item.Name, opts); err != nil && !ignorable(err) && !apierrors.IsConflict(err) {
				res.deleteErrs = append(res.deleteErrs, fmt.Errorf("delete %s %s: %w", gvr.GroupResource(), item.Name, err))
			}
		}
		for _, f := range item.Finalizers {
			res.finalizers[f]++
		}
	}
	if len(list.Items) > 0 {
		res.remaining[gvr.GroupResource()] = len(list.Items)
	}
}

// ignorable errors mean there is nothing (more) to delete.
func ignorable(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err)
}
