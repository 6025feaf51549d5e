package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// TestGetOutputs prints one deployment in each of kubectl's output formats.
func TestGetOutputs(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "deployment", "web", "--image=busybox:1.36", "--replicas=2", "-n", ns)
	k.ok("create", "configmap", "cfg", "-n", ns)
	tests := []struct {
		name string
		args []string
		rows []string // regular expressions, each matching a line's start
	}{
		{"table", []string{"get", "deployments"}, []string{
			`NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$`, `web\s+0/2\s+\d+\s+0\s+\d+s$`}},
		{"wide", []string{"get", "deployment", "web", "-o", "wide"}, []string{
			`NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$`,
			`web\s+0/2\s+\d+\s+0\s+\d+s\s+busybox\s+busybox:1\.36\s+app=web$`}},
		{"yaml", []string{"get", "deployment", "web", "-o", "yaml"}, []string{
			`apiVersion: apps/v1$`, `kind: Deployment$`, `  name: web$`, `  namespace: ` + ns + `$`,
			`  uid: [0-9a-f-]{36}$`, `  resourceVersion: "\d+"$`, `  generation: \d+$`,
			`  replicas: 2$`, `  progressDeadlineSeconds: 600$`, `      maxSurge: 25%$`,
			`        imagePullPolicy: IfNotPresent$`, `      restartPolicy: Always$`}},
		{"jsonpath", []string{"get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"},
			[]string{`2 busybox:1\.36$`}},
		{"custom-columns", []string{"get", "deployment", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[*].image"},
			[]string{`NAME\s+REPLICAS\s+IMAGE$`, `web\s+2\s+busybox:1\.36$`}},
		{"name", []string{"get", "deployments,configmaps", "-o", "name"},
			[]string{`deployment\.apps/web$`, `configmap/cfg$`}},
		{"label selector", []string{"get", "deployments", "-l", "app=web", "-o", "name"}, []string{`deployment\.apps/web$`}},
		{"field selector", []string{"get", "deployments", "--field-selector", "metadata.name=web", "-o", "name"}, []string{`deployment\.apps/web$`}},
		{"scale subresource", []string{"get", "deployment", "web", "--subresource=scale"}, []string{
			`NAME\s+DESIRED\s+AVAILABLE\s+AGE$`, `web\s+2\s+\d+\s+\d+s$`}},
		{"show labels", []string{"get", "deployment", "web", "--show-labels"}, []string{`web\s+0/2\s+\d+\s+0\s+\d+s\s+app=web$`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := k.on(t).ok(append(tt.args, "-n", ns)...)
			wantRows(t, out, tt.rows...)
		})
	}
	t.Run("json", func(t *testing.T) {
		var d struct {
			Kind, APIVersion string
			Spec             struct{ Replicas int }
		}
		if err := json.Unmarshal([]byte(k.on(t).ok("get", "deployment", "web", "-n", ns, "-o", "json")), &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind != "Deployment" || d.APIVersion != "apps/v1" || d.Spec.Replicas != 2 {
			t.Errorf("get -o json = %+v", d)
		}
	})
	t.Run("empty list", func(t *testing.T) {
		r := k.on(t).run("get", "ingresses", "-n", ns)
		wantEqual(t, "stderr", r.stderr, "No resources found in "+ns+" namespace.")
	})
}

// TestDescribe checks that describe finds each kind and prints its usual
// sections.
func TestDescribe(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "deployment", "web", "--image=busybox:1.36", "-n", ns)
	k.ok("create", "service", "clusterip", "web", "--tcp=80:8080", "-n", ns)
	k.ok("run", "solo", "--image=busybox:1.36", "--labels=app=solo", "-n", ns)
	tests := []struct {
		args  []string
		wants []string
	}{
		{[]string{"pod", "solo"}, []string{"Name:", "solo", "Namespace:", ns, "Status:", "Pending",
			"Containers:", "Image:", "busybox:1.36", "QoS Class:", "BestEffort", "Tolerations:", "node.kubernetes.io/not-ready:NoExecute op=Exists for 300s", "Events:"}},
		{[]string{"deployment", "web"}, []string{"Name:", "web", "Selector:", "app=web", "Replicas:", "1 desired",
			"StrategyType:", "RollingUpdate", "RollingUpdateStrategy:", "25% max unavailable, 25% max surge", "Pod Template:", "Events:"}},
		{[]string{"service", "web"}, []string{"Name:", "web", "Type:", "ClusterIP", "IP:", "10.43.", "Port:", "80/TCP", "TargetPort:", "8080/TCP"}},
		{[]string{"namespace", ns}, []string{"Name:", ns, "Status:", "Active", "No resource quota.", "No LimitRange resource."}},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			out := k.on(t).ok(append([]string{"describe", "-n", ns}, tt.args...)...)
			wantAll(t, "describe "+tt.args[0], out, tt.wants...)
		})
	}
}

// TestEdit runs kubectl edit with an editor that is a sed script.
func TestEdit(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "deployment", "web", "--image=busybox:1.36", "-n", ns)
	editor := writeFile(t, "editor.sh", "#!/bin/sh\nsed -i 's/^  replicas: 1$/  replicas: 3/' \"$1\"\n")
	out := k.env("KUBE_EDITOR="+editor).ok("edit", "deployment", "web", "-n", ns)
	wantEqual(t, "edit", out, "deployment.apps/web edited")
	wantEqual(t, "replicas", k.ok("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}"), "3")

	noop := writeFile(t, "noop.sh", "#!/bin/sh\ntrue\n")
	r := k.env("KUBE_EDITOR="+noop).run("edit", "deployment", "web", "-n", ns)
	wantEqual(t, "edit without change", r.stderr, "Edit cancelled, no changes made.")
}

// TestLabelAnnotate adds, refuses to overwrite, overwrites and removes.
func TestLabelAnnotate(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "configmap", "cfg", "-n", ns)
	steps := []struct {
		args     []string
		wantOut  string // stdout on success
		wantErr  string // a stderr fragment when the call must fail
		jsonpath string
		want     string
	}{
		{args: []string{"label", "cm", "cfg", "tier=web"}, wantOut: "configmap/cfg labeled",
			jsonpath: "{.metadata.labels.tier}", want: "web"},
		{args: []string{"label", "cm", "cfg", "tier=db"}, wantErr: "'tier' already has a value (web), and --overwrite is false",
			jsonpath: "{.metadata.labels.tier}", want: "web"},
		{args: []string{"label", "cm", "cfg", "tier=db", "--overwrite"}, wantOut: "configmap/cfg labeled",
			jsonpath: "{.metadata.labels.tier}", want: "db"},
		{args: []string{"label", "cm", "cfg", "tier-"}, wantOut: "configmap/cfg unlabeled",
			jsonpath: "{.metadata.labels}", want: ""},
		{args: []string{"annotate", "cm", "cfg", "note=first"}, wantOut: "configmap/cfg annotated",
			jsonpath: "{.metadata.annotations.note}", want: "first"},
		{args: []string{"annotate", "cm", "cfg", "note=second"}, wantErr: "'note' already has a value (first)",
			jsonpath: "{.metadata.annotations.note}", want: "first"},
		{args: []string{"annotate", "cm", "cfg", "note=second", "--overwrite"}, wantOut: "configmap/cfg annotated",
			jsonpath: "{.metadata.annotations.note}", want: "second"},
		{args: []string{"annotate", "cm", "cfg", "note-"}, wantOut: "configmap/cfg annotated",
			jsonpath: "{.metadata.annotations}", want: ""},
	}
	for _, s := range steps {
		args := append(s.args, "-n", ns)
		if s.wantErr != "" {
			r := k.fail(args...)
			wantAll(t, "kubectl "+joinArgs(s.args), r.stderr, s.wantErr)
		} else {
			wantEqual(t, "kubectl "+joinArgs(s.args), k.ok(args...), s.wantOut)
		}
		wantEqual(t, "after "+joinArgs(s.args), k.ok("get", "cm", "cfg", "-n", ns, "-o", "jsonpath="+s.jsonpath), s.want)
	}
}

// TestScalePatch scales a deployment and patches it with each patch type.
func TestScalePatch(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "deployment", "web", "--image=busybox:1.36", "-n", ns)
	steps := []struct {
		args     []string
		wantOut  string
		jsonpath string
		want     string
	}{
		{[]string{"scale", "deployment", "web", "--replicas=4"}, "deployment.apps/web scaled", "{.spec.replicas}", "4"},
		{[]string{"scale", "deployment/web", "--current-replicas=4", "--replicas=5"}, "deployment.apps/web scaled", "{.spec.replicas}", "5"},
		{[]string{"patch", "deployment", "web", "--type=json", "-p", `[{"op":"replace","path":"/spec/replicas","value":2}]`},
			"deployment.apps/web patched", "{.spec.replicas}", "2"},
		{[]string{"patch", "deployment", "web", "--type=merge", "-p", `{"metadata":{"labels":{"tier":"front"}}}`},
			"deployment.apps/web patched", "{.metadata.labels.tier}", "front"},
		// Strategic merge: containers merge by name, so the one container
		// changes its image and no second container appears.
		{[]string{"patch", "deployment", "web", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"busybox","image":"busybox:1.37"}]}}}}`},
			"deployment.apps/web patched", "{range .spec.template.spec.containers[*]}{.name}={.image};{end}", "busybox=busybox:1.37;"},
		{[]string{"patch", "deployment", "web", "--type=strategic", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}`},
			"deployment.apps/web patched", "{range .spec.template.spec.containers[*]}{.name}={.image};{end}", "sidecar=busybox:1.36;busybox=busybox:1.37;"},
		{[]string{"patch", "deployment", "web", "--type=merge", "-p", `{"spec":{"replicas":2}}`},
			"deployment.apps/web patched (no change)", "{.spec.replicas}", "2"},
	}
	for _, s := range steps {
		wantEqual(t, "kubectl "+joinArgs(s.args), k.ok(append(s.args, "-n", ns)...), s.wantOut)
		wantEqual(t, "after "+joinArgs(s.args), k.ok("get", "deployment", "web", "-n", ns, "-o", "jsonpath="+s.jsonpath), s.want)
	}
	// Each of the five spec changes bumped it (and so may the deployment
	// controller's revision annotations).
	gen := k.ok("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.metadata.generation}")
	if n, err := strconv.Atoi(gen); err != nil || n < 6 {
		t.Errorf("generation = %q, want at least 6", gen)
	}
}

func joinArgs(args []string) string { return strings.Join(args, " ") }
