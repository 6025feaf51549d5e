package storagev1

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxDriverNameLen is the CSI limit on driver names.
const maxDriverNameLen = 63

// validateDriverName checks a CSI driver name: at most 63 characters, a DNS
// subdomain once lower-cased (CSI allows upper case).
func validateDriverName(name string, fld *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fld, "")}
	}
	var errs field.ErrorList
	if len(name) > maxDriverNameLen {
		errs = append(errs, field.TooLong(fld, name, maxDriverNameLen))
	}
	for _, msg := range validation.IsDNS1123Subdomain(strings.ToLower(name)) {
		errs = append(errs, field.Invalid(fld, name, msg))
	}
	return errs
}

// validateDriverObjectName is the metadata.name rule of CSIDriver objects,
// which are named after their driver.
func validateDriverObjectName(name string, prefix bool) []string {
	if prefix {
		return validation.IsDNS1123Subdomain(strings.ToLower(name))
	}
	var msgs []string
	if len(name) > maxDriverNameLen {
		msgs = append(msgs, validation.MaxLenError(maxDriverNameLen))
	}
	return append(msgs, validation.IsDNS1123Subdomain(strings.ToLower(name))...)
}

func validateQualifiedName(value string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(value) {
		errs = append(errs, field.Invalid(fld, value, msg))
	}
	return errs
}

func validateSubdomain(value string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(value) {
		errs = append(errs, field.Invalid(fld, value, msg))
	}
	return errs
}

func validateNonNegativeQuantity(q *resource.Quantity, fld *field.Path) field.ErrorList {
	if q == nil || q.Sign() >= 0 {
		return nil
	}
	return field.ErrorList{field.Invalid(fld, q.String(), "must be greater than or equal to 0")}
}
