package server

import (
	"encoding/json"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// writeStatus answers an error as a metav1.Status, the body clients of the
// API decode: kubectl, through the API server's transparent proxy, shows
// "Error from server (NotFound): <msg>". (The kubelet writes plain text,
// which the real API server turns into a Status before kubectl sees it,
// and which kubectl mangles when it gets it as is.)
func writeStatus(w http.ResponseWriter, code int, msg string) {
	st := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reasonFor(code),
		Code:     int32(code),
	}
	b, err := json.Marshal(st)
	if err != nil {
		writeText(w, code, msg)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func reasonFor(code int) metav1.StatusReason {
	switch code {
	case http.StatusBadRequest:
		return metav1.StatusReasonBadRequest
	case http.StatusNotFound:
		return metav1.StatusReasonNotFound
	case http.StatusUnprocessableEntity:
		return metav1.StatusReasonInvalid
	case http.StatusTooManyRequests:
		return metav1.StatusReasonTooManyRequests
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return metav1.StatusReasonServiceUnavailable
	case http.StatusInternalServerError:
		return metav1.StatusReasonInternalError
	}
	return metav1.StatusReasonUnknown
}

// notFoundMessage is what a user reads for a Pods error wrapping
// ErrNotFound: its text without the sentinel's own ": not found" tail.
func notFoundMessage(err error) string {
	msg := err.Error()
	if t := strings.TrimSuffix(msg, ": "+ErrNotFound.Error()); t != "" {
		return t
	}
	return msg
}
