package certificates

import (
	"fmt"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PrepareApproval readies an update to the approval subresource: of the
// new object only the conditions are taken; spec and certificate stay as
// stored.
func PrepareApproval(csr, old *certificatesv1.CertificateSigningRequest) {
	conditions := csr.Status.Conditions
	csr.Spec = old.Spec
	csr.Status = *old.Status.DeepCopy()
	csr.Status.Conditions = conditions
}

// ValidateApprovalUpdate checks an update to the approval subresource:
// only status.conditions may change, an existing Approved or Denied
// condition may not be removed, and other conditions (the signer's) may
// not be touched.
func ValidateApprovalUpdate(csr, old *certificatesv1.CertificateSigningRequest) field.ErrorList {
	errs := validateSpecUnchanged(csr, old)
	errs = append(errs, validateConditions(csr.Status.Conditions, field.NewPath("status", "conditions"))...)
	errs = append(errs, validateApprovalKept(csr, old, true)...)
	if !equality.Semantic.DeepEqual(signerConditions(csr), signerConditions(old)) {
		errs = append(errs, field.Forbidden(field.NewPath("status", "conditions"), "only Approved and Denied conditions may be changed through the approval subresource"))
	}
	return append(errs, validateCertificateKept(csr, old)...)
}

// signerConditions are the conditions other than Approved and Denied.
func signerConditions(csr *certificatesv1.CertificateSigningRequest) []certificatesv1.CertificateSigningRequestCondition {
	var out []certificatesv1.CertificateSigningRequestCondition
	for _, c := range csr.Status.Conditions {
		if !isApproval(c.Type) {
			out = append(out, c)
		}
	}
	return out
}

func isApproval(t certificatesv1.RequestConditionType) bool {
	return t == certificatesv1.CertificateApproved || t == certificatesv1.CertificateDenied
}

// validateApprovalKept: an approval or denial, once given, stays; only
// the approval subresource (mayAdd) may give one.
func validateApprovalKept(csr, old *certificatesv1.CertificateSigningRequest, mayAdd bool) field.ErrorList {
	fld := field.NewPath("status", "conditions")
	has := func(r *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) bool {
		for _, c := range r.Status.Conditions {
			if c.Type == t {
				return true
			}
		}
		return false
	}
	var errs field.ErrorList
	for _, t := range []certificatesv1.RequestConditionType{certificatesv1.CertificateApproved, certificatesv1.CertificateDenied} {
		if has(old, t) && !has(csr, t) {
			errs = append(errs, field.Invalid(fld, csr.Status.Conditions, fmt.Sprintf("updates may not remove a condition of type %q", t)))
		}
		if !mayAdd && !has(old, t) && has(csr, t) {
			errs = append(errs, field.Forbidden(fld, fmt.Sprintf("updates may not add a condition of type %q", t)))
		}
	}
	return errs
}

// validateCertificateKept: an issued certificate is never replaced.
func validateCertificateKept(csr, old *certificatesv1.CertificateSigningRequest) field.ErrorList {
	if len(old.Status.Certificate) > 0 && string(old.Status.Certificate) != string(csr.Status.Certificate) {
		return field.ErrorList{field.Invalid(field.NewPath("status", "certificate"), "<certificate data>", "updates may not modify existing certificate content")}
	}
	return nil
}

func validateSpecUnchanged(csr, old *certificatesv1.CertificateSigningRequest) field.ErrorList {
	if !equality.Semantic.DeepEqual(csr.Spec, old.Spec) {
		return field.ErrorList{field.Invalid(field.NewPath("spec"), "", "field is immutable")}
	}
	return nil
}
