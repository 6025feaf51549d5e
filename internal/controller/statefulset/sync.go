package statefulset

import (
	"context"
	"fmt"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/controller/history"
	"github.com/skiff/skiff/internal/controller/podcontrol"
)

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.sets.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	set := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil // invalid sets are refused by validation; nothing to do
	}
	pods, err := c.claimPods(ctx, set, sel)
	if err != nil {
		return err
	}
	current, update, err := c.revisions(ctx, set)
	if err != nil {
		return err
	}
	var actErr error
	if set.DeletionTimestamp == nil {
		steps := plan(snapshot{set: set, pods: pods, updateRev: update.Name, now: c.clock.Now()})
		actErr = c.act(ctx, set, steps, current, update)
	}
	st := status(set, pods, current.Name, update.Name, c.clock.Now())
	if err := c.writeStatus(ctx, set, st); err != nil {
		return err
	}
	return actErr
}

func (c *Controller) claimPods(ctx context.Context, set *appsv1.StatefulSet, sel labels.Selector) ([]*corev1.Pod, error) {
	cands, err := podcontrol.Candidates[*corev1.Pod](c.podInf.GetIndexer(), set.Namespace, set.UID)
	if err != nil {
		return nil, err
	}
	// Only pods with one of the set's names can be its pods.
	named := cands[:0]
	for _, p := range cands {
		if ordinal(set, p.Name) >= 0 {
			named = append(named, p)
		}
	}
	claimer := podcontrol.Claimer{Owner: set, Kind: setKind(),
		Patch: func(ctx context.Context, ns, name string, data []byte) error {
			_, err := c.client.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{})
			return err
		}}
	return podcontrol.Claim(ctx, claimer, podcontrol.PlanClaims(set, sel, named))
}

// revisions returns the current and update revisions, creating the update
// revision for the set's template when needed.
func (c *Controller) revisions(ctx context.Context, set *appsv1.StatefulSet) (current, update *appsv1.ControllerRevision, err error) {
	revs, err := podcontrol.Controlled[*appsv1.ControllerRevision](c.revInf.GetIndexer(), set.UID)
	if err != nil {
		return nil, nil, err
	}
	history.Sort(revs)
	data, err := history.TemplatePatch(&set.Spec.Template)
	if err != nil {
		return nil, nil, err
	}
	count := ptr.Deref(set.Status.CollisionCount, 0)
	want := history.New(set, setKind(), set.Spec.Template.Labels, data, history.Next(revs), &count)
	if len(revs) == 0 {
		want.Revision = 1
	}
	update, err = history.Current(ctx, c.client, revs, want, &count)
	if err != nil {
		if count != ptr.Deref(set.Status.CollisionCount, 0) {
			st := set.Status.DeepCopy()
			st.CollisionCount = &count
			_ = c.writeStatus(ctx, set, *st)
		}
		return nil, nil, err
	}
	current = update
	for _, r := range revs {
		if r.Name == set.Status.CurrentRevision {
			current = r
		}
	}
	return current, update, nil
}

// act carries out the steps; creations in one sync run concurrently
// (Parallel), each after its claims exist.
func (c *Controller) act(ctx context.Context, set *appsv1.StatefulSet, steps []step, current, update *appsv1.ControllerRevision) error {
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, s := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.create {
				errs[i] = c.createPod(ctx, set, s.ord, current, update)
			} else {
				errs[i] = c.deletePod(ctx, set, s.pod)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Controller) createPod(ctx context.Context, set *appsv1.StatefulSet, ord int, current, update *appsv1.ControllerRevision) error {
	rev := update
	if revisionFor(set, ord, current.Name, update.Name) == current.Name {
		rev = current
	}
	tmpl, err := history.Template(rev)
	if err != nil {
		return err
	}
	if err := c.createClaims(ctx, set, ord); err != nil {
		return err
	}
	pod := newPod(set, tmpl, ord, rev.Name)
	_, err = c.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil // the cache is behind; the next sync sees it
	}
	if err != nil {
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		return fmt.Errorf("create pod %s: %w", pod.Name, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

func (c *Controller) createClaims(ctx context.Context, set *appsv1.StatefulSet, ord int) error {
	for _, pvc := range newClaims(set, ord) {
		if _, err := c.pvcs.PersistentVolumeClaims(set.Namespace).Get(pvc.Name); err == nil {
			continue
		}
		_, err := c.client.CoreV1().PersistentVolumeClaims(set.Namespace).Create(ctx, pvc, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %v", pvc.Name, podName(set, ord), set.Name, err)
			return fmt.Errorf("create claim %s: %w", pvc.Name, err)
		}
		if err == nil {
			c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success", pvc.Name, podName(set, ord), set.Name)
		}
	}
	return nil
}

func (c *Controller) deletePod(ctx context.Context, set *appsv1.StatefulSet, p *corev1.Pod) error {
	if ord := ordinal(set, p.Name); ord >= int(ptr.Deref(set.Spec.Replicas, 1)) {
		if err := c.releaseClaimsOnScale(ctx, set, p, ord); err != nil {
			return err
		}
	}
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	if err != nil {
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %v", p.Name, set.Name, err)
		return fmt.Errorf("delete pod %s: %w", p.Name, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", p.Name, set.Name)
	return nil
}

// releaseClaimsOnScale makes a condemned pod own its claims when the set
// says whenScaled=Delete, so the garbage collector removes them with it.
func (c *Controller) releaseClaimsOnScale(ctx context.Context, set *appsv1.StatefulSet, p *corev1.Pod, ord int) error {
	pol := set.Spec.PersistentVolumeClaimRetentionPolicy
	if pol == nil || pol.WhenScaled != appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
		return nil
	}
	for _, t := range set.Spec.VolumeClaimTemplates {
		pvc, err := c.pvcs.PersistentVolumeClaims(set.Namespace).Get(claimName(set, t.Name, ord))
		if err != nil || slices.ContainsFunc(pvc.OwnerReferences, func(r metav1.OwnerReference) bool { return r.UID == p.UID }) {
			continue
		}
		refs := append(pvc.DeepCopy().OwnerReferences, metav1.OwnerReference{
			APIVersion: "v1", Kind: "Pod", Name: p.Name, UID: p.UID,
		})
		patch := fmt.Appendf(nil, `{"metadata":{"ownerReferences":%s}}`, mustJSON(refs))
		if _, err := c.client.CoreV1().PersistentVolumeClaims(set.Namespace).Patch(ctx, pvc.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("hand claim %s to pod %s: %w", pvc.Name, p.Name, err)
		}
	}
	return nil
}

func (c *Controller) writeStatus(ctx context.Context, set *appsv1.StatefulSet, st appsv1.StatefulSetStatus) error {
	if apiequality.Semantic.DeepEqual(set.Status, st) {
		return nil
	}
	cp := set.DeepCopy()
	cp.Status = st
	_, err := c.client.AppsV1().StatefulSets(cp.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("update status of statefulset %s: %w", cp.Name, err)
	}
	return nil
}
