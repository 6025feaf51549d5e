package admissionregistration

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	v1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	failurePolicies  = []string{"Fail", "Ignore"}
	matchPolicies    = []string{"Equivalent", "Exact"}
	sideEffects      = []string{"None", "NoneOnDryRun"}
	operations       = []string{"*", "CONNECT", "CREATE", "DELETE", "UPDATE"}
	scopes           = []string{"*", "Cluster", "Namespaced"}
	reviewVersions   = []string{"v1", "v1beta1"}
	urlFormatSuffix  = "; desired format: https://host[/path]"
	maxWebhookSecond = int32(30)
)

// webhook is what mutating and validating webhooks share.
type webhook struct {
	name              string
	rules             []v1.RuleWithOperations
	failurePolicy     *v1.FailurePolicyType
	matchPolicy       *v1.MatchPolicyType
	sideEffects       *v1.SideEffectClass
	timeout           *int32
	namespace, object *metav1.LabelSelector
	client            v1.WebhookClientConfig
	reviewVersions    []string
}

func webhookOf(name string, rules []v1.RuleWithOperations, fp *v1.FailurePolicyType, mp *v1.MatchPolicyType, se *v1.SideEffectClass,
	timeout *int32, ns, obj *metav1.LabelSelector, cc v1.WebhookClientConfig, versions []string) webhook {
	return webhook{name, rules, fp, mp, se, timeout, ns, obj, cc, versions}
}

func validateWebhook(h webhook, fld *field.Path) field.ErrorList {
	errs := validation.IsFullyQualifiedName(fld.Child("name"), h.name)
	errs = append(errs, validateReviewVersions(h.reviewVersions, fld.Child("admissionReviewVersions"))...)
	for i := range h.rules {
		errs = append(errs, validateRule(&h.rules[i], fld.Child("rules").Index(i))...)
	}
	errs = append(errs, oneOf((*string)(h.failurePolicy), failurePolicies, fld.Child("failurePolicy"))...)
	errs = append(errs, oneOf((*string)(h.matchPolicy), matchPolicies, fld.Child("matchPolicy"))...)
	if h.sideEffects == nil {
		errs = append(errs, field.Required(fld.Child("sideEffects"), fmt.Sprintf("must specify one of %v", strings.Join(sideEffects, ", "))))
	}
	errs = append(errs, oneOf((*string)(h.sideEffects), sideEffects, fld.Child("sideEffects"))...)
	if t := h.timeout; t != nil && (*t > maxWebhookSecond || *t < 1) {
		errs = append(errs, field.Invalid(fld.Child("timeoutSeconds"), *t, "the timeout value must be between 1 and 30 seconds"))
	}
	opts := metav1validation.LabelSelectorValidationOptions{}
	if h.namespace != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(h.namespace, opts, fld.Child("namespaceSelector"))...)
	}
	if h.object != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(h.object, opts, fld.Child("objectSelector"))...)
	}
	return append(errs, validateClientConfig(h.client, fld.Child("clientConfig"))...)
}

func oneOf(v *string, allowed []string, fld *field.Path) field.ErrorList {
	if v != nil && !slices.Contains(allowed, *v) {
		return field.ErrorList{field.NotSupported(fld, *v, allowed)}
	}
	return nil
}

func validateReviewVersions(versions []string, fld *field.Path) field.ErrorList {
	if len(versions) == 0 {
		return field.ErrorList{field.Required(fld, fmt.Sprintf("must specify one of %v", strings.Join(reviewVersions, ", ")))}
	}
	var errs field.ErrorList
	seen := map[string]bool{}
	known := false
	for i, v := range versions {
		if seen[v] {
			errs = append(errs, field.Invalid(fld.Index(i), v, "duplicate version"))
			continue
		}
		seen[v] = true
		for _, msg := range validation.IsDNS1035Label(v) {
			errs = append(errs, field.Invalid(fld.Index(i), v, msg))
		}
		known = known || slices.Contains(reviewVersions, v)
	}
	if !known {
		errs = append(errs, field.Invalid(fld, versions, fmt.Sprintf("must include at least one of %v", strings.Join(reviewVersions, ", "))))
	}
	return errs
}

func validateRule(r *v1.RuleWithOperations, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Operations) == 0 {
		errs = append(errs, field.Required(fld.Child("operations"), ""))
	}
	for i, op := range r.Operations {
		if !slices.Contains(operations, string(op)) {
			errs = append(errs, field.NotSupported(fld.Child("operations").Index(i), op, operations))
		}
	}
	if len(r.Operations) > 1 && slices.Contains(r.Operations, v1.OperationAll) {
		errs = append(errs, field.Invalid(fld.Child("operations"), r.Operations, "if '*' is present, must not specify other operations"))
	}
	for _, req := range []struct {
		name string
		n    int
	}{{"apiGroups", len(r.APIGroups)}, {"apiVersions", len(r.APIVersions)}, {"resources", len(r.Resources)}} {
		if req.n == 0 {
			errs = append(errs, field.Required(fld.Child(req.name), ""))
		}
	}
	return append(errs, oneOf((*string)(r.Scope), scopes, fld.Child("scope"))...)
}

// validateClientConfig: a webhook is reached by an https URL or by a
// Service, exactly one.
func validateClientConfig(cc v1.WebhookClientConfig, fld *field.Path) field.ErrorList {
	switch {
	case (cc.URL == nil) == (cc.Service == nil):
		return field.ErrorList{field.Required(fld, "exactly one of url or service is required")}
	case cc.URL != nil:
		return validateURL(*cc.URL, fld.Child("url"))
	}
	return validateService(cc.Service, fld.Child("service"))
}

func validateURL(raw string, fld *field.Path) field.ErrorList {
	u, err := url.Parse(raw)
	if err != nil {
		return field.ErrorList{field.Required(fld, "url must be a valid URL: "+err.Error()+urlFormatSuffix)}
	}
	var errs field.ErrorList
	if u.Scheme != "https" {
		errs = append(errs, field.Invalid(fld, u.Scheme, "'https' is the only allowed URL scheme"+urlFormatSuffix))
	}
	if u.Host == "" {
		errs = append(errs, field.Invalid(fld, u.Host, "host must be specified"+urlFormatSuffix))
	}
	if u.User != nil {
		errs = append(errs, field.Invalid(fld, u.User.String(), "user information is not permitted in the URL"))
	}
	if u.Fragment != "" {
		errs = append(errs, field.Invalid(fld, u.Fragment, "fragments are not permitted in the URL"))
	}
	if u.RawQuery != "" {
		errs = append(errs, field.Invalid(fld, u.RawQuery, "query parameters are not permitted in the URL"))
	}
	return errs
}

func validateService(s *v1.ServiceReference, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Name == "" {
		errs = append(errs, field.Required(fld.Child("name"), "service name is required"))
	}
	if s.Namespace == "" {
		errs = append(errs, field.Required(fld.Child("namespace"), "service namespace is required"))
	}
	if s.Port != nil {
		for _, msg := range validation.IsValidPortNum(int(*s.Port)) {
			errs = append(errs, field.Invalid(fld.Child("port"), *s.Port, "port is not valid: "+msg))
		}
	}
	if s.Path != nil && !strings.HasPrefix(*s.Path, "/") {
		errs = append(errs, field.Invalid(fld.Child("path"), *s.Path, "must start with a '/'"))
	}
	return errs
}
