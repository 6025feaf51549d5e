package certificates

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func keys(errs field.ErrorList) []string {
	var k []string
	for _, e := range errs {
		k = append(k, string(e.Type)+" "+e.Field)
	}
	return k
}

func wantErrs(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	k := keys(got)
	if len(k) != len(want) {
		t.Fatalf("errors = %v, want %v", got, want)
	}
	for i := range want {
		if k[i] != want[i] {
			t.Fatalf("errors = %v, want %v", k, want)
		}
	}
}

func newRequest(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "alice"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func validCSR(t *testing.T) *certificatesv1.CertificateSigningRequest {
	return &certificatesv1.CertificateSigningRequest{Spec: certificatesv1.CertificateSigningRequestSpec{
		Request: newRequest(t), SignerName: "kubernetes.io/kube-apiserver-client",
		Usages: []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth},
	}}
}

func TestCSRValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*certificatesv1.CertificateSigningRequestSpec)
		want   []string
	}{
		{"valid", func(*certificatesv1.CertificateSigningRequestSpec) {}, nil},
		{"not pem", func(s *certificatesv1.CertificateSigningRequestSpec) { s.Request = []byte("hello") }, []string{"FieldValueInvalid spec.request"}},
		{"wrong block", func(s *certificatesv1.CertificateSigningRequestSpec) {
			s.Request = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})
		}, []string{"FieldValueInvalid spec.request"}},
		{"no usages", func(s *certificatesv1.CertificateSigningRequestSpec) { s.Usages = nil }, []string{"FieldValueRequired spec.usages"}},
		{"bad usage", func(s *certificatesv1.CertificateSigningRequestSpec) { s.Usages = []certificatesv1.KeyUsage{"flying"} },
			[]string{"FieldValueNotSupported spec.usages[0]"}},
		{"no signer", func(s *certificatesv1.CertificateSigningRequestSpec) { s.SignerName = "" }, []string{"FieldValueRequired spec.signerName"}},
		{"signer without path", func(s *certificatesv1.CertificateSigningRequestSpec) { s.SignerName = "example.com" },
			[]string{"FieldValueInvalid spec.signerName"}},
		{"legacy signer", func(s *certificatesv1.CertificateSigningRequestSpec) { s.SignerName = legacySignerName },
			[]string{"FieldValueInvalid spec.signerName"}},
		{"short expiry", func(s *certificatesv1.CertificateSigningRequestSpec) { s.ExpirationSeconds = new(int32) },
			[]string{"FieldValueInvalid spec.expirationSeconds"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			csr := validCSR(t)
			c.mutate(&csr.Spec)
			wantErrs(t, CSRStrategy{}.Validate(csr), c.want...)
		})
	}
}

func condition(t certificatesv1.RequestConditionType) certificatesv1.CertificateSigningRequestCondition {
	return certificatesv1.CertificateSigningRequestCondition{Type: t, Status: corev1.ConditionTrue}
}

func TestCSRApproval(t *testing.T) {
	old := validCSR(t)
	approved := old.DeepCopy()
	approved.Status.Conditions = append(approved.Status.Conditions, condition(certificatesv1.CertificateApproved))
	approved.Spec.Username = "mallory"
	PrepareApproval(approved, old)
	if approved.Spec.Username != "" || len(approved.Status.Conditions) != 1 {
		t.Fatalf("prepare kept spec changes: %+v", approved.Spec)
	}
	wantErrs(t, ValidateApprovalUpdate(approved, old))

	both := approved.DeepCopy()
	both.Status.Conditions = append(both.Status.Conditions, condition(certificatesv1.CertificateDenied))
	wantErrs(t, ValidateApprovalUpdate(both, approved), "FieldValueInvalid status.conditions")

	removed := approved.DeepCopy()
	removed.Status.Conditions = nil
	wantErrs(t, ValidateApprovalUpdate(removed, approved), "FieldValueInvalid status.conditions")

	failed := old.DeepCopy()
	failed.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{condition(certificatesv1.CertificateFailed)}
	wantErrs(t, ValidateApprovalUpdate(failed, old), "FieldValueForbidden status.conditions")

	wantErrs(t, CSRStrategy{}.ValidateStatusUpdate(approved, old), "FieldValueForbidden status.conditions")
	wantErrs(t, CSRStrategy{}.ValidateStatusUpdate(failed, old))
}

func TestCSRCellsAndFields(t *testing.T) {
	csr := validCSR(t)
	csr.Spec.Username = "alice"
	hour := int32(3600)
	cases := []struct {
		mutate func(*certificatesv1.CertificateSigningRequest)
		want   []interface{}
	}{
		{func(*certificatesv1.CertificateSigningRequest) {}, []interface{}{"<unknown>", "kubernetes.io/kube-apiserver-client", "alice", "<none>", "Pending"}},
		{func(c *certificatesv1.CertificateSigningRequest) {
			c.Spec.ExpirationSeconds = &hour
			c.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{condition("Approved"), condition("Failed")}
			c.Status.Certificate = []byte("x")
		}, []interface{}{"<unknown>", "kubernetes.io/kube-apiserver-client", "alice", "60m", "Approved,Failed,Issued"}},
	}
	for _, c := range cases {
		obj := csr.DeepCopy()
		c.mutate(obj)
		got := CSRStrategy{}.Cells(obj)
		for i := range c.want {
			if got[i] != c.want[i] {
				t.Fatalf("cells = %#v, want %#v", got, c.want)
			}
		}
	}
	if f := (CSRStrategy{}).Fields(csr); f["spec.signerName"] != "kubernetes.io/kube-apiserver-client" {
		t.Fatalf("fields = %v", f)
	}
	SetRequester(csr, "bob", "u1", []string{"g"}, map[string][]string{"k": {"v"}})
	if csr.Spec.Username != "bob" || csr.Spec.Extra["k"][0] != "v" {
		t.Fatalf("requester = %+v", csr.Spec)
	}
}
