package daemonset

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/controller/history"
	"github.com/skiff/skiff/internal/controller/podcontrol"
)

func dsKind() schema.GroupVersionKind { return appsv1.SchemeGroupVersion.WithKind("DaemonSet") }

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.dsList.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.exp.Delete(key)
		return nil
	}
	if err != nil {
		return err
	}
	ds := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil
	}
	satisfied := c.exp.Satisfied(key)
	pods, err := c.claimPods(ctx, ds, sel)
	if err != nil {
		return err
	}
	rev, err := c.revision(ctx, ds)
	if err != nil {
		return err
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	p := plan(ds, nodes, pods, rev.Labels[history.HashLabel], c.clock.Now())
	var actErr error
	if satisfied && ds.DeletionTimestamp == nil {
		actErr = c.act(ctx, ds, key, p, rev)
	}
	if err := c.writeStatus(ctx, ds, p.status); err != nil {
		return err
	}
	return actErr
}

func (c *Controller) claimPods(ctx context.Context, ds *appsv1.DaemonSet, sel labels.Selector) ([]*corev1.Pod, error) {
	cands, err := podcontrol.Candidates[*corev1.Pod](c.podInf.GetIndexer(), ds.Namespace, ds.UID)
	if err != nil {
		return nil, err
	}
	claimer := podcontrol.Claimer{Owner: ds, Kind: dsKind(),
		Patch: func(ctx context.Context, ns, name string, data []byte) error {
			_, err := c.client.CoreV1().Pods(ns).Patch(ctx, name, types.MergePatchType, data, metav1.PatchOptions{})
			return err
		}}
	return podcontrol.Claim(ctx, claimer, podcontrol.PlanClaims(ds, sel, cands))
}

// revision is the ControllerRevision of the current template.
func (c *Controller) revision(ctx context.Context, ds *appsv1.DaemonSet) (*appsv1.ControllerRevision, error) {
	revs, err := podcontrol.Controlled[*appsv1.ControllerRevision](c.revInf.GetIndexer(), ds.UID)
	if err != nil {
		return nil, err
	}
	history.Sort(revs)
	data, err := history.TemplatePatch(&ds.Spec.Template)
	if err != nil {
		return nil, err
	}
	count := ptr.Deref(ds.Status.CollisionCount, 0)
	want := history.New(ds, dsKind(), ds.Spec.Template.Labels, data, history.Next(revs), &count)
	rev, err := history.Current(ctx, c.client, revs, want, &count)
	if err != nil && count != ptr.Deref(ds.Status.CollisionCount, 0) {
		st := ds.Status.DeepCopy()
		st.CollisionCount = &count
		_ = c.writeStatus(ctx, ds, *st)
	}
	return rev, err
}

// act creates and deletes as planned, expecting each before asking so the
// informer's events are counted.
func (c *Controller) act(ctx context.Context, ds *appsv1.DaemonSet, key string, p dsPlan, rev *appsv1.ControllerRevision) error {
	if len(p.create) > 0 {
		c.exp.ExpectCreations(key, len(p.create))
		_, attempted, err := podcontrol.SlowStart(ctx, len(p.create), func(ctx context.Context, i int) error {
			return c.createPod(ctx, ds, key, p.create[i], rev)
		})
		c.exp.LowerCreations(key, len(p.create)-attempted)
		if err != nil {
			return err
		}
	}
	if len(p.delete) == 0 {
		return nil
	}
	keys := make([]string, len(p.delete))
	for i, pod := range p.delete {
		keys[i] = pod.Namespace + "/" + pod.Name
	}
	c.exp.ExpectDeletions(key, keys)
	errs := make([]error, len(p.delete))
	var wg sync.WaitGroup
	for i, pod := range p.delete {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.deletePod(ctx, ds, key, pod)
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

func (c *Controller) createPod(ctx context.Context, ds *appsv1.DaemonSet, key, node string, rev *appsv1.ControllerRevision) error {
	pod := podcontrol.PodFromTemplate(&ds.Spec.Template, ds, dsKind(), "")
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = rev.Labels[history.HashLabel]
	pod.Labels[appsv1.DeprecatedTemplateGeneration] = strconv.FormatInt(ds.Generation, 10)
	pod.Spec.Tolerations = withDefaultTolerations(&pod.Spec)
	pinToNode(&pod.Spec, node)
	created, err := c.client.CoreV1().Pods(ds.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.IsTimeout(err) {
			return nil
		}
		c.exp.CreationObserved(key)
		c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return fmt.Errorf("create daemon pod for node %s: %w", node, err)
	}
	c.recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	return nil
}

func (c *Controller) deletePod(ctx context.Context, ds *appsv1.DaemonSet, key string, p *corev1.Pod) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
	if err != nil {
		c.exp.DeletionObserved(key, p.Namespace+"/"+p.Name)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedDaemonPod", "Error deleting pod %s: %v", p.Name, err)
		return fmt.Errorf("delete daemon pod %s: %w", p.Name, err)
	}
	c.recorder.Eventf(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
	return nil
}

func (c *Controller) writeStatus(ctx context.Context, ds *appsv1.DaemonSet, st appsv1.DaemonSetStatus) error {
	if apiequality.Semantic.DeepEqual(ds.Status, st) {
		return nil
	}
	cp := ds.DeepCopy()
	cp.Status = st
	_, err := c.client.AppsV1().DaemonSets(cp.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("update status of daemonset %s: %w", cp.Name, err)
	}
	return nil
}
