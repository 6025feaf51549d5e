package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// errorCase is one failing kubectl call and the text kubectl prints for
// it against Kubernetes.
type errorCase struct {
	name  string
	setup [][]string // calls that must succeed first
	stdin string
	args  []string
	// exact is the whole of stderr; else want lists fragments.
	exact string
	want  []string
}

func deploymentYAML(ns, name, replicas, extra string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
  namespace: ` + ns + `
spec:
  replicas: ` + replicas + `
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata: {labels: {app: ` + name + `}}
    spec: {containers: [{name: c, image: "busybox:1.36"}]}
` + extra
}

// TestErrors checks the server's errors as kubectl shows them.
func TestErrors(t *testing.T) {
	k, ns := newNS(t)
	cases := []errorCase{
		{name: "get missing", args: []string{"get", "pod", "nope"},
			exact: `Error from server (NotFound): pods "nope" not found`},
		{name: "get missing deployment", args: []string{"get", "deployment.apps", "nope"},
			exact: `Error from server (NotFound): deployments.apps "nope" not found`},
		{name: "create existing", setup: [][]string{{"create", "configmap", "dup"}}, args: []string{"create", "configmap", "dup"},
			exact: `error: failed to create configmap: configmaps "dup" already exists`},
		{name: "create -f existing", stdin: configMapYAML(ns, "dup", nil), args: []string{"create", "-f", "-"},
			exact: `Error from server (AlreadyExists): error when creating "STDIN": configmaps "dup" already exists`},
		{name: "negative replicas", stdin: deploymentYAML(ns, "neg", "-1", ""), args: []string{"apply", "-f", "-"},
			exact: `The Deployment "neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`},
		{name: "unknown field strict", stdin: deploymentYAML(ns, "strict", "1", "  foo: bar\n"), args: []string{"create", "-f", "-", "--validate=strict"},
			exact: `Error from server (BadRequest): error when creating "STDIN": strict decoding error: unknown field "spec.foo"`},
		{name: "unknown field apply", stdin: deploymentYAML(ns, "strict", "1", "  foo: bar\n"), args: []string{"apply", "-f", "-"},
			exact: `Error from server (BadRequest): error when creating "STDIN": strict decoding error: unknown field "spec.foo"`},
		{name: "invalid name", args: []string{"create", "configmap", "Bad_Name"},
			want: []string{`error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`}},
		{name: "missing namespace", args: []string{"create", "configmap", "x", "-n", ns + "-missing"},
			exact: `error: failed to create configmap: namespaces "` + ns + `-missing" not found`},
		{name: "missing namespace -f", stdin: configMapYAML(ns+"-missing", "x", nil), args: []string{"create", "-f", "-", "-n", ns + "-missing"},
			exact: `Error from server (NotFound): error when creating "STDIN": namespaces "` + ns + `-missing" not found`},
		{name: "pod without containers", stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: empty, namespace: " + ns + "}\nspec: {containers: []}\n",
			args: []string{"create", "-f", "-"}, exact: `The Pod "empty" is invalid: spec.containers: Required value`},
		{name: "immutable selector", setup: [][]string{{"create", "deployment", "sel", "--image=busybox:1.36"}},
			args: []string{"patch", "deployment", "sel", "--type=merge", "-p", `{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}`},
			want: []string{`The Deployment "sel" is invalid: spec.selector: Invalid value: `, `field is immutable`}},
		{name: "patch renames", setup: [][]string{{"create", "configmap", "named"}},
			args:  []string{"patch", "configmap", "named", "--type=merge", "-p", `{"metadata":{"name":"other"}}`},
			exact: `Error from server (BadRequest): the name of the object (other) does not match the name on the URL (named)`},
		// Kubernetes answers a JSON patch that does not apply with a bare
		// 422 that drops the patch library's reason.
		{name: "json patch that does not apply", setup: [][]string{{"create", "configmap", "jp"}},
			args:  []string{"patch", "configmap", "jp", "--type=json", "-p", `[{"op":"replace","path":"/data/nope","value":"1"}]`},
			exact: `The request is invalid: the server rejected our request due to an error in our request`},
		{name: "field selector on an unknown field", args: []string{"get", "pods", "--field-selector", "foo=bar"},
			exact: `Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "foo=bar": field label not supported: foo`},
		{name: "unknown resource type", args: []string{"get", "foos"},
			exact: `error: the server doesn't have a resource type "foos"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runErrorCase(t, k, ns, c) })
	}
}

func runErrorCase(t *testing.T, k kubectl, ns string, c errorCase) {
	t.Helper()
	k = k.on(t)
	for _, s := range c.setup {
		k.ok(withNS(s, ns)...)
	}
	r := k.stdin(c.stdin).fail(withNS(c.args, ns)...)
	if c.exact != "" {
		wantEqual(t, "stderr", r.stderr, c.exact)
	}
	wantAll(t, "stderr", r.stderr, c.want...)
}

// withNS adds -n ns to args unless they name a namespace already.
func withNS(args []string, ns string) []string {
	for _, a := range args {
		if a == "-n" {
			return args
		}
	}
	return append(args[:len(args):len(args)], "-n", ns)
}

// TestFieldValidation sends an unknown field with each kubectl
// validation mode: strict fails (in TestErrors), warn warns, false is
// silent; the last two create the object without the field.
func TestFieldValidation(t *testing.T) {
	k, ns := newNS(t)
	out := k.stdin(deploymentYAML(ns, "warned", "1", "  foo: bar\n")).expectWarning(`Warning: unknown field "spec.foo"`).
		ok("create", "-f", "-", "--validate=warn")
	wantEqual(t, "create --validate=warn", out, "deployment.apps/warned created")
	out = k.stdin(deploymentYAML(ns, "ignored", "1", "  foo: bar\n")).ok("create", "-f", "-", "--validate=false")
	wantEqual(t, "create --validate=false", out, "deployment.apps/ignored created")
	// kubectl collapses duplicate keys of YAML files, so a duplicate goes
	// as a raw body: an error in strict mode, a warning in warn mode.
	dup := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"b":"2"}}`
	path := "/api/v1/namespaces/" + ns + "/configmaps?fieldValidation="
	r := k.stdin(dup).fail("create", "--raw", path+"Strict", "-f", "-")
	wantEqual(t, "duplicate field, strict", r.stderr, `Error from server (BadRequest): strict decoding error: duplicate field "data"`)
	k.stdin(dup).expectWarning(`Warning: duplicate field "data"`).ok("create", "--raw", path+"Warn", "-f", "-")
}

// TestImmutableConfigMap changes the data of an immutable configmap.
func TestImmutableConfigMap(t *testing.T) {
	k, ns := newNS(t)
	frozen := func(v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: frozen, namespace: " + ns + "}\nimmutable: true\ndata: {a: \"" + v + "\"}\n"
	}
	k.stdin(frozen("1")).ok("apply", "-f", "-")
	r := k.stdin(frozen("2")).fail("apply", "-f", "-")
	wantAll(t, "apply to an immutable configmap", r.stderr,
		`The ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `+"`immutable`"+` is set`)
}

// TestStaleReplace replaces with an old copy: 409 Conflict.
func TestStaleReplace(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "configmap", "cfg", "--from-literal=a=1", "-n", ns)
	old := k.ok("get", "configmap", "cfg", "-n", ns, "-o", "yaml")
	k.ok("label", "configmap", "cfg", "changed=yes", "-n", ns)
	r := k.stdin(old).fail("replace", "-f", "-")
	wantEqual(t, "stale replace", r.stderr,
		`Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again`)
	// --force deletes and creates again, so the old copy wins.
	wantEqual(t, "forced replace", k.stdin(old).ok("replace", "--force", "-f", "-"), `configmap "cfg" deleted`+"\n"+"configmap/cfg replaced")
	wantEqual(t, "labels after forced replace", k.ok("get", "configmap", "cfg", "-n", ns, "-o", "jsonpath={.metadata.labels}"), "")
}

// TestBodyTooLarge sends a configmap over the 3 MiB request limit.
func TestBodyTooLarge(t *testing.T) {
	k, ns := newNS(t)
	big := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(big, []byte(strings.Repeat("0123456789abcdef\n", 3<<20/17+1024)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := k.fail("create", "configmap", "big", "--from-file="+big, "-n", ns)
	wantEqual(t, "oversized create", r.stderr, "error: failed to create configmap: Request entity too large: limit is 3145728")
}

// TestTerminatingNamespace deletes a namespace: it turns Terminating and
// refuses new objects. A finalizer on an object inside keeps it
// Terminating, whether or not the namespace controller runs.
func TestTerminatingNamespace(t *testing.T) {
	k, ns := newNS(t)
	k.stdin("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: "+ns+", finalizers: [e2e.skiff.dev/hold]}\n").ok("create", "-f", "-")
	wantEqual(t, "delete ns", k.ok("delete", "namespace", ns, "--wait=false"), `namespace "`+ns+`" deleted`)
	wantRows(t, k.ok("get", "namespace", ns), ns+`\s+Terminating\s+\d+s$`)
	wantEqual(t, "phase", k.ok("get", "namespace", ns, "-o", "jsonpath={.status.phase} {.spec.finalizers}"), `Terminating ["kubernetes"]`)
	r := k.fail("create", "configmap", "after", "-n", ns)
	wantEqual(t, "create in a terminating namespace", r.stderr,
		`error: failed to create configmap: configmaps "after" is forbidden: unable to create new content in namespace `+ns+` because it is being terminated`)
	// Updates of what is already there are still allowed; dropping the
	// finalizer lets the deletion finish (when a namespace controller runs).
	k.ok("label", "configmap", "held", "x=y", "-n", ns)
	k.ok("patch", "configmap", "held", "-n", ns, "--type=merge", "-p", `{"metadata":{"finalizers":null}}`)
}
