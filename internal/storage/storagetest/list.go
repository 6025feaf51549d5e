package storagetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/skiff/skiff/internal/storage"
)

func testListPaging(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	for _, k := range []string{"c", "a", "e", "b", "d"} {
		mustCreate(t, b, p+"ns/"+k, "v-"+k)
	}
	// Neighbours that share the prefix as a string but not as a directory.
	mustCreate(t, b, p+"ns-other/a", "no")
	mustCreate(t, b, p+"nr", "no")

	first, err := b.List(ctx, p+"ns/", "", 2, 0)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	// A write after the first page must not show in later pages read at
	// the first page's revision.
	mustCreate(t, b, p+"ns/bb", "late")

	var keys []string
	page, start, read := first, "", 0
	for i := 0; ; i++ {
		if i > 0 {
			if page, err = b.List(ctx, p+"ns/", start, 2, first.Revision); err != nil {
				t.Fatalf("List page %d: %v", i, err)
			}
		}
		if page.Count != int64(5-read) || page.Revision != first.Revision {
			t.Fatalf("page %d: Count %d, Revision %d; want %d at %d", i, page.Count, page.Revision, 5-read, first.Revision)
		}
		read += len(page.KVs)
		for _, kv := range page.KVs {
			keys = append(keys, strings.TrimPrefix(kv.Key, p+"ns/")+"="+string(kv.Value))
		}
		if !page.More {
			break
		}
		if len(page.KVs) != 2 {
			t.Fatalf("page %d has %d keys and More", i, len(page.KVs))
		}
		start = page.KVs[len(page.KVs)-1].Key + "\x00"
	}
	got := strings.Join(keys, ",")
	if want := "a=v-a,b=v-b,c=v-c,d=v-d,e=v-e"; got != want {
		t.Fatalf("paged keys = %s, want %s", got, want)
	}

	all, err := b.List(ctx, p+"ns/", "", 0, 0)
	if err != nil || len(all.KVs) != 6 || all.More || all.Count != 6 || all.Revision <= first.Revision {
		t.Fatalf("List of all = %d keys, More %v, Count %d, Revision %d, %v", len(all.KVs), all.More, all.Count, all.Revision, err)
	}
	empty, err := b.List(ctx, p+"none/", "", 0, 0)
	if err != nil || len(empty.KVs) != 0 || empty.Count != 0 || empty.Revision == 0 {
		t.Fatalf("List of an empty prefix = %+v, %v", empty, err)
	}
}

func testListAtRevision(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	rev1 := mustCreate(t, b, p+"a", "old")
	if _, _, err := b.Update(ctx, p+"a", []byte("new"), rev1); err != nil {
		t.Fatalf("Update: %v", err)
	}
	mustCreate(t, b, p+"b", "later")
	cases := []struct {
		rev  int64
		want string
	}{
		{rev1, "a=old"},
		{0, "a=new,b=later"},
	}
	for _, c := range cases {
		res, err := b.List(ctx, p, "", 0, c.rev)
		if err != nil {
			t.Fatalf("List at %d: %v", c.rev, err)
		}
		if got := listed(res, p); got != c.want {
			t.Errorf("List at %d = %s, want %s", c.rev, got, c.want)
		}
		if c.rev != 0 && res.Revision != c.rev {
			t.Errorf("List at %d says it read at %d", c.rev, res.Revision)
		}
	}
}

func testListFutureRevision(t *testing.T, b storage.Backend, p string) {
	ctx := ctxFor(t)
	cur, err := b.CurrentRevision(ctx)
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	_, err = b.List(ctx, p, "", 0, cur+1000)
	wantErr(t, "List in the future", err, storage.ErrFutureRevision)
}

// listed renders a list as key=value pairs with the prefix cut off.
func listed(res storage.ListResult, p string) string {
	var out []string
	for _, kv := range res.KVs {
		out = append(out, fmt.Sprintf("%s=%s", strings.TrimPrefix(kv.Key, p), kv.Value))
	}
	return strings.Join(out, ",")
}
