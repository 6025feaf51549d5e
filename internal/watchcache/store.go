package watchcache

import (
	"strings"

	"github.com/google/btree"
	"k8s.io/apimachinery/pkg/runtime"
)

// item is one cached object under its key, with the stored bytes it was
// decoded from (shared, never changed): an update compares its result
// with them instead of encoding the cached object again.
type item struct {
	key string
	obj runtime.Object
	raw []byte
}

// sortedItems is the cache's content ordered by key: a prefix is one
// contiguous run, so a namespace list touches only that namespace. A
// B-tree rather than a sorted slice: inserting or deleting in the middle
// of a slice of 30,000 pods moved half of it, pointer by pointer under
// the GC's write barrier, for every pod created or deleted.
type sortedItems struct {
	tree *btree.BTreeG[item]
}

// itemDegree is the B-tree's degree: nodes of up to 63 items keep the
// tree shallow and each node's items in a few cache lines of pointers.
const itemDegree = 32

func lessItem(a, b item) bool { return a.key < b.key }

func newSortedItems() sortedItems {
	return sortedItems{tree: btree.NewG(itemDegree, lessItem)}
}

func (s sortedItems) get(key string) runtime.Object { return s.getItem(key).obj }

// getItem returns key's item; a zero item when it is absent.
func (s sortedItems) getItem(key string) item {
	it, _ := s.tree.Get(item{key: key})
	return it
}

// put inserts or replaces key's object.
func (s sortedItems) put(key string, obj runtime.Object, raw []byte) {
	s.tree.ReplaceOrInsert(item{key, obj, raw})
}

func (s sortedItems) remove(key string) {
	s.tree.Delete(item{key: key})
}

// under returns the objects whose keys start with prefix, in key order.
func (s sortedItems) under(prefix string) []runtime.Object {
	var out []runtime.Object
	s.tree.AscendGreaterOrEqual(item{key: prefix}, func(it item) bool {
		if !strings.HasPrefix(it.key, prefix) {
			return false
		}
		out = append(out, it.obj)
		return true
	})
	return out
}

// page is the first limit (> 0) objects under prefix that match, in key
// order; the last one's key, whether any key under prefix follows it, and
// how many keys under prefix follow it.
func (s sortedItems) page(prefix string, limit int, match func(runtime.Object) bool) (items []runtime.Object, lastKey string, more bool, after int64) {
	s.tree.AscendGreaterOrEqual(item{key: prefix}, func(it item) bool {
		if !strings.HasPrefix(it.key, prefix) {
			return false
		}
		if len(items) == limit {
			more = true
			after++
			return true
		}
		if match == nil || match(it.obj) {
			items = append(items, it.obj)
			lastKey = it.key
		}
		return true
	})
	return items, lastKey, more, after
}
