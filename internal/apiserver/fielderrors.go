package apiserver

import (
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fieldErrors is a one-error list for a request parameter or body field.
func fieldErrors(path, detail string) field.ErrorList {
	if detail == "Required value" || detail == "is required for apply patch" {
		return field.ErrorList{field.Required(field.NewPath(path), detail)}
	}
	return field.ErrorList{field.Invalid(field.NewPath(path), "", detail)}
}

func isAPIStatus(err error) bool {
	var s apierrors.APIStatus
	return errors.As(err, &s)
}
