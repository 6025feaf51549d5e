package e2e

import (
	"testing"
)

// TestWorkloadVerbs runs the kubectl verbs that change a deployment
// through patches of their own (set, rollout) and that derive new objects
// from it (expose, autoscale).
func TestWorkloadVerbs(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "deployment", "web", "--image=busybox:1.36", "--port=8080", "-n", ns)
	steps := []struct {
		args     []string
		wantOut  string
		get      []string
		jsonpath string
		want     string
	}{
		{[]string{"set", "image", "deployment/web", "busybox=busybox:1.37"}, "deployment.apps/web image updated",
			[]string{"deployment", "web"}, "{.spec.template.spec.containers[0].image}", "busybox:1.37"},
		{[]string{"set", "env", "deployment/web", "MODE=fast"}, "deployment.apps/web env updated",
			[]string{"deployment", "web"}, "{.spec.template.spec.containers[0].env[0].name}={.spec.template.spec.containers[0].env[0].value}", "MODE=fast"},
		{[]string{"set", "resources", "deployment/web", "--limits=cpu=200m,memory=64Mi"}, "deployment.apps/web resource requirements updated",
			[]string{"deployment", "web"}, "{.spec.template.spec.containers[0].resources.limits.cpu}", "200m"},
		{[]string{"rollout", "pause", "deployment/web"}, "deployment.apps/web paused",
			[]string{"deployment", "web"}, "{.spec.paused}", "true"},
		{[]string{"rollout", "resume", "deployment/web"}, "deployment.apps/web resumed",
			[]string{"deployment", "web"}, "{.spec.paused}", ""},
		{[]string{"expose", "deployment", "web", "--port=80", "--target-port=8080"}, "service/web exposed",
			[]string{"service", "web"}, "{.spec.type} {.spec.selector.app} {.spec.ports[0].port} {.spec.ports[0].targetPort}", "ClusterIP web 80 8080"},
		{[]string{"autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=70"}, "horizontalpodautoscaler.autoscaling/web autoscaled",
			[]string{"hpa", "web"}, "{.spec.minReplicas} {.spec.maxReplicas} {.spec.metrics[0].resource.target.averageUtilization}", "2 5 70"},
		{[]string{"create", "ingress", "web", "--rule=web.example.test/=web:80"}, "ingress.networking.k8s.io/web created",
			[]string{"ingress", "web"}, "{.spec.rules[0].host} {.spec.rules[0].http.paths[0].pathType}", "web.example.test Exact"},
		{[]string{"create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1"}, "poddisruptionbudget.policy/web created",
			[]string{"pdb", "web"}, "{.spec.minAvailable}", "1"},
		{[]string{"create", "quota", "small", "--hard=pods=10,requests.cpu=2"}, "resourcequota/small created",
			[]string{"quota", "small"}, "{.spec.hard.pods}", "10"},
	}
	for _, s := range steps {
		t.Run(joinArgs(s.args[:2]), func(t *testing.T) {
			k := k.on(t)
			wantEqual(t, joinArgs(s.args), k.ok(append(s.args, "-n", ns)...), s.wantOut)
			wantEqual(t, "after "+joinArgs(s.args), k.ok(append(append([]string{"get", "-n", ns}, s.get...), "-o", "jsonpath="+s.jsonpath)...), s.want)
		})
	}
	t.Run("rollout restart", func(t *testing.T) {
		k := k.on(t)
		wantEqual(t, "restart", k.ok("rollout", "restart", "deployment/web", "-n", ns), "deployment.apps/web restarted")
		restarted := k.ok("get", "deployment", "web", "-n", ns, "-o", `jsonpath={.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}`)
		wantRows(t, restarted, `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d`)
	})
	t.Run("update an hpa made through v1", func(t *testing.T) {
		// Its managedFields name autoscaling/v1, so every later write
		// converts between the two versions.
		k := k.on(t)
		wantEqual(t, "label", k.ok("label", "hpa", "web", "tier=front", "-n", ns), "horizontalpodautoscaler.autoscaling/web labeled")
		hpa := "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: " + ns + "}\n" +
			"spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 6\n"
		r := k.stdin(hpa).fail("apply", "--server-side", "-f", "-")
		wantAll(t, "apply over kubectl autoscale", r.stderr, `conflict with "kubectl-autoscale"`, ".spec.maxReplicas")
		k.stdin(hpa).ok("apply", "--server-side", "--force-conflicts", "-f", "-")
		wantEqual(t, "maxReplicas", k.ok("get", "hpa", "web", "-n", ns, "-o", "jsonpath={.spec.maxReplicas}"), "6")
	})
	t.Run("get hpa", func(t *testing.T) {
		wantRows(t, k.on(t).ok("get", "hpa", "-n", ns),
			`NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$`,
			`web\s+Deployment/web\s+cpu: <unknown>/70%\s+2\s+6\s+\d+\s+\d+s$`)
	})
}
