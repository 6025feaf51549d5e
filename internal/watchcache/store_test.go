package watchcache

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestSortedItems(t *testing.T) {
	cm := func(name string) runtime.Object {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}
	names := func(objs []runtime.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.(*corev1.ConfigMap).Name)
		}
		return out
	}
	s := newSortedItems()
	for _, k := range []string{"/c/b/2", "/c/a/1", "/c/b/1", "/c/ab/1", "/d/a/1", "/c/a/2"} {
		s.put(k, cm(k), nil)
	}
	s.put("/c/a/1", cm("/c/a/1 again"), nil)
	s.remove("/c/b/2")
	s.remove("/c/none")
	cases := []struct {
		prefix string
		want   []string
	}{
		{"/c/a/", []string{"/c/a/1 again", "/c/a/2"}},
		{"/c/a", []string{"/c/a/1 again", "/c/a/2", "/c/ab/1"}},
		{"/c/", []string{"/c/a/1 again", "/c/a/2", "/c/ab/1", "/c/b/1"}},
		{"/", []string{"/c/a/1 again", "/c/a/2", "/c/ab/1", "/c/b/1", "/d/a/1"}},
		{"/e/", nil},
	}
	for _, c := range cases {
		if got := names(s.under(c.prefix)); !slices.Equal(got, c.want) {
			t.Errorf("under(%q) = %q, want %q", c.prefix, got, c.want)
		}
	}
	if got := s.get("/c/b/2"); got != nil {
		t.Errorf("get of a removed key = %v", got)
	}
	if got := s.get("/d/a/1"); got == nil || got.(*corev1.ConfigMap).Name != "/d/a/1" {
		t.Errorf("get(/d/a/1) = %v", got)
	}
}

func TestSortedItemsPage(t *testing.T) {
	s := newSortedItems()
	for _, k := range []string{"/p/a", "/p/b", "/p/c", "/p/d", "/p/e", "/q/a"} {
		s.put(k, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: k}}, nil)
	}
	notC := func(o runtime.Object) bool { return o.(*corev1.ConfigMap).Name != "/p/c" }
	cases := []struct {
		name      string
		limit     int
		match     func(runtime.Object) bool
		wantLen   int
		wantLast  string
		wantMore  bool
		wantAfter int64
	}{
		{"first two", 2, nil, 2, "/p/b", true, 3},
		{"all of the prefix", 5, nil, 5, "/p/e", false, 0},
		{"more than there are", 9, nil, 5, "/p/e", false, 0},
		{"a filter skips", 3, notC, 3, "/p/d", true, 1},
		{"a filter, to the end", 4, notC, 4, "/p/e", false, 0},
	}
	for _, c := range cases {
		items, last, more, after := s.page("/p/", c.limit, c.match)
		if len(items) != c.wantLen || last != c.wantLast || more != c.wantMore || after != c.wantAfter {
			t.Errorf("%s: %d items, last %q, more %v, after %d; want %d, %q, %v, %d",
				c.name, len(items), last, more, after, c.wantLen, c.wantLast, c.wantMore, c.wantAfter)
		}
	}
}
