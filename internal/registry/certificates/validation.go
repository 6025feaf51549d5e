package certificates

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// minExpirationSeconds is the shortest certificate a client may ask for.
const minExpirationSeconds = 600

// legacySignerName was the v1beta1 catch-all; v1 refuses it.
const legacySignerName = "kubernetes.io/legacy-unknown"

var validUsages = func() []string {
	usages := []certificatesv1.KeyUsage{
		certificatesv1.UsageAny, certificatesv1.UsageCertSign, certificatesv1.UsageClientAuth,
		certificatesv1.UsageCodeSigning, certificatesv1.UsageContentCommitment, certificatesv1.UsageCRLSign,
		certificatesv1.UsageDataEncipherment, certificatesv1.UsageDecipherOnly, certificatesv1.UsageDigitalSignature,
		certificatesv1.UsageEmailProtection, certificatesv1.UsageEncipherOnly, certificatesv1.UsageIPsecEndSystem,
		certificatesv1.UsageIPsecTunnel, certificatesv1.UsageIPsecUser, certificatesv1.UsageKeyAgreement,
		certificatesv1.UsageKeyEncipherment, certificatesv1.UsageMicrosoftSGC, certificatesv1.UsageNetscapeSGC,
		certificatesv1.UsageOCSPSigning, certificatesv1.UsageSMIME, certificatesv1.UsageServerAuth,
		certificatesv1.UsageSigning, certificatesv1.UsageTimestamping,
	}
	out := make([]string, len(usages))
	for i, u := range usages {
		out[i] = string(u)
	}
	slices.Sort(out)
	return out
}()

func validateSpec(spec *certificatesv1.CertificateSigningRequestSpec, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if err := parseRequest(spec.Request); err != nil {
		errs = append(errs, field.Invalid(fld.Child("request"), spec.Request, err.Error()))
	}
	if len(spec.Usages) == 0 {
		errs = append(errs, field.Required(fld.Child("usages"), ""))
	}
	seen := map[certificatesv1.KeyUsage]bool{}
	for i, u := range spec.Usages {
		if !slices.Contains(validUsages, string(u)) {
			errs = append(errs, field.NotSupported(fld.Child("usages").Index(i), u, validUsages))
		}
		if seen[u] {
			errs = append(errs, field.Duplicate(fld.Child("usages").Index(i), u))
		}
		seen[u] = true
	}
	if spec.SignerName == legacySignerName {
		errs = append(errs, field.Invalid(fld.Child("signerName"), spec.SignerName, "the legacy signerName is not allowed via this API version"))
	} else {
		errs = append(errs, validateSignerName(spec.SignerName, fld.Child("signerName"))...)
	}
	if s := spec.ExpirationSeconds; s != nil && *s < minExpirationSeconds {
		errs = append(errs, field.Invalid(fld.Child("expirationSeconds"), *s, "may not specify a duration less than 600 seconds (10 minutes)"))
	}
	return errs
}

// parseRequest checks that the request is one PEM CERTIFICATE REQUEST that
// parses as PKCS#10.
func parseRequest(req []byte) error {
	block, _ := pem.Decode(req)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return errors.New("PEM block type must be CERTIFICATE REQUEST")
	}
	_, err := x509.ParseCertificateRequest(block.Bytes)
	return err
}

// validateSignerName wants "domain.tld/path": a domain of DNS labels with
// at least one dot, then dot-separated DNS subdomains.
func validateSignerName(name string, fld *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fld, "")}
	}
	parts := strings.Split(name, "/")
	if len(parts) != 2 {
		return field.ErrorList{field.Invalid(fld, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")}
	}
	domain, rest := parts[0], parts[1]
	var errs field.ErrorList
	if len(domain) > validation.DNS1123SubdomainMaxLength {
		errs = append(errs, field.TooLong(fld, domain, validation.DNS1123SubdomainMaxLength))
	}
	labels := strings.Split(domain, ".")
	errs = append(errs, firstBadPart(labels, validation.IsDNS1123Label, fld, domain, "label")...)
	if len(labels) < 2 {
		errs = append(errs, field.Invalid(fld, domain, "should be a domain with at least two segments separated by dots"))
	}
	errs = append(errs, firstBadPart(strings.Split(rest, "."), validation.IsDNS1123Subdomain, fld, rest, "component")...)
	if max := validation.DNS1123SubdomainMaxLength + validation.LabelValueMaxLength + 1; len(rest) > max {
		errs = append(errs, field.TooLong(fld, rest, max))
	}
	return errs
}

// firstBadPart reports the first part that fails check; later ones would
// only repeat the message.
func firstBadPart(parts []string, check func(string) []string, fld *field.Path, whole, what string) field.ErrorList {
	for _, p := range parts {
		msgs := check(p)
		if len(msgs) == 0 {
			continue
		}
		var errs field.ErrorList
		for _, m := range msgs {
			errs = append(errs, field.Invalid(fld, whole, fmt.Sprintf("validating %s %q: %s", what, p, m)))
		}
		return errs
	}
	return nil
}

func validateStatus(st *certificatesv1.CertificateSigningRequestStatus) field.ErrorList {
	errs := validateConditions(st.Conditions, field.NewPath("status", "conditions"))
	if err := parseCertificates(st.Certificate); err != nil {
		errs = append(errs, field.Invalid(field.NewPath("status", "certificate"), "<certificate data>", err.Error()))
	}
	return errs
}

// validateConditions: each type at most once, Approved and Denied only
// True and never together.
func validateConditions(conds []certificatesv1.CertificateSigningRequestCondition, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[certificatesv1.RequestConditionType]bool{}
	statuses := []string{string(corev1.ConditionFalse), string(corev1.ConditionTrue), string(corev1.ConditionUnknown)}
	for i, c := range conds {
		p := fld.Index(i)
		if c.Type == "" {
			errs = append(errs, field.Required(p.Child("type"), ""))
		}
		if seen[c.Type] {
			errs = append(errs, field.Duplicate(p.Child("type"), c.Type))
		}
		seen[c.Type] = true
		switch {
		case c.Status == "":
			errs = append(errs, field.Required(p.Child("status"), ""))
		case isApproval(c.Type) && c.Status != corev1.ConditionTrue:
			errs = append(errs, field.NotSupported(p.Child("status"), c.Status, []string{string(corev1.ConditionTrue)}))
		case !slices.Contains(statuses, string(c.Status)):
			errs = append(errs, field.NotSupported(p.Child("status"), c.Status, statuses))
		}
	}
	if seen[certificatesv1.CertificateApproved] && seen[certificatesv1.CertificateDenied] {
		errs = append(errs, field.Invalid(fld, conds, "Approved and Denied conditions are mutually exclusive"))
	}
	return errs
}

// parseCertificates accepts an empty certificate or PEM CERTIFICATE blocks
// that parse.
func parseCertificates(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	n := 0
	for rest := data; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("only CERTIFICATE PEM blocks are allowed, found %q", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
	}
	if n == 0 {
		return errors.New("must contain at least one CERTIFICATE PEM block")
	}
	return nil
}
