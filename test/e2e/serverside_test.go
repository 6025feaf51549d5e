package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func configMapYAML(ns, name string, data map[string]string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\ndata:\n")
	for k, v := range data {
		b.WriteString("  " + k + ": \"" + v + "\"\n")
	}
	return b.String()
}

// TestServerSideApply creates and updates with apply --server-side, then
// has a second field manager collide with the first.
func TestServerSideApply(t *testing.T) {
	k, ns := newNS(t)
	data := func() string {
		return k.ok("get", "cm", "ssa", "-n", ns, "-o", "jsonpath={.data.a},{.data.b}")
	}
	wantEqual(t, "create", k.stdin(configMapYAML(ns, "ssa", map[string]string{"a": "1"})).ok("apply", "--server-side", "-f", "-"),
		"configmap/ssa serverside-applied")
	wantEqual(t, "data", data(), "1,")
	wantEqual(t, "update", k.stdin(configMapYAML(ns, "ssa", map[string]string{"a": "2"})).ok("apply", "--server-side", "-f", "-"),
		"configmap/ssa serverside-applied")
	wantEqual(t, "data", data(), "2,")
	managers := k.ok("get", "cm", "ssa", "-n", ns, "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation};{end}")
	wantEqual(t, "managers", managers, "kubectl/Apply;")

	other := k.stdin(configMapYAML(ns, "ssa", map[string]string{"a": "3", "b": "x"}))
	r := other.fail("apply", "--server-side", "--field-manager=other", "-f", "-")
	wantAll(t, "conflicting apply", r.stderr,
		`error: Apply failed with 1 conflict: conflict with "kubectl": .data.a`,
		"Please review the fields above--they currently have other managers.",
		"--force-conflicts")
	wantEqual(t, "data after conflict", data(), "2,")

	wantEqual(t, "forced apply", other.ok("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"),
		"configmap/ssa serverside-applied")
	wantEqual(t, "data", data(), "3,x")
	fields := k.ok("get", "cm", "ssa", "-n", ns, "--show-managed-fields", "-o", `jsonpath={range .metadata.managedFields[*]}{.manager}={.fieldsV1}{"\n"}{end}`)
	wantRows(t, fields, `other=\{"f:data":\{"f:a":\{\},"f:b":\{\}\}\}$`)

	// The first manager no longer owns .data.a, so dropping it from its
	// configuration leaves the field to "other".
	wantEqual(t, "first manager drops a", k.stdin(configMapYAML(ns, "ssa", map[string]string{})).ok("apply", "--server-side", "-f", "-"),
		"configmap/ssa serverside-applied")
	wantEqual(t, "data", data(), "3,x")
}

// TestClientSideApplyUpdate applies, changes and re-applies a file, and
// checks that a field dropped from the file is removed from the object.
func TestClientSideApplyUpdate(t *testing.T) {
	k, ns := newNS(t)
	wantEqual(t, "create", k.stdin(configMapYAML(ns, "csa", map[string]string{"a": "1", "b": "2"})).ok("apply", "-f", "-"), "configmap/csa created")
	wantEqual(t, "update", k.stdin(configMapYAML(ns, "csa", map[string]string{"a": "1"})).ok("apply", "-f", "-"), "configmap/csa configured")
	wantEqual(t, "data", k.ok("get", "cm", "csa", "-n", ns, "-o", "jsonpath={.data}"), `{"a":"1"}`)
	wantEqual(t, "unchanged", k.stdin(configMapYAML(ns, "csa", map[string]string{"a": "1"})).ok("apply", "-f", "-"), "configmap/csa unchanged")
}

// TestDiff compares files with the live object through a server-side
// dry run: exit 1 with a diff when they differ, 0 with nothing when not.
func TestDiff(t *testing.T) {
	k, ns := newNS(t)
	same := configMapYAML(ns, "cfg", map[string]string{"a": "1"})
	k.stdin(same).ok("apply", "-f", "-")

	r := k.stdin(configMapYAML(ns, "cfg", map[string]string{"a": "2"})).run("diff", "-f", "-")
	if r.code != 1 {
		t.Fatalf("diff of a changed file: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	wantRows(t, r.stdout, `-  a: "1"$`, `\+  a: "2"$`)

	r = k.stdin(same).run("diff", "-f", "-")
	if r.code != 0 || r.stdout != "" {
		t.Errorf("diff of the applied file: exit %d, stdout %q; want 0 and nothing", r.code, r.stdout)
	}
	// The dry runs changed nothing.
	wantEqual(t, "data", k.ok("get", "cm", "cfg", "-n", ns, "-o", "jsonpath={.data.a}"), "1")

	r = k.stdin(configMapYAML(ns, "new", map[string]string{"a": "1"})).run("diff", "-f", "-")
	if r.code != 1 || !strings.Contains(r.stdout, "+  name: new") {
		t.Errorf("diff of a new object: exit %d, stdout:\n%s", r.code, r.stdout)
	}
	k.fail("get", "cm", "new", "-n", ns)
}

// examplesIn returns the examples as one stream of documents moved to
// namespace ns.
func examplesIn(t testing.TB, ns string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var docs []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	all := strings.Join(docs, "\n---\n")
	all = strings.ReplaceAll(all, "namespace: demo\n", "namespace: "+ns+"\n")
	return strings.Replace(all, "  name: demo\n", "  name: "+ns+"\n", 1)
}

// TestServerSideApplyExamples applies every example with server-side
// apply, twice, and then collides with it on a deployment's replicas.
func TestServerSideApplyExamples(t *testing.T) {
	k := shared(t).kubectl(t)
	ns := nsName(t.Name())
	docs := examplesIn(t, ns)
	for round := range 2 {
		out := k.stdin(docs).ok("apply", "--server-side", "-f", "-")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if want := exampleCount(t); len(lines) != want {
			t.Errorf("round %d: %d lines for %d documents:\n%s", round, len(lines), want, out)
		}
		for _, l := range lines {
			if !strings.HasSuffix(l, " serverside-applied") {
				t.Errorf("round %d: %q, want serverside-applied", round, l)
			}
		}
	}
	scale := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: " + ns + "}\nspec: {replicas: 5}\n"
	r := k.stdin(scale).fail("apply", "--server-side", "--field-manager=autoscaler", "-f", "-")
	wantAll(t, "conflicting apply", r.stderr, `Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas`)
	k.stdin(scale).ok("apply", "--server-side", "--field-manager=autoscaler", "--force-conflicts", "-f", "-")
	wantEqual(t, "replicas", k.ok("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"),
		"5 docker.io/library/busybox:1.36")
}
