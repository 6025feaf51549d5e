package certificates

import (
	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// SetRequester records the authenticated creator of a CSR, overwriting
// whatever the client claimed.
func (CSRStrategy) SetRequester(obj runtime.Object, user string, groups []string) {
	SetRequester(obj.(*certificatesv1.CertificateSigningRequest), user, "", groups, nil)
}

// ValidateApproval checks an update through the approval subresource.
func (CSRStrategy) ValidateApproval(obj, old runtime.Object) field.ErrorList {
	return ValidateApprovalUpdate(obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest))
}
