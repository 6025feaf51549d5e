package apiserver

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// gzipThreshold is the body size above which responses are compressed for
// clients that accept gzip; smaller bodies are not worth the CPU.
const gzipThreshold = 32 << 10

// maxBodyBytes is the largest request body accepted, as in Kubernetes.
const maxBodyBytes = 3 << 20

// writeObject encodes obj in the negotiated form, for objects of the group
// version gv.
func (a *API) writeObject(w http.ResponseWriter, r *http.Request, code int, gv schema.GroupVersion, obj runtime.Object) {
	out, err := a.negotiate(r, false)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEncoded(w, r, code, out, gv, obj)
}

func (a *API) writeEncoded(w http.ResponseWriter, r *http.Request, code int, out output, gv schema.GroupVersion, obj runtime.Object) {
	var buf bytes.Buffer
	enc := a.codecs.EncoderForVersion(out.info.Serializer, gv)
	if err := enc.Encode(unshared(obj), &buf); err != nil {
		a.log.Error("encode response", "err", err, "path", r.URL.Path)
		code = http.StatusInternalServerError
		buf.Reset()
		_ = a.codecs.EncoderForVersion(out.info.Serializer, metav1.SchemeGroupVersion).Encode(toStatus(err), &buf)
	}
	ct := out.info.MediaType
	if out.as != "" {
		ct += ";as=" + out.as + ";g=meta.k8s.io;v=v1"
	}
	writeBody(w, r, code, ct, buf.Bytes())
}

// writeBody writes a response, gzipped when large and the client accepts it.
func writeBody(w http.ResponseWriter, r *http.Request, code int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if len(body) >= gzipThreshold && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		h.Add("Vary", "Accept-Encoding")
		w.WriteHeader(code)
		gz := gzip.NewWriter(w)
		_, _ = gz.Write(body)
		_ = gz.Close()
		return
	}
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		if strings.TrimSpace(strings.SplitN(part, ";", 2)[0]) == "gzip" {
			return true
		}
	}
	return false
}

// writeError answers with the metav1.Status of err, in the client's
// preferred form when it has one, JSON otherwise.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := toStatus(err)
	if status.Code >= 500 {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	out, nerr := a.negotiate(r, false)
	if nerr != nil {
		out = output{info: a.jsonInfo}
	}
	out.as = ""
	if status.Code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="skiff"`)
	}
	a.writeEncoded(w, r, int(status.Code), out, schema.GroupVersion{Version: "v1"}, status)
}

// readBody reads a request body up to the size limit: 413 beyond it.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > maxBodyBytes {
		return nil, tooLarge()
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("read request body: %v", err))
	}
	if len(data) > maxBodyBytes {
		return nil, tooLarge()
	}
	return data, nil
}

func tooLarge() error {
	return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", maxBodyBytes))
}

// warn adds a Warning header, which kubectl prints as "Warning: ...".
func warn(w http.ResponseWriter, msg string) {
	w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
}
