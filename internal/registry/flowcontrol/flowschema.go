package flowcontrol

import (
	"slices"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Precedence bounds: lower matches first; 1000 is the default and 10000
// the most a schema may have.
const (
	defaultPrecedence = 1000
	maxPrecedence     = 10000
)

var (
	distinguisherMethods = []string{string(flowcontrolv1.FlowDistinguisherMethodByNamespaceType), string(flowcontrolv1.FlowDistinguisherMethodByUserType)}
	subjectKinds         = []string{string(flowcontrolv1.SubjectKindGroup), string(flowcontrolv1.SubjectKindServiceAccount), string(flowcontrolv1.SubjectKindUser)}
)

// FlowSchemaStrategy holds the rules of flowschemas.
type FlowSchemaStrategy struct{ resource.Base }

func (FlowSchemaStrategy) Default(obj runtime.Object) {
	spec := &obj.(*flowcontrolv1.FlowSchema).Spec
	if spec.MatchingPrecedence == 0 {
		spec.MatchingPrecedence = defaultPrecedence
	}
}

func (FlowSchemaStrategy) PrepareForCreate(obj runtime.Object) {
	fs := obj.(*flowcontrolv1.FlowSchema)
	fs.Status = flowcontrolv1.FlowSchemaStatus{}
	fs.Generation = 1
}

func (FlowSchemaStrategy) PrepareForUpdate(obj, old runtime.Object) {
	fs, prev := obj.(*flowcontrolv1.FlowSchema), old.(*flowcontrolv1.FlowSchema)
	bumpGeneration(&fs.ObjectMeta, prev.ObjectMeta, fs.Spec, prev.Spec)
}

func (FlowSchemaStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*flowcontrolv1.FlowSchema).Spec
	fld := field.NewPath("spec")
	var errs field.ErrorList
	switch p := spec.MatchingPrecedence; {
	case p <= 0:
		errs = append(errs, field.Invalid(fld.Child("matchingPrecedence"), p, "must be a positive value"))
	case p > maxPrecedence:
		errs = append(errs, field.Invalid(fld.Child("matchingPrecedence"), p, "must not be greater than 10000"))
	}
	if d := spec.DistinguisherMethod; d != nil && !slices.Contains(distinguisherMethods, string(d.Type)) {
		errs = append(errs, field.NotSupported(fld.Child("distinguisherMethod", "type"), d.Type, distinguisherMethods))
	}
	if spec.PriorityLevelConfiguration.Name == "" {
		errs = append(errs, field.Required(fld.Child("priorityLevelConfiguration", "name"), "must reference a priority level"))
	}
	for i := range spec.Rules {
		errs = append(errs, validateRule(&spec.Rules[i], fld.Child("rules").Index(i))...)
	}
	return errs
}

func (s FlowSchemaStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

// validateRule: a rule names who (subjects) and what (resource or
// non-resource rules).
func validateRule(r *flowcontrolv1.PolicyRulesWithSubjects, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Subjects) == 0 {
		errs = append(errs, field.Required(fld.Child("subjects"), "subjects must contain at least one value"))
	}
	for i, s := range r.Subjects {
		if !slices.Contains(subjectKinds, string(s.Kind)) {
			errs = append(errs, field.NotSupported(fld.Child("subjects").Index(i).Child("kind"), s.Kind, subjectKinds))
		}
	}
	if len(r.ResourceRules) == 0 && len(r.NonResourceRules) == 0 {
		errs = append(errs, field.Required(fld, "at least one of resourceRules and nonResourceRules has to be non-empty"))
	}
	for i, rr := range r.ResourceRules {
		p := fld.Child("resourceRules").Index(i)
		errs = append(errs, required(len(rr.Verbs), p.Child("verbs"), "verbs must contain at least one value")...)
		errs = append(errs, required(len(rr.APIGroups), p.Child("apiGroups"), "resource rules must supply at least one api group")...)
		errs = append(errs, required(len(rr.Resources), p.Child("resources"), "resource rules must supply at least one resource")...)
	}
	for i, nr := range r.NonResourceRules {
		p := fld.Child("nonResourceRules").Index(i)
		errs = append(errs, required(len(nr.Verbs), p.Child("verbs"), "verbs must contain at least one value")...)
		errs = append(errs, required(len(nr.NonResourceURLs), p.Child("nonResourceURLs"), "nonResourceURLs must contain at least one value")...)
	}
	return errs
}

func required(n int, fld *field.Path, msg string) field.ErrorList {
	if n == 0 {
		return field.ErrorList{field.Required(fld, msg)}
	}
	return nil
}

func (FlowSchemaStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("PriorityLevel", "`name` is the name of the priority level configuration being referenced Required.", 0),
		resource.Column("MatchingPrecedence", "`matchingPrecedence` is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default.", 0),
		resource.Column("DistinguisherMethod", "`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string.", 0),
		resource.AgeColumn,
		resource.Column("MissingPL", "references a broken or non-existent PriorityLevelConfiguration", 0),
	}
}

// Cells: MISSINGPL is the Dangling condition's status, "?" before the
// apiserver has judged the reference.
func (FlowSchemaStrategy) Cells(obj runtime.Object) []interface{} {
	fs := obj.(*flowcontrolv1.FlowSchema)
	method := "<none>"
	if fs.Spec.DistinguisherMethod != nil {
		method = string(fs.Spec.DistinguisherMethod.Type)
	}
	missing := "?"
	for _, c := range fs.Status.Conditions {
		if c.Type == flowcontrolv1.FlowSchemaConditionDangling {
			missing = string(c.Status)
			break
		}
	}
	return []interface{}{fs.Spec.PriorityLevelConfiguration.Name, int64(fs.Spec.MatchingPrecedence), method, resource.Age(fs), missing}
}
