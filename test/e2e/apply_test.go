package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// examplesDir holds the multi-document YAML a user applies first.
const examplesDir = "../../examples"

// configuredOnReapply are the examples that Kubernetes itself reports as
// "configured" on a second client-side apply: a Secret's stringData never
// appears in the live object; a PodDisruptionBudget's selector has
// patchStrategy "replace"; a StatefulSet's volumeClaimTemplates is a list
// without a merge key whose items the server defaults (volumeMode,
// status.phase). In each case kubectl sends the field again.
var configuredOnReapply = map[string]bool{
	"secret/web-secret":              true,
	"poddisruptionbudget.policy/web": true,
	"statefulset.apps/db":            true,
}

// exampleCount is the number of documents in the examples.
func exampleCount(t testing.TB) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", examplesDir, err)
	}
	kindRe := regexp.MustCompile(`(?m)^kind: (\w+)`)
	var docs int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs += len(kindRe.FindAll(data, -1))
	}
	return docs
}

// applyExamples applies the examples and checks that each document was
// created with no warning; it returns kubectl's lines.
func applyExamples(t testing.TB, k kubectl) []string {
	t.Helper()
	out := k.ok("apply", "-f", examplesDir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if want := exampleCount(t); len(lines) != want {
		t.Errorf("apply printed %d lines for %d documents:\n%s", len(lines), want, out)
	}
	for _, l := range lines {
		if !strings.HasSuffix(l, " created") {
			t.Errorf("apply: %q, want created", l)
		}
	}
	return lines
}

func TestApplyExamples(t *testing.T) {
	k := shared(t).kubectl(t)
	applyExamples(t, k)

	t.Run("get all -A -o wide", func(t *testing.T) {
		out := k.on(t).ok("get", "all", "-A", "-o", "wide")
		// Controllers may already have made replica sets and pods, and
		// no node runs them: counts of created objects are \d+, counts
		// of ready ones 0.
		wantRows(t, out,
			`NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$`,
			`demo\s+pod/lone\s+0/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>$`,
			`NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR$`,
			`default\s+service/kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443/TCP\s+\S+\s+<none>$`,
			`demo\s+service/web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80/TCP\s+\S+\s+app=web$`,
			`demo\s+service/web-nodeport\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+80:3\d{4}/TCP\s+\S+\s+app=web$`,
			`demo\s+service/db\s+ClusterIP\s+None\s+<none>\s+5432/TCP\s+\S+\s+app=db$`,
			`NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$`,
			`demo\s+deployment\.apps/web\s+0/2\s+\d+\s+0\s+\S+\s+httpd\s+docker\.io/library/busybox:1\.36\s+app=web$`,
			`NAMESPACE\s+NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES$`,
			`demo\s+statefulset\.apps/db\s+0/3\s+\S+\s+db\s+docker\.io/library/busybox:1\.36$`,
			`NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$`,
			`demo\s+daemonset\.apps/node-agent\s+0\s+0\s+0\s+0\s+0\s+<none>\s+\S+\s+agent\s+docker\.io/library/busybox:1\.36\s+app=node-agent$`,
			`NAMESPACE\s+NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$`,
			`demo\s+job\.batch/hello\s+Running\s+0/1\s+\S+\s+\S+\s+hello\s+docker\.io/library/busybox:1\.36\s+batch\.kubernetes\.io/controller-uid=[0-9a-f-]{36}$`,
			`NAMESPACE\s+NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$`,
			`demo\s+cronjob\.batch/tick\s+\*/5 \* \* \* \*\s+<none>\s+False\s+\d+\s+\S+\s+\S+\s+tick\s+docker\.io/library/busybox:1\.36\s*$`,
			`NAMESPACE\s+NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$`,
			`demo\s+horizontalpodautoscaler\.autoscaling/web\s+Deployment/web\s+cpu: <unknown>/80%\s+2\s+5\s+\d+\s+\S+$`,
		)
	})

	t.Run("apply again", func(t *testing.T) {
		out := k.on(t).ok("apply", "-f", examplesDir)
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			name, verb, _ := strings.Cut(l, " ")
			want := "unchanged"
			if configuredOnReapply[name] {
				want = "configured"
			}
			if verb != want {
				t.Errorf("second apply: %q, want %s", l, want)
			}
		}
	})

	t.Run("get other kinds", func(t *testing.T) {
		out := k.on(t).ok("get", "configmaps,secrets,ingresses,pdb,serviceaccounts,roles,rolebindings", "-n", "demo")
		wantRows(t, out,
			`configmap/web-config\s+2\s+`,
			`secret/web-secret\s+Opaque\s+1\s+`,
			`ingress\.networking\.k8s\.io/web\s+<none>\s+web\.example\.test\s+80\s+`,
			`poddisruptionbudget\.policy/web\s+1\s+N/A\s+0\s+`,
			`serviceaccount/reader\s+0\s+`,
			`role\.rbac\.authorization\.k8s\.io/pod-reader\s+\S+`,
			`rolebinding\.rbac\.authorization\.k8s\.io/read-pods\s+Role/pod-reader\s+`,
		)
	})
}

// wantRows fails the test for each pattern no line of out matches.
func wantRows(t testing.TB, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		re := regexp.MustCompile(`(?m)^` + p)
		if !re.MatchString(out) {
			t.Errorf("no line matches %q in:\n%s", p, out)
		}
	}
}
