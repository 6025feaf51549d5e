package watchcache

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// item is one cached object under its key.
type item struct {
	key string
	obj runtime.Object
}

// sortedItems is the cache's content sorted by key: a prefix is one
// contiguous run found by binary search, so a namespace list touches only
// that namespace, and inserting costs one memmove of pointers.
type sortedItems []item

func (s sortedItems) find(key string) (int, bool) {
	return slices.BinarySearchFunc(s, key, func(it item, k string) int { return strings.Compare(it.key, k) })
}

func (s sortedItems) get(key string) runtime.Object {
	if i, ok := s.find(key); ok {
		return s[i].obj
	}
	return nil
}

// put inserts or replaces key's object.
func (s *sortedItems) put(key string, obj runtime.Object) {
	i, ok := s.find(key)
	if ok {
		(*s)[i].obj = obj
		return
	}
	*s = slices.Insert(*s, i, item{key, obj})
}

func (s *sortedItems) remove(key string) {
	if i, ok := s.find(key); ok {
		*s = slices.Delete(*s, i, i+1)
	}
}

// under returns the objects whose keys start with prefix, in key order.
func (s sortedItems) under(prefix string) []runtime.Object {
	lo, _ := s.find(prefix)
	var out []runtime.Object
	for _, it := range s[lo:] {
		if !strings.HasPrefix(it.key, prefix) {
			break
		}
		out = append(out, it.obj)
	}
	return out
}
