package admissionregistration

import (
	"slices"

	v1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// PolicyStrategy holds the rules of validatingadmissionpolicies. CEL
// expressions are not compiled here: that belongs to the admission code
// that runs them and reports type checks in the status.
type PolicyStrategy struct{ resource.Base }

func (PolicyStrategy) Default(obj runtime.Object) {
	spec := &obj.(*v1.ValidatingAdmissionPolicy).Spec
	if spec.FailurePolicy == nil {
		p := v1.Fail
		spec.FailurePolicy = &p
	}
	defaultMatchResources(spec.MatchConstraints)
}

// defaultMatchResources gives match rules the v1 defaults: equivalent
// matching, match-all selectors, any scope.
func defaultMatchResources(m *v1.MatchResources) {
	if m == nil {
		return
	}
	if m.MatchPolicy == nil {
		p := v1.Equivalent
		m.MatchPolicy = &p
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metav1.LabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metav1.LabelSelector{}
	}
	for i := range m.ResourceRules {
		if m.ResourceRules[i].Scope == nil {
			s := v1.AllScopes
			m.ResourceRules[i].Scope = &s
		}
	}
}

func (PolicyStrategy) PrepareForCreate(obj runtime.Object) {
	p := obj.(*v1.ValidatingAdmissionPolicy)
	p.Status = v1.ValidatingAdmissionPolicyStatus{}
	p.Generation = 1
}

func (PolicyStrategy) PrepareForUpdate(obj, old runtime.Object) {
	p, prev := obj.(*v1.ValidatingAdmissionPolicy), old.(*v1.ValidatingAdmissionPolicy)
	bumpGeneration(&p.ObjectMeta, prev.ObjectMeta, p.Spec, prev.Spec)
}

func (PolicyStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*v1.ValidatingAdmissionPolicy).Spec
	fld := field.NewPath("spec")
	var errs field.ErrorList
	errs = append(errs, oneOf((*string)(spec.FailurePolicy), failurePolicies, fld.Child("failurePolicy"))...)
	if spec.ParamKind != nil {
		errs = append(errs, validateParamKind(spec.ParamKind, fld.Child("paramKind"))...)
	}
	if spec.MatchConstraints == nil {
		errs = append(errs, field.Required(fld.Child("matchConstraints"), ""))
	} else {
		errs = append(errs, validateMatchResources(spec.MatchConstraints, fld.Child("matchConstraints"), true)...)
	}
	if len(spec.Validations) == 0 && len(spec.AuditAnnotations) == 0 {
		errs = append(errs, field.Required(fld.Child("validations"), "validations or auditAnnotations must contain at least one item"))
	}
	for i, v := range spec.Validations {
		if v.Expression == "" {
			errs = append(errs, field.Required(fld.Child("validations").Index(i).Child("expression"), "expression is not specified"))
		}
	}
	return errs
}

func (s PolicyStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func validateParamKind(pk *v1.ParamKind, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if pk.APIVersion == "" {
		errs = append(errs, field.Required(fld.Child("apiVersion"), ""))
	}
	if pk.Kind == "" {
		errs = append(errs, field.Required(fld.Child("kind"), ""))
	}
	return errs
}

func validateMatchResources(m *v1.MatchResources, fld *field.Path, requireRules bool) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, oneOf((*string)(m.MatchPolicy), matchPolicies, fld.Child("matchPolicy"))...)
	if requireRules && len(m.ResourceRules) == 0 {
		errs = append(errs, field.Required(fld.Child("resourceRules"), ""))
	}
	for i := range m.ResourceRules {
		r := m.ResourceRules[i]
		errs = append(errs, validateRule(&v1.RuleWithOperations{Operations: r.Operations, Rule: r.Rule}, fld.Child("resourceRules").Index(i))...)
	}
	return errs
}

func (PolicyStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		{Name: "Validations", Type: "integer", Description: "Validations indicates the number of validation rules defined in this configuration"},
		resource.Column("ParamKind", "ParamKind specifies the kind of resources used to parameterize this policy", 0),
		resource.AgeColumn,
	}
}

func (PolicyStrategy) Cells(obj runtime.Object) []interface{} {
	p := obj.(*v1.ValidatingAdmissionPolicy)
	paramKind := "<unset>"
	if pk := p.Spec.ParamKind; pk != nil {
		paramKind = pk.APIVersion + "/" + pk.Kind
	}
	return []interface{}{int64(len(p.Spec.Validations)), paramKind, resource.Age(p)}
}

// BindingStrategy holds the rules of validatingadmissionpolicybindings.
type BindingStrategy struct{ resource.Base }

var validationActions = []string{"Audit", "Deny", "Warn"}

func (BindingStrategy) Default(obj runtime.Object) {
	spec := &obj.(*v1.ValidatingAdmissionPolicyBinding).Spec
	defaultMatchResources(spec.MatchResources)
	if spec.ParamRef != nil && spec.ParamRef.ParameterNotFoundAction == nil {
		a := v1.DenyAction
		spec.ParamRef.ParameterNotFoundAction = &a
	}
}

func (BindingStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*v1.ValidatingAdmissionPolicyBinding).Generation = 1
}

func (BindingStrategy) PrepareForUpdate(obj, old runtime.Object) {
	b, prev := obj.(*v1.ValidatingAdmissionPolicyBinding), old.(*v1.ValidatingAdmissionPolicyBinding)
	bumpGeneration(&b.ObjectMeta, prev.ObjectMeta, b.Spec, prev.Spec)
}

func (BindingStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec := &obj.(*v1.ValidatingAdmissionPolicyBinding).Spec
	fld := field.NewPath("spec")
	var errs field.ErrorList
	if spec.PolicyName == "" {
		errs = append(errs, field.Required(fld.Child("policyName"), ""))
	}
	if spec.MatchResources != nil {
		// Kubernetes reports these under this misspelt path.
		errs = append(errs, validateMatchResources(spec.MatchResources, fld.Child("matchResouces"), false)...)
	}
	return append(errs, validateActions(spec.ValidationActions, fld.Child("validationActions"))...)
}

func (s BindingStrategy) ValidateUpdate(obj, _ runtime.Object) field.ErrorList {
	return s.Validate(obj)
}

func validateActions(actions []v1.ValidationAction, fld *field.Path) field.ErrorList {
	if len(actions) == 0 {
		return field.ErrorList{field.Required(fld, "at least one validation action is required")}
	}
	var errs field.ErrorList
	seen := map[v1.ValidationAction]bool{}
	for i, a := range actions {
		if !slices.Contains(validationActions, string(a)) {
			errs = append(errs, field.NotSupported(fld.Index(i), a, validationActions))
		}
		if seen[a] {
			errs = append(errs, field.Duplicate(fld.Index(i), a))
		}
		seen[a] = true
	}
	if seen[v1.Deny] && seen[v1.Warn] {
		errs = append(errs, field.Invalid(fld, actions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"))
	}
	return errs
}

func (BindingStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.Column("PolicyName", "PolicyName indicates the policy definition which the policy binding binded to", 0),
		resource.Column("ParamRef", "ParamRef indicates the param resource which sets the configration param", 0),
		resource.AgeColumn,
	}
}

// Cells prints the parameter as namespace/name, "*/name" when the
// namespace is not given, or the selector.
func (BindingStrategy) Cells(obj runtime.Object) []interface{} {
	b := obj.(*v1.ValidatingAdmissionPolicyBinding)
	param := "<unset>"
	if pr := b.Spec.ParamRef; pr != nil {
		switch {
		case pr.Name != "" && pr.Namespace != "":
			param = pr.Namespace + "/" + pr.Name
		case pr.Name != "":
			param = "*/" + pr.Name
		case pr.Selector != nil:
			param = pr.Selector.String()
		}
	}
	return []interface{}{b.Spec.PolicyName, param, resource.Age(b)}
}
