package images

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error is a registry error: one of the Distribution spec's codes with its
// HTTP status. Handlers return it; the edge writes it as
// {"errors":[{"code":..,"message":..}]}.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// Unauthorized is the error for a client that did not authenticate.
func Unauthorized(format string, args ...any) error {
	return newError("UNAUTHORIZED", http.StatusUnauthorized, format, args...)
}

// Denied is the error for a client that may not do what it asked.
func Denied(format string, args ...any) error {
	return newError("DENIED", http.StatusForbidden, format, args...)
}

func nameInvalid(format string, args ...any) *Error {
	return newError("NAME_INVALID", http.StatusBadRequest, format, args...)
}

func nameUnknown(name string) *Error {
	return newError("NAME_UNKNOWN", http.StatusNotFound, "repository %s is not known to the registry", name)
}

func blobUnknown(digest string) *Error {
	return newError("BLOB_UNKNOWN", http.StatusNotFound, "blob %s is not known to the registry", digest)
}

func uploadUnknown(id string) *Error {
	return newError("BLOB_UPLOAD_UNKNOWN", http.StatusNotFound, "blob upload %s is not known", id)
}

func uploadInvalid(format string, args ...any) *Error {
	return newError("BLOB_UPLOAD_INVALID", http.StatusBadRequest, format, args...)
}

func rangeInvalid(format string, args ...any) *Error {
	return newError("RANGE_INVALID", http.StatusRequestedRangeNotSatisfiable, format, args...)
}

func digestInvalid(format string, args ...any) *Error {
	return newError("DIGEST_INVALID", http.StatusBadRequest, format, args...)
}

func manifestUnknown(ref string) *Error {
	return newError("MANIFEST_UNKNOWN", http.StatusNotFound, "manifest %s is not known to the registry", ref)
}

func manifestInvalid(format string, args ...any) *Error {
	return newError("MANIFEST_INVALID", http.StatusBadRequest, format, args...)
}

func manifestBlobUnknown(digest string) *Error {
	return newError("MANIFEST_BLOB_UNKNOWN", http.StatusBadRequest, "manifest references blob %s, which is not known to the registry", digest)
}

func sizeInvalid(format string, args ...any) *Error {
	return newError("SIZE_INVALID", http.StatusBadRequest, format, args...)
}

func tagInvalid(tag string) *Error {
	return newError("TAG_INVALID", http.StatusBadRequest, "invalid tag %q", tag)
}

func unsupported(format string, args ...any) *Error {
	return newError("UNSUPPORTED", http.StatusMethodNotAllowed, format, args...)
}

func notFound() *Error {
	return newError("NOT_FOUND", http.StatusNotFound, "the registry has no such endpoint")
}

// errorBody is the JSON the spec defines for errors.
type errorBody struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteError writes err in the registry's error format; errors that are
// not *Error are internal and their text is not shown to the client.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = newError("UNKNOWN", http.StatusInternalServerError, "the registry hit an unexpected error")
	}
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(errorBody{Errors: []errorEntry{{Code: e.Code, Message: e.Message}}})
}
