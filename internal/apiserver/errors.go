package apiserver

import (
	"errors"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusError builds an API error for codes apimachinery has no
// constructor for.
func statusError(code int32, reason metav1.StatusReason, message string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    code,
		Reason:  reason,
		Message: message,
	}}
}

// toStatus turns any error into the metav1.Status a client receives. It
// is the one place where errors become HTTP answers.
func toStatus(err error) *metav1.Status {
	var api apierrors.APIStatus
	if errors.As(err, &api) {
		s := api.Status()
		if s.Code == 0 {
			s.Code = http.StatusInternalServerError
		}
		s.Status = metav1.StatusFailure
		return &s
	}
	s := apierrors.NewInternalError(err).Status()
	return &s
}
