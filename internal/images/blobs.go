package images

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func (h *Handler) getBlob(w http.ResponseWriter, r *http.Request, rt route) error {
	f, err := h.store.OpenBlob(rt.ref)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Docker-Content-Digest", rt.ref)
	w.Header().Set("ETag", `"`+rt.ref+`"`)
	// Blobs never change, so ranges and HEAD come from ServeContent.
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

func (h *Handler) uploadHandler(method string) handlerFunc {
	switch method {
	case http.MethodPost:
		return h.startUpload
	case http.MethodPatch:
		return h.patchUpload
	case http.MethodPut:
		return h.putUpload
	case http.MethodGet, http.MethodHead:
		return h.uploadStatus
	case http.MethodDelete:
		return h.cancelUpload
	}
	return nil
}

// startUpload is POST .../blobs/uploads/: a cross-repository mount of a
// stored blob, a monolithic upload (?digest= with the body), or the start
// of a chunked one.
func (h *Handler) startUpload(w http.ResponseWriter, r *http.Request, rt route) error {
	q := r.URL.Query()
	if mount := q.Get("mount"); mount != "" {
		if _, err := h.store.StatBlob(mount); err == nil {
			blobCreated(w, r, rt, mount)
			return nil
		}
	}
	id, err := h.store.StartUpload()
	if err != nil {
		return err
	}
	if digest := q.Get("digest"); digest != "" {
		if err := h.store.FinishUpload(id, digest, r.Body); err != nil {
			_ = h.store.CancelUpload(id)
			return err
		}
		blobCreated(w, r, rt, digest)
		return nil
	}
	uploadAccepted(w, r, rt, id, 0, http.StatusAccepted)
	return nil
}

func (h *Handler) patchUpload(w http.ResponseWriter, r *http.Request, rt route) error {
	start, err := chunkStart(r.Header.Get("Content-Range"))
	if err != nil {
		return err
	}
	size, err := h.store.AppendUpload(rt.ref, start, r.Body)
	if err != nil {
		return err
	}
	uploadAccepted(w, r, rt, rt.ref, size, http.StatusAccepted)
	return nil
}

func (h *Handler) putUpload(w http.ResponseWriter, r *http.Request, rt route) error {
	digest := r.URL.Query().Get("digest")
	if digest == "" {
		return digestInvalid("the final PUT of an upload needs ?digest=")
	}
	if err := h.store.FinishUpload(rt.ref, digest, r.Body); err != nil {
		return err
	}
	blobCreated(w, r, rt, digest)
	return nil
}

func (h *Handler) uploadStatus(w http.ResponseWriter, r *http.Request, rt route) error {
	size, err := h.store.UploadSize(rt.ref)
	if err != nil {
		return err
	}
	uploadAccepted(w, r, rt, rt.ref, size, http.StatusNoContent)
	return nil
}

func (h *Handler) cancelUpload(w http.ResponseWriter, r *http.Request, rt route) error {
	if err := h.store.CancelUpload(rt.ref); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// chunkStart reads where a PATCH chunk begins from its Content-Range
// ("start-end"); -1 when the header is absent.
func chunkStart(header string) (int64, error) {
	if header == "" {
		return -1, nil
	}
	from, _, ok := strings.Cut(strings.TrimPrefix(header, "bytes="), "-")
	start, err := strconv.ParseInt(from, 10, 64)
	if !ok || err != nil || start < 0 {
		return 0, rangeInvalid("invalid Content-Range %q", header)
	}
	return start, nil
}

// location is a registry URL path for the repository as the client named
// it, keeping the ns parameter so that a mirror client's next request
// names the same repository.
func location(r *http.Request, rt route, suffix string) string {
	loc := "/v2/" + rt.name + suffix
	if ns := r.URL.Query().Get("ns"); ns != "" {
		loc += "?" + url.Values{"ns": {ns}}.Encode()
	}
	return loc
}

func blobCreated(w http.ResponseWriter, r *http.Request, rt route, digest string) {
	w.Header().Set("Location", location(r, rt, "/blobs/"+digest))
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

func uploadAccepted(w http.ResponseWriter, r *http.Request, rt route, id string, size int64, status int) {
	w.Header().Set("Location", location(r, rt, "/blobs/uploads/"+id))
	w.Header().Set("Docker-Upload-UUID", id)
	// Range is the inclusive byte range received; 0-0 stands for none.
	w.Header().Set("Range", fmt.Sprintf("0-%d", max(size-1, 0)))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(status)
}
