// Package resource is the contract between the generic store and the
// per-resource rules: what a resource is called, which Go type holds it, and
// the strategy that defaults, validates and prints it.
//
// Adding a resource to skiff is writing a Resource value and its Strategy in
// one of the group packages beside this one (core, apps, batch, ...); the
// generic store and the HTTP layer serve it without new code paths.
//
// This package holds no state and does no I/O.
package resource

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource describes one served API resource in one version.
type Resource struct {
	// GVR is the group, version and plural resource name (e.g. apps/v1
	// deployments). Kind is the object's kind ("Deployment").
	GVR  schema.GroupVersionResource
	Kind string
	// Singular is the lower-case singular name ("deployment").
	Singular   string
	Namespaced bool
	ShortNames []string
	// Categories such as "all", as `kubectl get all` uses them.
	Categories []string

	// New and NewList return empty typed objects (&appsv1.Deployment{} and
	// &appsv1.DeploymentList{}).
	New     func() runtime.Object
	NewList func() runtime.Object

	Strategy Strategy

	// Status is true when the resource has a status subresource: updates
	// to the main resource then keep the stored status, and updates to
	// /status change only the status.
	Status bool
	// Scale is set when the resource has a scale subresource.
	Scale *Scale

	// View, when set, stores this resource as another one's objects.
	View *StorageView

	// ValidateName checks metadata.name (prefix is true for generateName
	// prefixes). Nil means a DNS-1123 subdomain, the common rule.
	ValidateName func(name string, prefix bool) []string
}

// Scale says where the scale subresource finds its numbers. Paths are
// JSON field paths into the object, e.g. "spec.replicas".
type Scale struct {
	SpecReplicas   string
	StatusReplicas string
	// Selector is the path of a *metav1.LabelSelector or of a
	// map[string]string selector ("spec.selector").
	Selector string
}

// Strategy holds the rules of one resource. Every method receives objects of
// the resource's own Go type and may change the object passed in; none may
// block or do I/O.
type Strategy interface {
	// Default sets unset fields the way Kubernetes defaulting does. It is
	// called on every create and update, and on the result of every patch,
	// so it must be idempotent.
	Default(obj runtime.Object)

	// PrepareForCreate clears what a client may not set on create (status,
	// for resources whose status is owned by a controller) and sets
	// derived fields.
	PrepareForCreate(obj runtime.Object)
	// PrepareForUpdate does the same on update; old is the stored object.
	PrepareForUpdate(obj, old runtime.Object)

	// Validate checks a new object. Metadata (name, labels, annotations)
	// is checked by the store; this checks the rest.
	Validate(obj runtime.Object) field.ErrorList
	// ValidateUpdate checks an update, including immutable fields.
	ValidateUpdate(obj, old runtime.Object) field.ErrorList

	// Columns are the table columns after NAME (which the store adds).
	// Columns with Priority 1 show only with -o wide.
	Columns() []metav1.TableColumnDefinition
	// Cells returns one cell per column of Columns, in order.
	Cells(obj runtime.Object) []interface{}

	// Fields returns the selectable fields beyond metadata.name and
	// metadata.namespace (which the store adds), e.g. "spec.nodeName".
	// Called with an empty object it must still return every key, since
	// the keys tell which field selectors the resource supports.
	Fields(obj runtime.Object) fields.Set
}

// StatusValidator is implemented by strategies that check updates to the
// status subresource. Without it, status updates are validated by Validate.
type StatusValidator interface {
	ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList
}

// Base is a Strategy with no rules, for embedding: defaults nothing,
// validates nothing beyond metadata, prints AGE only, selects on metadata.
type Base struct{}

func (Base) Default(runtime.Object)                             {}
func (Base) PrepareForCreate(runtime.Object)                    {}
func (Base) PrepareForUpdate(_, _ runtime.Object)               {}
func (Base) Validate(runtime.Object) field.ErrorList            { return nil }
func (Base) ValidateUpdate(_, _ runtime.Object) field.ErrorList { return nil }
func (Base) Fields(runtime.Object) fields.Set                   { return fields.Set{} }

func (Base) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{AgeColumn}
}

func (Base) Cells(obj runtime.Object) []interface{} {
	return []interface{}{Age(obj)}
}

// NameCeller is implemented by strategies whose NAME cell is more than
// metadata.name (a default StorageClass prints "standard (default)").
type NameCeller interface {
	NameCell(obj runtime.Object) string
}

// OwnTableNames is implemented by strategies whose Columns and Cells
// include the name column themselves, where Kubernetes does not print NAME
// first (events: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE, ..., NAME).
type OwnTableNames interface {
	OwnsNameColumn() bool
}

// StorageView makes a resource a second view of another resource's stored
// objects, in its own version: events.k8s.io/v1 events are the core/v1
// events, converted on the way in and out.
type StorageView struct {
	// Of is the resource whose objects are stored.
	Of schema.GroupVersionResource
	// NewStored returns an empty object of the stored type.
	NewStored func() runtime.Object
	// ToStored and FromStored convert between this resource's type and
	// the stored type. Both must keep metadata intact.
	ToStored   func(runtime.Object) (runtime.Object, error)
	FromStored func(runtime.Object) (runtime.Object, error)
}

// Requester is implemented by strategies that record who created an object
// (a CertificateSigningRequest records its requester). The HTTP layer
// calls it on create with the authenticated user.
type Requester interface {
	SetRequester(obj runtime.Object, user string, groups []string)
}
