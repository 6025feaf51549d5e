// Package certificates holds the rules of certificates.k8s.io/v1
// certificatesigningrequests, with their status and approval
// subresources.
package certificates

import (
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/registry/resource"
)

// Resources returns certificatesigningrequests as Kubernetes 1.32 serves
// them. Kubernetes puts no rule on their names; skiff keeps them path
// segments so that they can be addressed.
func Resources() []resource.Resource {
	return []resource.Resource{{
		GVR:          certificatesv1.SchemeGroupVersion.WithResource("certificatesigningrequests"),
		Kind:         "CertificateSigningRequest",
		Singular:     "certificatesigningrequest",
		ShortNames:   []string{"csr"},
		New:          func() runtime.Object { return &certificatesv1.CertificateSigningRequest{} },
		NewList:      func() runtime.Object { return &certificatesv1.CertificateSigningRequestList{} },
		Strategy:     CSRStrategy{},
		Status:       true,
		ValidateName: path.ValidatePathSegmentName,
	}}
}

// CSRStrategy holds the rules of certificate signing requests. The
// requester fields of the spec (username, uid, groups, extra) must come
// from the authenticated user, not the client: see SetRequester.
type CSRStrategy struct{ resource.Base }

// PrepareForCreate makes sure no request is created approved or signed.
func (CSRStrategy) PrepareForCreate(obj runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	csr.Status = certificatesv1.CertificateSigningRequestStatus{}
}

// PrepareForUpdate keeps the spec: a request never changes once made.
func (CSRStrategy) PrepareForUpdate(obj, old runtime.Object) {
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec = prev.Spec
}

// SetRequester records who asked for the certificate; the HTTP layer calls
// it on create with the authenticated user, overwriting what the client
// sent.
func SetRequester(csr *certificatesv1.CertificateSigningRequest, username, uid string, groups []string, extra map[string][]string) {
	csr.Spec.Username = username
	csr.Spec.UID = uid
	csr.Spec.Groups = groups
	csr.Spec.Extra = nil
	for k, v := range extra {
		if csr.Spec.Extra == nil {
			csr.Spec.Extra = map[string]certificatesv1.ExtraValue{}
		}
		csr.Spec.Extra[k] = v
	}
}

func (CSRStrategy) Validate(obj runtime.Object) field.ErrorList {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	errs := validateSpec(&csr.Spec, field.NewPath("spec"))
	return append(errs, validateStatus(&csr.Status)...)
}

func (CSRStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	errs := validateSpecUnchanged(csr, prev)
	return append(errs, validateStatus(&csr.Status)...)
}

// ValidateStatusUpdate lets the signer set the certificate and its own
// conditions, but not approve or deny: that is the approval subresource.
func (CSRStrategy) ValidateStatusUpdate(obj, old runtime.Object) field.ErrorList {
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	errs := validateSpecUnchanged(csr, prev)
	errs = append(errs, validateStatus(&csr.Status)...)
	errs = append(errs, validateApprovalKept(csr, prev, false)...)
	return append(errs, validateCertificateKept(csr, prev)...)
}

func (CSRStrategy) Fields(obj runtime.Object) fields.Set {
	return fields.Set{"spec.signerName": obj.(*certificatesv1.CertificateSigningRequest).Spec.SignerName}
}

func (CSRStrategy) Columns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		resource.AgeColumn,
		resource.Column("SignerName", "Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`.", 0),
		resource.Column("Requestor", "Base64-encoded PKCS#10 CSR data", 0),
		resource.Column("RequestedDuration", "expirationSeconds is the requested duration of validity of the issued certificate.", 0),
		resource.Column("Condition", "Conditions applied to the request, such as approval or denial.", 0),
	}
}

func (CSRStrategy) Cells(obj runtime.Object) []interface{} {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	requested := "<none>"
	if s := csr.Spec.ExpirationSeconds; s != nil {
		requested = duration.HumanDuration(time.Duration(*s) * time.Second)
	}
	return []interface{}{resource.Age(csr), resource.NoneIfEmpty(csr.Spec.SignerName), csr.Spec.Username, requested, conditionCell(csr)}
}

// conditionCell summarises the request: Denied wins over Approved, then
// Failed and Issued are added.
func conditionCell(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	s := "Pending"
	if denied {
		s = "Denied"
	} else if approved {
		s = "Approved"
	}
	if failed {
		s += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		s += ",Issued"
	}
	return s
}
