package store

import (
	"fmt"
	"sort"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Predicate selects objects by label and field selectors.
type Predicate struct {
	Labels labels.Selector
	Fields fields.Selector
	// fieldsOf returns an object's selectable fields.
	fieldsOf func(runtime.Object) fields.Set
}

// Predicate parses the selectors of a list or watch. Unknown field labels
// and malformed selectors are 400 Bad Request, as in Kubernetes.
func (s *Store) Predicate(opts metav1.ListOptions) (Predicate, error) {
	p := Predicate{Labels: labels.Everything(), Fields: fields.Everything(), fieldsOf: s.FieldSet}
	if opts.LabelSelector != "" {
		sel, err := labels.Parse(opts.LabelSelector)
		if err != nil {
			return p, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
		}
		p.Labels = sel
	}
	if opts.FieldSelector != "" {
		sel, err := fields.ParseSelector(opts.FieldSelector)
		if err != nil {
			return p, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
		}
		for _, r := range sel.Requirements() {
			if !s.fieldLabels[r.Field] {
				return p, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", r.Field))
			}
		}
		p.Fields = sel
	}
	return p, nil
}

// Empty reports whether the predicate selects everything.
func (p Predicate) Empty() bool { return p.Labels.Empty() && p.Fields.Empty() }

// Matches reports whether obj is selected.
func (p Predicate) Matches(obj runtime.Object) bool {
	if obj == nil {
		return false
	}
	if p.Empty() {
		return true
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	if !p.Labels.Matches(labels.Set(m.GetLabels())) {
		return false
	}
	return p.Fields.Empty() || p.Fields.Matches(p.fieldsOf(obj))
}

// FieldSet returns every selectable field of obj.
func (s *Store) FieldSet(obj runtime.Object) fields.Set {
	set := s.res.Strategy.Fields(obj)
	if set == nil {
		set = fields.Set{}
	}
	m, err := meta.Accessor(obj)
	if err == nil {
		set["metadata.name"] = m.GetName()
		if s.res.Namespaced {
			set["metadata.namespace"] = m.GetNamespace()
		}
	}
	return set
}

// FieldLabels lists the supported field selectors, sorted.
func (s *Store) FieldLabels() []string {
	out := make([]string, 0, len(s.fieldLabels))
	for k := range s.fieldLabels {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func formatRevision(rev int64) string { return strconv.FormatInt(rev, 10) }

// parseRevision reads a resourceVersion; "" and "0" are 0.
func parseRevision(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %q", rv))
	}
	return n, nil
}
