package apiserver

import (
	"context"
	"fmt"
	"net/http"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/store"
)

// serveAction serves the subresources beyond status: scale, the actions
// binding, eviction, finalize, approval and token, and the streams
// proxied to kubelets (proxy*.go).
func (a *API) serveAction(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	gr := sv.res.GVR.GroupResource().String()
	switch {
	case gr == "pods" && isPodStream(info.Subresource):
		return a.servePodStream(w, r, info)
	case gr == "nodes" && isNodeProxy(info.Subresource):
		return a.serveNodeProxy(w, r, info)
	case gr == "serviceaccounts" && info.Subresource == "token" && info.Verb == "create":
		return a.createToken(w, r, info)
	case info.Subresource == "scale":
		return a.serveScale(w, r, sv, info)
	case gr == "pods" && info.Subresource == "binding" && info.Verb == "create":
		return a.bind(w, r, sv, info)
	case gr == "pods" && info.Subresource == "eviction" && info.Verb == "create":
		return a.evict(w, r, sv, info)
	case gr == "namespaces" && info.Subresource == "finalize" && info.Verb == "update":
		return a.finalize(w, r, sv, info)
	case gr == "certificatesigningrequests.certificates.k8s.io" && info.Subresource == "approval":
		return a.serveApproval(w, r, sv, info)
	}
	return notFoundPath()
}

// bind assigns a pending pod to a node: what the scheduler does.
func (a *API) bind(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	p, err := parseWriteParams(r)
	if err != nil {
		return err
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	dec, err := a.decoderFor(r)
	if err != nil {
		return err
	}
	obj, err := a.decodeInto(w, dec, data, corev1.SchemeGroupVersion.WithKind("Binding"), &corev1.Binding{}, p.validation)
	if err != nil {
		return err
	}
	b := obj.(*corev1.Binding)
	if b.Name != "" && b.Name != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", b.Name, info.Name))
	}
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), info.Name, fieldErrors("target.kind", "must be empty or 'Node'"))
	}
	if b.Target.Name == "" {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), info.Name, fieldErrors("target.name", "Required value"))
	}
	fn := func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		pod := cur.(*corev1.Pod)
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(sv.res.GVR.GroupResource(), pod.Name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(sv.res.GVR.GroupResource(), pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(sv.res.GVR.GroupResource(), pod.Name, fmt.Errorf("pod %s is already assigned to node %q", pod.Name, pod.Spec.NodeName))
		}
		pod.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodScheduled(pod)
		return pod, nil
	}
	if _, _, err := sv.store.Update(r.Context(), info.Namespace, info.Name, fn, store.UpdateOptions{DryRun: p.dryRun, FieldManager: p.fieldManager, Subresource: "binding"}); err != nil {
		return err
	}
	a.writeObject(w, r, http.StatusCreated, metav1.Unversioned, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated})
	return nil
}

// setPodScheduled records the PodScheduled condition as true.
func setPodScheduled(pod *corev1.Pod) {
	now := metav1.Now()
	for i := range pod.Status.Conditions {
		if c := &pod.Status.Conditions[i]; c.Type == corev1.PodScheduled {
			c.Status, c.Reason, c.Message, c.LastTransitionTime = corev1.ConditionTrue, "", "", now
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now})
}

// EvictionChecker decides whether evicting a pod would break a
// PodDisruptionBudget; it returns a 429 TooManyRequests error when so.
type EvictionChecker interface {
	CheckEviction(ctx context.Context, pod *corev1.Pod) error
}

// evict deletes a pod on behalf of `kubectl drain`, if its disruption
// budgets allow it.
func (a *API) evict(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	data, err := readBody(r)
	if err != nil {
		return err
	}
	dec, err := a.decoderFor(r)
	if err != nil {
		return err
	}
	obj, err := a.decodeInto(w, dec, data, policyv1.SchemeGroupVersion.WithKind("Eviction"), &policyv1.Eviction{}, "Ignore")
	if err != nil {
		return err
	}
	ev := obj.(*policyv1.Eviction)
	if ev.Name != "" && ev.Name != info.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("name in URL does not match name in Eviction object"))
	}
	cur, err := sv.store.Get(r.Context(), info.Namespace, info.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if a.evictions != nil {
		if err := a.evictions.CheckEviction(r.Context(), cur.(*corev1.Pod)); err != nil {
			return err
		}
	}
	if _, _, err := sv.store.Delete(r.Context(), info.Namespace, info.Name, ev.DeleteOptions); err != nil {
		return err
	}
	a.writeObject(w, r, http.StatusCreated, metav1.Unversioned, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated})
	return nil
}

// finalize lets the namespace controller remove spec.finalizers; the
// namespace is deleted once none are left.
func (a *API) finalize(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	p, err := parseWriteParams(r)
	if err != nil {
		return err
	}
	obj, err := a.decodeBody(w, r, sv, p)
	if err != nil {
		return err
	}
	want := obj.(*corev1.Namespace).Spec.Finalizers
	fn := func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		ns := cur.(*corev1.Namespace)
		ns.Spec.Finalizers = want
		return ns, nil
	}
	out, _, err := sv.store.Update(r.Context(), info.Namespace, info.Name, fn, store.UpdateOptions{DryRun: p.dryRun, FieldManager: p.fieldManager, Subresource: "finalize"})
	if err != nil {
		return err
	}
	return a.writeResult(w, r, http.StatusOK, sv, out)
}

// approvalValidator is implemented by the CSR strategy: an update through
// /approval may change only the Approved and Denied conditions.
type approvalValidator interface {
	ValidateApproval(obj, old runtime.Object) field.ErrorList
}

func (a *API) serveApproval(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	switch info.Verb {
	case "get":
		obj, err := sv.store.Get(r.Context(), info.Namespace, info.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		return a.writeResult(w, r, http.StatusOK, sv, obj)
	case "update":
		p, err := parseWriteParams(r)
		if err != nil {
			return err
		}
		obj, err := a.decodeBody(w, r, sv, p)
		if err != nil {
			return err
		}
		fn := func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
			next := withConditionsOf(cur, obj)
			if v, ok := sv.res.Strategy.(approvalValidator); ok {
				if errs := v.ValidateApproval(next, cur); len(errs) > 0 {
					return nil, apierrors.NewInvalid(sv.gvk.GroupKind(), info.Name, errs)
				}
			}
			return next, nil
		}
		out, _, err := sv.store.Update(r.Context(), "", info.Name, fn, store.UpdateOptions{DryRun: p.dryRun, FieldManager: p.fieldManager, Subresource: "approval"})
		if err != nil {
			return err
		}
		return a.writeResult(w, r, http.StatusOK, sv, out)
	}
	return apierrors.NewMethodNotSupported(sv.res.GVR.GroupResource(), r.Method)
}

// withConditionsOf returns cur with the status conditions of obj: all an
// approval may change.
func withConditionsOf(cur, obj runtime.Object) runtime.Object {
	next := cur.DeepCopyObject().(*certificatesv1.CertificateSigningRequest)
	next.Status.Conditions = obj.(*certificatesv1.CertificateSigningRequest).Status.Conditions
	next.ResourceVersion = obj.(*certificatesv1.CertificateSigningRequest).ResourceVersion
	return next
}
