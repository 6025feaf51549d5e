package openapi

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Media types of the protobuf encodings. Clients ask with the "@" form;
// Kubernetes answers with the "." form and accepts both.
const (
	protoV2       = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
	protoV2Legacy = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
	protoV3       = "application/com.github.proto-openapi.spec.v3.v1.0+protobuf"
	protoV3Legacy = "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"
	jsonType      = "application/json"

	v2Path = "/openapi/v2"
	v3Path = "/openapi/v3"
)

// ServeHTTP serves /openapi/v2, /openapi/v3 and /openapi/v3/<key>. Bodies
// are not compressed here: the HTTP layer's compression applies to these
// responses as to any other.
func (d *Docs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == v2Path:
		d.serveDoc(w, r, d.v2, protoV2, protoV2Legacy)
	case path == v3Path:
		serveBytes(w, r, jsonType, d.v3Index.hash, d.v3Index.json)
	case strings.HasPrefix(path, v3Path+"/"):
		d.serveGroupVersion(w, r, strings.TrimPrefix(path, v3Path+"/"))
	default:
		http.NotFound(w, r)
	}
}

// serveGroupVersion serves one v3 document. A request naming the current
// hash gets headers that let caches keep the answer for a year; any other
// hash gets the current document without them, so a stale link still works.
func (d *Docs) serveGroupVersion(w http.ResponseWriter, r *http.Request, key string) {
	doc, ok := d.v3[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.URL.Query().Get("hash") == doc.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
	}
	d.serveDoc(w, r, doc, protoV3, protoV3Legacy)
}

// serveDoc answers in JSON or protobuf as the Accept header prefers.
func (d *Docs) serveDoc(w http.ResponseWriter, r *http.Request, doc *encoded, proto, protoLegacy string) {
	w.Header().Add("Vary", "Accept")
	switch negotiate(r.Header.Get("Accept"), proto, protoLegacy) {
	case jsonType:
		serveBytes(w, r, jsonType, doc.hash, doc.json)
	case proto:
		b, err := doc.protobuf()
		if err != nil {
			http.Error(w, "encode openapi protobuf: "+err.Error(), http.StatusInternalServerError)
			return
		}
		serveBytes(w, r, proto, doc.hash, b)
	default:
		http.Error(w, "only application/json and "+proto+" are available", http.StatusNotAcceptable)
	}
}

// serveBytes writes body with its ETag; http.ServeContent answers
// If-None-Match with 304 and handles HEAD and ranges.
func serveBytes(w http.ResponseWriter, r *http.Request, contentType, hash string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("ETag", strconv.Quote(hash))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// negotiate picks jsonType or proto for an Accept header (empty means any),
// taking clauses in order of quality; "" if none is acceptable.
func negotiate(accept, proto, protoLegacy string) string {
	if strings.TrimSpace(accept) == "" {
		return jsonType
	}
	best, bestQ := "", 0.0
	for _, clause := range strings.Split(accept, ",") {
		mediaType, q := parseClause(clause)
		var pick string
		switch mediaType {
		case jsonType, "application/*", "*/*":
			pick = jsonType
		case proto, protoLegacy:
			pick = proto
		}
		if pick != "" && q > bestQ {
			best, bestQ = pick, q
		}
	}
	return best
}

// parseClause splits "type/subtype;q=0.5;x=y" into the media type and its
// quality (1 when absent).
func parseClause(clause string) (string, float64) {
	parts := strings.Split(clause, ";")
	q := 1.0
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
	}
	return strings.ToLower(strings.TrimSpace(parts[0])), q
}
