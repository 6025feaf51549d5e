package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestListEveryResource lists every listable resource discovery offers,
// in one call as scripts do and as wide tables one by one.
func TestListEveryResource(t *testing.T) {
	k := shared(t).kubectl(t)
	names := strings.Fields(k.ok("api-resources", "--verbs=list", "-o", "name"))
	if len(names) < 45 {
		t.Fatalf("api-resources lists %d listable resources, want the ~48 GA ones: %v", len(names), names)
	}
	k.ok("get", strings.Join(names, ","), "-A")
	for _, name := range names {
		r := k.run("get", name, "-A", "-o", "wide")
		if r.code != 0 {
			t.Errorf("kubectl get %s -A -o wide: exit %d: %s", name, r.code, r.stderr)
		}
	}
}

// TestPagedList reads a namespace in pages of two, as kubectl does for
// large lists with --chunk-size.
func TestPagedList(t *testing.T) {
	k, ns := newNS(t)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("page-%d", i)
		k.ok("create", "configmap", name, "-n", ns)
		want = append(want, "configmap/"+name)
	}
	all := k.ok("get", "configmaps", "-n", ns, "-o", "name", "--chunk-size=0")
	paged := k.ok("get", "configmaps", "-n", ns, "-o", "name", "--chunk-size=2")
	if paged != all {
		t.Errorf("paged list differs from the whole list:\npaged:\n%s\nwhole:\n%s", paged, all)
	}
	wantAll(t, "paged list", paged, want...)
	wantRows(t, k.ok("get", "--raw", "/api/v1/namespaces/"+ns+"/configmaps?limit=2"),
		`.*"continue":"[^"]+"`, `.*"remainingItemCount":\d+`)
}

// TestDryRunAndReplace deletes and replaces with a server-side dry run,
// which must change nothing, then replaces for real.
func TestDryRunAndReplace(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "configmap", "cfg", "--from-literal=a=1", "-n", ns)
	wantEqual(t, "dry-run delete", k.ok("delete", "configmap", "cfg", "-n", ns, "--dry-run=server"), `configmap "cfg" deleted (server dry run)`)
	k.ok("get", "configmap", "cfg", "-n", ns)

	current := k.ok("get", "configmap", "cfg", "-n", ns, "-o", "yaml")
	changed := strings.Replace(current, `a: "1"`, `a: "2"`, 1)
	wantEqual(t, "dry-run replace", k.stdin(changed).ok("replace", "-f", "-", "--dry-run=server"), "configmap/cfg replaced (server dry run)")
	wantEqual(t, "data after dry run", k.ok("get", "configmap", "cfg", "-n", ns, "-o", "jsonpath={.data.a}"), "1")
	wantEqual(t, "replace", k.stdin(changed).ok("replace", "-f", "-"), "configmap/cfg replaced")
	wantEqual(t, "data after replace", k.ok("get", "configmap", "cfg", "-n", ns, "-o", "jsonpath={.data.a}"), "2")
}
