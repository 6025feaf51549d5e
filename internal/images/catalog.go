package images

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

// tagList is the body of GET /v2/<name>/tags/list.
type tagList struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

// catalog is the body of GET /v2/_catalog.
type catalog struct {
	Repositories []string `json:"repositories"`
}

func (h *Handler) serveTags(w http.ResponseWriter, r *http.Request, rt route) error {
	tags, err := h.store.Tags(rt.repo)
	if err != nil {
		return err
	}
	page, err := paginate(w, r, tags, location(r, rt, "/tags/list"))
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, tagList{Name: rt.name, Tags: page})
	return nil
}

func (h *Handler) serveCatalog(w http.ResponseWriter, r *http.Request, _ route) error {
	repos, err := h.store.Repositories()
	if err != nil {
		return err
	}
	page, err := paginate(w, r, repos, "/v2/_catalog")
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, catalog{Repositories: page})
	return nil
}

// paginate applies the spec's n and last parameters to a sorted list and
// sets the Link header when more follows.
func paginate(w http.ResponseWriter, r *http.Request, all []string, path string) ([]string, error) {
	q := r.URL.Query()
	page := all[sort.SearchStrings(all, q.Get("last")):]
	if len(page) > 0 && q.Get("last") != "" && page[0] == q.Get("last") {
		page = page[1:]
	}
	if q.Get("n") == "" {
		return page, nil
	}
	n, err := strconv.Atoi(q.Get("n"))
	if err != nil || n < 0 {
		return nil, newError("PAGINATION_NUMBER_INVALID", http.StatusBadRequest, "invalid n %q", q.Get("n"))
	}
	if n == 0 {
		return []string{}, nil
	}
	if len(page) > n {
		page = page[:n]
		next := url.Values{"n": {strconv.Itoa(n)}, "last": {page[len(page)-1]}}
		sep := "?"
		if u, err := url.Parse(path); err == nil && u.RawQuery != "" {
			sep = "&"
		}
		w.Header().Set("Link", "<"+path+sep+next.Encode()+`>; rel="next"`)
	}
	return page, nil
}
