package images

import (
	"io"
	"net/http"
	"strconv"
)

func (h *Handler) getManifest(w http.ResponseWriter, r *http.Request, rt route) error {
	m, err := h.store.GetManifest(rt.repo, rt.ref)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", m.MediaType)
	w.Header().Set("Docker-Content-Digest", m.Digest)
	w.Header().Set("ETag", `"`+m.Digest+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.Data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(m.Data)
	}
	return nil
}

func (h *Handler) putManifest(w http.ResponseWriter, r *http.Request, rt route) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxManifestBytes+1))
	if err != nil {
		return manifestInvalid("read manifest: %v", err)
	}
	if len(data) > maxManifestBytes {
		return sizeInvalid("manifest is larger than %d bytes", maxManifestBytes)
	}
	digest, err := h.store.PutManifest(rt.repo, rt.ref, r.Header.Get("Content-Type"), data)
	if err != nil {
		return err
	}
	h.log.Info("image pushed", "repository", rt.repo, "reference", rt.ref, "digest", digest)
	w.Header().Set("Location", location(r, rt, "/manifests/"+digest))
	w.Header().Set("Docker-Content-Digest", digest)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}
