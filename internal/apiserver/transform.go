package apiserver

import (
	"bytes"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/registry/resource"
)

// writeResult writes an object or list of sv, transformed into a Table or
// PartialObjectMetadata when the client asked for one.
func (a *API) writeResult(w http.ResponseWriter, r *http.Request, code int, sv *served, obj runtime.Object) error {
	out, err := a.negotiate(r, false)
	if err != nil {
		return err
	}
	if out.as == "" {
		a.writeEncoded(w, r, code, out, sv.gv(), obj)
		return nil
	}
	t, err := a.transform(r, out, sv, obj, false)
	if err != nil {
		return err
	}
	a.writeEncoded(w, r, code, out, metav1.SchemeGroupVersion, t)
	return nil
}

// transform turns obj into the form named by out.as.
func (a *API) transform(r *http.Request, out output, sv *served, obj runtime.Object, noHeaders bool) (runtime.Object, error) {
	switch out.as {
	case "Table":
		opts, err := a.tableOptions(r)
		if err != nil {
			return nil, err
		}
		opts.NoHeaders = opts.NoHeaders || noHeaders
		return a.toTable(out, sv, obj, opts)
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		return toPartial(obj, out.as == "PartialObjectMetadataList")
	}
	return obj, nil
}

func (a *API) tableOptions(r *http.Request) (metav1.TableOptions, error) {
	var opts metav1.TableOptions
	if err := a.params.DecodeParameters(r.URL.Query(), metav1.SchemeGroupVersion, &opts); err != nil {
		return opts, apierrors.NewBadRequest(err.Error())
	}
	switch opts.IncludeObject {
	case "":
		opts.IncludeObject = metav1.IncludeMetadata
	case metav1.IncludeNone, metav1.IncludeMetadata, metav1.IncludeObject:
	default:
		return opts, apierrors.NewBadRequest("includeObject: Unsupported value: \"" + string(opts.IncludeObject) + "\"")
	}
	return opts, nil
}

// nameColumn is the first column of every table.
var nameColumn = metav1.TableColumnDefinition{
	Name: "Name", Type: "string", Format: "name",
	Description: metav1.ObjectMeta{}.SwaggerDoc()["name"],
}

// toTable renders one object or a list as a Table with the strategy's
// columns.
func (a *API) toTable(out output, sv *served, obj runtime.Object, opts metav1.TableOptions) (*metav1.Table, error) {
	t := &metav1.Table{}
	if !opts.NoHeaders {
		t.ColumnDefinitions = sv.res.Strategy.Columns()
		if !ownsNames(sv) {
			t.ColumnDefinitions = append([]metav1.TableColumnDefinition{nameColumn}, t.ColumnDefinitions...)
		}
	}
	items := []runtime.Object{obj}
	if meta.IsListType(obj) {
		var err error
		if items, err = meta.ExtractList(obj); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if lm, err := meta.ListAccessor(obj); err == nil {
			t.ResourceVersion, t.Continue, t.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
		}
	} else if m, err := meta.Accessor(obj); err == nil {
		t.ResourceVersion = m.GetResourceVersion()
	}
	t.Rows = make([]metav1.TableRow, 0, len(items))
	for _, item := range items {
		row, err := a.tableRow(out, sv, item, opts.IncludeObject)
		if err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

func (a *API) tableRow(out output, sv *served, item runtime.Object, include metav1.IncludeObjectPolicy) (metav1.TableRow, error) {
	m, err := meta.Accessor(item)
	if err != nil {
		return metav1.TableRow{}, apierrors.NewInternalError(err)
	}
	row := metav1.TableRow{Cells: sv.res.Strategy.Cells(item)}
	if !ownsNames(sv) {
		name := m.GetName()
		if nc, ok := sv.res.Strategy.(resource.NameCeller); ok {
			name = nc.NameCell(item)
		}
		row.Cells = append([]interface{}{name}, row.Cells...)
	}
	var embedded runtime.Object
	gv := sv.gv()
	switch include {
	case metav1.IncludeMetadata:
		embedded, gv = partialOf(m), metav1.SchemeGroupVersion
	case metav1.IncludeObject:
		embedded = item
	default:
		return row, nil
	}
	var buf bytes.Buffer
	if err := a.codecs.EncoderForVersion(out.info.Serializer, gv).Encode(unshared(embedded), &buf); err != nil {
		return row, apierrors.NewInternalError(err)
	}
	row.Object.Raw = buf.Bytes()
	return row, nil
}

// partialOf copies an object's metadata into a PartialObjectMetadata.
func partialOf(m metav1.Object) *metav1.PartialObjectMetadata {
	p := &metav1.PartialObjectMetadata{}
	if a, ok := m.(metav1.ObjectMetaAccessor); ok {
		if om, ok := a.GetObjectMeta().(*metav1.ObjectMeta); ok {
			p.ObjectMeta = *om.DeepCopy()
			return p
		}
	}
	p.Name, p.Namespace, p.UID = m.GetName(), m.GetNamespace(), m.GetUID()
	p.ResourceVersion, p.Labels, p.Annotations = m.GetResourceVersion(), m.GetLabels(), m.GetAnnotations()
	p.CreationTimestamp, p.OwnerReferences = m.GetCreationTimestamp(), m.GetOwnerReferences()
	return p
}

// ownsNames is true for strategies that print the name column themselves.
func ownsNames(sv *served) bool {
	o, ok := sv.res.Strategy.(resource.OwnTableNames)
	return ok && o.OwnsNameColumn()
}

// toPartial turns an object or list into its metadata-only form.
func toPartial(obj runtime.Object, wantList bool) (runtime.Object, error) {
	if !meta.IsListType(obj) {
		if wantList {
			return nil, apierrors.NewBadRequest("a PartialObjectMetadataList was asked for a single object")
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		return partialOf(m), nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	list := &metav1.PartialObjectMetadataList{Items: make([]metav1.PartialObjectMetadata, 0, len(items))}
	if lm, err := meta.ListAccessor(obj); err == nil {
		list.ResourceVersion, list.Continue = lm.GetResourceVersion(), lm.GetContinue()
	}
	for _, item := range items {
		m, err := meta.Accessor(item)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		list.Items = append(list.Items, *partialOf(m))
	}
	return list, nil
}
