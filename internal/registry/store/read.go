package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff/skiff/internal/storage"
	"github.com/skiff/skiff/internal/watchcache"
)

// Get returns one object. An empty resourceVersion reads the latest state
// from storage; any other is served from the watch cache once it has reached
// that version.
func (s *Store) Get(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error) {
	key := s.key(namespace, name)
	if opts.ResourceVersion == "" {
		kv, err := s.backend.Get(ctx, key)
		if err != nil {
			return nil, s.storageError(err, name)
		}
		obj, err := s.decode(kv)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		return obj, nil
	}
	rev, err := parseRevision(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	obj, _, err := s.cache.Get(ctx, key, rev)
	if err != nil {
		return nil, s.storageError(err, name)
	}
	return obj.DeepCopyObject(), nil
}

// List returns the list object of the resource (e.g. *v1.PodList) holding
// the selected objects. Lists with a limit page through storage at one
// revision, returning a continue token; lists without one come from the
// watch cache, made fresh first when no resourceVersion is given.
func (s *Store) List(ctx context.Context, namespace string, opts metav1.ListOptions) (runtime.Object, error) {
	p, err := s.Predicate(opts)
	if err != nil {
		return nil, err
	}
	rev, err := parseRevision(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	prefix := s.listPrefix(namespace)
	var page listPage
	switch {
	case opts.Continue != "":
		var start string
		if rev, start, err = decodeContinue(opts.Continue, prefix); err != nil {
			return nil, err
		}
		page, err = s.listStorage(ctx, prefix, start, rev, opts.Limit, p)
	case opts.Limit > 0 && opts.ResourceVersion == "" && opts.ResourceVersionMatch == "":
		page, err = s.firstPage(ctx, prefix, opts.Limit, p)
	case opts.Limit > 0 && (opts.ResourceVersion == "" || opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact):
		page, err = s.listStorage(ctx, prefix, prefix, rev, opts.Limit, p)
	case opts.ResourceVersionMatch == metav1.ResourceVersionMatchExact:
		page, err = s.listStorage(ctx, prefix, prefix, rev, 0, p)
	default:
		page.items, page.rev, err = s.listCache(ctx, prefix, opts.ResourceVersion, p)
	}
	if err != nil {
		return nil, err
	}
	list, err := s.listObject(page.items, page.rev, page.cont)
	if err == nil && page.remaining > 0 {
		lm, _ := meta.ListAccessor(list)
		lm.SetRemainingItemCount(&page.remaining)
	}
	return list, err
}

// listPage is one page read from storage.
type listPage struct {
	items []runtime.Object
	rev   int64
	// cont is the continue token; remaining counts the objects after the
	// page when no selector hides some (0: unknown or none).
	cont      string
	remaining int64
}

// listCache serves a list from the watch cache. An empty resourceVersion
// asks for the latest state: the cache is brought up to the store's
// revision, or, where the store cannot say how far the cache is (etcd 3.4),
// the list is read from storage.
func (s *Store) listCache(ctx context.Context, prefix, rv string, p Predicate) ([]runtime.Object, int64, error) {
	minRev, err := parseRevision(rv)
	if err != nil {
		return nil, 0, err
	}
	if rv == "" {
		minRev, err = s.cache.WaitFresh(ctx)
		if errors.Is(err, storage.ErrProgressUnsupported) {
			page, err := s.listStorage(ctx, prefix, prefix, 0, 0, p)
			return page.items, page.rev, err
		}
		if err != nil {
			return nil, 0, s.storageError(err, "")
		}
	}
	objs, rev, err := s.cache.List(ctx, prefix, minRev)
	if err != nil {
		return nil, 0, s.storageError(err, "")
	}
	items := make([]runtime.Object, 0, len(objs))
	for _, o := range objs {
		if p.Matches(o) {
			items = append(items, o)
		}
	}
	return items, rev, nil
}

// firstPage serves the first page of a consistent paginated list from the
// watch cache once it holds every acknowledged write; later pages read
// storage at the page's revision, which is the same state. Storage would
// walk its whole index to count what follows the page (12 ms at 30,000
// pods), the cache counts in memory. Where the store cannot say how
// fresh the cache is (etcd 3.4) the page comes from storage.
func (s *Store) firstPage(ctx context.Context, prefix string, limit int64, p Predicate) (listPage, error) {
	minRev, err := s.cache.WaitFresh(ctx)
	if errors.Is(err, storage.ErrProgressUnsupported) {
		return s.listStorage(ctx, prefix, prefix, 0, limit, p)
	}
	if err != nil {
		return listPage{}, s.storageError(err, "")
	}
	var match func(runtime.Object) bool
	if !p.Empty() {
		match = p.Matches
	}
	cp, err := s.cache.Page(ctx, prefix, minRev, int(min(limit, math.MaxInt32)), match)
	if err != nil {
		return listPage{}, s.storageError(err, "")
	}
	page := listPage{items: cp.Items, rev: cp.Revision}
	if cp.More {
		page.cont = encodeContinue(cp.Revision, cp.LastKey+"\x00", prefix)
		if p.Empty() {
			page.remaining = cp.After
		}
	}
	return page, nil
}

// listStorage reads up to limit selected objects (0: all) from storage at
// revision rev (0: latest), starting at key start. It returns the revision
// read and a continue token when more may follow.
func (s *Store) listStorage(ctx context.Context, prefix, start string, rev, limit int64, p Predicate) (listPage, error) {
	var items []runtime.Object
	page := limit
	if page > 0 && !p.Empty() {
		page = max(page, 500) // selectors drop items: read bigger pages
	}
	for {
		res, err := s.backend.List(ctx, prefix, start, page, rev)
		if errors.Is(err, storage.ErrCompacted) {
			return listPage{}, apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
		}
		if err != nil {
			return listPage{}, s.storageError(err, "")
		}
		rev = res.Revision
		for i, kv := range res.KVs {
			obj, err := s.decode(kv)
			if err != nil {
				return listPage{}, apierrors.NewInternalError(err)
			}
			if !p.Matches(obj) {
				continue
			}
			items = append(items, obj)
			if limit > 0 && int64(len(items)) == limit && (i < len(res.KVs)-1 || res.More) {
				page := listPage{items: items, rev: rev, cont: encodeContinue(rev, kv.Key+"\x00", prefix)}
				if p.Empty() {
					page.remaining = res.Count - int64(i+1)
				}
				return page, nil
			}
		}
		if !res.More || len(res.KVs) == 0 {
			return listPage{items: items, rev: rev}, nil
		}
		start = res.KVs[len(res.KVs)-1].Key + "\x00"
	}
}

// listObject wraps items in the resource's list type.
func (s *Store) listObject(items []runtime.Object, rev int64, cont string) (runtime.Object, error) {
	list := s.res.NewList()
	if err := meta.SetList(list, items); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(formatRevision(rev))
	lm.SetContinue(cont)
	return list, nil
}

// continueToken is the opaque continue parameter: where the next page
// starts, relative to the list's prefix, and the revision it reads at.
type continueToken struct {
	APIVersion string `json:"v"`
	Revision   int64  `json:"rv"`
	Start      string `json:"start"`
}

func encodeContinue(rev int64, nextKey, prefix string) string {
	b, _ := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", Revision: rev, Start: strings.TrimPrefix(nextKey, prefix)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContinue(token, prefix string) (int64, string, error) {
	bad := apierrors.NewBadRequest("continue key is not valid: " + token)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", bad
	}
	var t continueToken
	if err := json.Unmarshal(raw, &t); err != nil || t.APIVersion != "meta.k8s.io/v1" || t.Revision <= 0 {
		return 0, "", bad
	}
	if strings.Contains(t.Start, "/") && !strings.HasPrefix(prefix+t.Start, prefix) {
		return 0, "", bad
	}
	return t.Revision, prefix + t.Start, nil
}

// WatchStream is a started watch: the objects that stand for the initial
// state (when asked for), then the changes after Revision.
type WatchStream struct {
	Initial  []runtime.Object
	Revision int64
	Watcher  *watchcache.Watcher
}

// Watch starts a watch with Kubernetes' resourceVersion rules: no version
// or "0" (or sendInitialEvents) start with the current state as ADDED
// events; a version N streams the changes after N, 410 Gone if N is older
// than the watch cache remembers.
func (s *Store) Watch(ctx context.Context, namespace string, opts metav1.ListOptions) (*WatchStream, error) {
	p, err := s.Predicate(opts)
	if err != nil {
		return nil, err
	}
	prefix := s.listPrefix(namespace)
	initial := opts.ResourceVersion == "" || opts.ResourceVersion == "0"
	if opts.SendInitialEvents != nil {
		initial = *opts.SendInitialEvents
	}
	ws := &WatchStream{}
	if initial {
		if ws.Initial, ws.Revision, err = s.listCache(ctx, prefix, opts.ResourceVersion, p); err != nil {
			return nil, err
		}
	} else if ws.Revision, err = parseRevision(opts.ResourceVersion); err != nil {
		return nil, err
	}
	ws.Watcher, err = s.cache.Watch(ctx, prefix, ws.Revision, p.Matches, opts.AllowWatchBookmarks)
	if err != nil {
		return nil, s.storageError(err, "")
	}
	return ws, nil
}

// WatchError turns the reason a watch ended into the API error sent to
// its client (410 Gone for a watcher the cache could no longer serve).
func (s *Store) WatchError(err error) error { return s.storageError(err, "") }
