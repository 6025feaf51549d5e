package apiserver

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
	"github.com/skiff/skiff/internal/registry/store"
)

// serveResource runs one verb on a resource or one of its subresources.
func (a *API) serveResource(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) {
	if sv.res.Namespaced && info.Namespace == "" && info.Name != "" {
		a.writeError(w, r, notFoundPath())
		return
	}
	if err := checkMethod(sv, info); err != nil {
		a.writeError(w, r, err)
		return
	}
	var err error
	switch info.Subresource {
	case "":
		err = a.serveMain(w, r, sv, info)
	case "status":
		err = a.serveStatus(w, r, sv, info)
	default:
		err = a.serveAction(w, r, sv, info)
	}
	if err != nil {
		a.writeError(w, r, err)
	}
}

// checkMethod refuses verbs a path cannot serve: collections take no
// PUT or PATCH, objects no POST (405, as in Kubernetes).
func checkMethod(sv *served, info requestInfo) error {
	if info.Subresource != "" {
		return nil
	}
	switch {
	case info.Name == "" && (info.Verb == "update" || info.Verb == "patch"),
		info.Name != "" && info.Verb == "create",
		info.Verb == "":
		return apierrors.NewMethodNotSupported(sv.res.GVR.GroupResource(), methodVerb(info.Verb))
	}
	return nil
}

func methodVerb(v string) string {
	if v == "" {
		return "request"
	}
	return v
}

func (a *API) serveMain(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	ctx := r.Context()
	switch info.Verb {
	case "get":
		obj, err := sv.store.Get(ctx, info.Namespace, info.Name, metav1.GetOptions{ResourceVersion: r.URL.Query().Get("resourceVersion")})
		if err != nil {
			return err
		}
		return a.writeResult(w, r, http.StatusOK, sv, obj)
	case "list":
		opts, err := a.listOptions(r)
		if err != nil {
			return err
		}
		list, err := sv.store.List(ctx, info.Namespace, opts)
		if err != nil {
			return err
		}
		return a.writeResult(w, r, http.StatusOK, sv, list)
	case "watch":
		return a.serveWatch(w, r, sv, info)
	case "create":
		return a.create(w, r, sv, info)
	case "update":
		return a.update(w, r, sv, info, "")
	case "patch":
		return a.patch(w, r, sv, info, "")
	case "delete":
		return a.delete(w, r, sv, info)
	case "deletecollection":
		return a.deleteCollection(w, r, sv, info)
	}
	return apierrors.NewMethodNotSupported(sv.res.GVR.GroupResource(), r.Method)
}

// serveStatus serves get, update and patch of the status subresource.
func (a *API) serveStatus(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	if !sv.res.Status {
		return notFoundPath()
	}
	switch info.Verb {
	case "get":
		obj, err := sv.store.Get(r.Context(), info.Namespace, info.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		return a.writeResult(w, r, http.StatusOK, sv, obj)
	case "update":
		return a.update(w, r, sv, info, "status")
	case "patch":
		return a.patch(w, r, sv, info, "status")
	}
	return apierrors.NewMethodNotSupported(sv.res.GVR.GroupResource(), r.Method)
}

func (a *API) listOptions(r *http.Request) (metav1.ListOptions, error) {
	var opts metav1.ListOptions
	if err := a.params.DecodeParameters(r.URL.Query(), metav1.Unversioned, &opts); err != nil {
		return opts, apierrors.NewBadRequest(err.Error())
	}
	return opts, nil
}

func (a *API) create(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	if sv.res.Namespaced && info.Namespace == "" {
		return notFoundPath()
	}
	obj, p, err := a.readObject(w, r, sv, info)
	if err != nil {
		return err
	}
	if rq, ok := sv.res.Strategy.(resource.Requester); ok {
		user, groups := requestUser(r)
		rq.SetRequester(obj, user, groups)
	}
	out, err := sv.store.Create(r.Context(), obj, store.CreateOptions{DryRun: p.dryRun, FieldManager: p.fieldManager})
	if err != nil {
		return err
	}
	return a.writeResult(w, r, http.StatusCreated, sv, out)
}

func (a *API) update(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo, subresource string) error {
	obj, p, err := a.readObject(w, r, sv, info)
	if err != nil {
		return err
	}
	fn := func(context.Context, runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil }
	out, created, err := sv.store.Update(r.Context(), info.Namespace, info.Name, fn, store.UpdateOptions{
		DryRun: p.dryRun, FieldManager: p.fieldManager, Subresource: subresource,
		CreateIfMissing: subresource == "" && createOnUpdate[sv.res.GVR.Resource],
	})
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return a.writeResult(w, r, code, sv, out)
}

// readObject reads the write parameters and the object in the body of a
// create or update, and makes its namespace and name agree with the URL.
func (a *API) readObject(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) (runtime.Object, writeParams, error) {
	p, err := parseWriteParams(r)
	if err != nil {
		return nil, p, err
	}
	obj, err := a.decodeBody(w, r, sv, p)
	if err != nil {
		return nil, p, err
	}
	return obj, p, checkTarget(obj, info, sv.res.Namespaced)
}

// createOnUpdate lists the resources whose PUT creates a missing object, as
// in Kubernetes.
var createOnUpdate = map[string]bool{"endpoints": true, "events": true, "leases": true, "endpointslices": true}

func (a *API) delete(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	opts, err := a.deleteOptions(r)
	if err != nil {
		return err
	}
	obj, gone, err := sv.store.Delete(r.Context(), info.Namespace, info.Name, opts)
	if err != nil {
		return err
	}
	if !gone {
		return a.writeResult(w, r, http.StatusAccepted, sv, obj)
	}
	if returnsDeletedObject[sv.res.GVR.Resource] {
		return a.writeResult(w, r, http.StatusOK, sv, obj)
	}
	m, _ := meta.Accessor(obj)
	a.writeObject(w, r, http.StatusOK, sv.gv(), &metav1.Status{
		Status: metav1.StatusSuccess,
		Details: &metav1.StatusDetails{
			Name: m.GetName(), Group: sv.res.GVR.Group, Kind: sv.res.GVR.Resource, UID: m.GetUID(),
		},
	})
	return nil
}

// returnsDeletedObject lists the resources whose DELETE answers with the
// object rather than a Status, as in Kubernetes.
var returnsDeletedObject = map[string]bool{"pods": true, "services": true, "namespaces": true}

func (a *API) deleteCollection(w http.ResponseWriter, r *http.Request, sv *served, info requestInfo) error {
	opts, err := a.deleteOptions(r)
	if err != nil {
		return err
	}
	listOpts, err := a.listOptions(r)
	if err != nil {
		return err
	}
	list, err := sv.store.DeleteCollection(r.Context(), info.Namespace, opts, listOpts)
	if err != nil {
		return err
	}
	return a.writeResult(w, r, http.StatusOK, sv, list)
}

// deleteOptions reads DeleteOptions from the body (kubectl sends one) and
// the query (curl users do).
func (a *API) deleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	if err := a.params.DecodeParameters(r.URL.Query(), metav1.Unversioned, opts); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(data) > 0 {
		info, err := a.decoderFor(r)
		if err != nil {
			return nil, err
		}
		gvk := metav1.SchemeGroupVersion.WithKind("DeleteOptions")
		if _, _, err := info.Serializer.Decode(data, &gvk, opts); err != nil {
			return nil, apierrors.NewBadRequest("the body of the request was not valid DeleteOptions: " + err.Error())
		}
	}
	for _, v := range opts.DryRun {
		if v != metav1.DryRunAll {
			return nil, apierrors.NewBadRequest("dryRun: Unsupported value: \"" + v + "\": supported values: \"All\"")
		}
	}
	if pp := opts.PropagationPolicy; pp != nil {
		switch *pp {
		case metav1.DeletePropagationOrphan, metav1.DeletePropagationBackground, metav1.DeletePropagationForeground:
		default:
			return nil, apierrors.NewBadRequest("propagationPolicy: Unsupported value: \"" + string(*pp) + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"")
		}
	}
	if g := opts.GracePeriodSeconds; g != nil && *g < 0 {
		zero := int64(0)
		opts.GracePeriodSeconds = &zero
	}
	return opts, nil
}
