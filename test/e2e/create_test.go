package e2e

import (
	"strings"
	"testing"
)

// TestCreate runs kubectl's create generators and checks what they made.
func TestCreate(t *testing.T) {
	k, ns := newNS(t)
	tests := []struct {
		args    []string
		wantOut string
		get     []string // a get whose output must match rows
		rows    []string
	}{
		{[]string{"create", "deployment", "web", "--image=busybox:1.36", "--replicas=2", "--port=8080"}, "deployment.apps/web created",
			[]string{"get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].ports[0].containerPort}"},
			[]string{`2 8080$`}},
		{[]string{"create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=two words"}, "configmap/cfg created",
			[]string{"get", "configmap", "cfg", "-o", "jsonpath={.data.a}|{.data.b}"}, []string{`1\|two words$`}},
		{[]string{"create", "secret", "generic", "pw", "--from-literal=password=s3cr3t"}, "secret/pw created",
			[]string{"get", "secret", "pw"}, []string{`NAME\s+TYPE\s+DATA\s+AGE$`, `pw\s+Opaque\s+1\s+\d+s$`}},
		{[]string{"create", "secret", "generic", "pw2", "--from-literal=k=v", "--type=example.com/custom"}, "secret/pw2 created",
			[]string{"get", "secret", "pw2", "-o", "jsonpath={.type} {.data.k}"}, []string{`example\.com/custom dg==$`}},
		{[]string{"create", "service", "clusterip", "web", "--tcp=80:8080"}, "service/web created",
			[]string{"get", "service", "web", "-o", "wide"}, []string{
				`NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR$`,
				`web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80/TCP\s+\d+s\s+app=web$`}},
		{[]string{"create", "service", "clusterip", "headless", "--clusterip=None"}, "service/headless created",
			[]string{"get", "service", "headless"}, []string{`headless\s+ClusterIP\s+None\s+<none>\s+<none>\s+\d+s$`}},
		{[]string{"create", "service", "nodeport", "np", "--tcp=80:8080"}, "service/np created",
			[]string{"get", "service", "np"}, []string{`np\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+80:3\d{4}/TCP\s+\d+s$`}},
		{[]string{"create", "job", "once", "--image=busybox:1.36", "--", "echo", "hi"}, "job.batch/once created",
			[]string{"get", "job", "once", "-o", "jsonpath={.spec.template.spec.restartPolicy} {.spec.backoffLimit} {.spec.completions}"},
			[]string{`Never 6 1$`}},
		{[]string{"create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=*/1 * * * *"}, "cronjob.batch/tick created",
			[]string{"get", "cronjob", "tick"}, []string{`tick\s+\*/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+\S+\s+\d+s$`}},
		{[]string{"create", "serviceaccount", "robot"}, "serviceaccount/robot created",
			[]string{"get", "serviceaccount", "robot"}, []string{`robot\s+0\s+\d+s$`}},
		{[]string{"create", "role", "reader", "--verb=get,list", "--resource=pods"}, "role.rbac.authorization.k8s.io/reader created",
			[]string{"get", "role", "reader", "-o", "jsonpath={.rules[0].verbs}"}, []string{`\["get","list"\]$`}},
		{[]string{"create", "priorityclass", "high-" + ns, "--value=1000"}, "priorityclass.scheduling.k8s.io/high-" + ns + " created",
			[]string{"get", "priorityclass", "high-" + ns}, []string{`high-\S+\s+1000\s+false\s+\d+s\s+PreemptLowerPriority$`}},
		{[]string{"create", "namespace", ns + "-other"}, "namespace/" + ns + "-other created",
			[]string{"get", "namespace", ns + "-other"}, []string{`NAME\s+STATUS\s+AGE$`, ns + `-other\s+Active\s+\d+s$`}},
	}
	for _, tt := range tests {
		t.Run(joinArgs(tt.args[:3]), func(t *testing.T) {
			k := k.on(t)
			wantEqual(t, joinArgs(tt.args), k.ok(append([]string{"-n", ns}, tt.args...)...), tt.wantOut)
			wantRows(t, k.ok(append([]string{"-n", ns}, tt.get...)...), tt.rows...)
		})
	}
	t.Run("dry run", func(t *testing.T) {
		k := k.on(t)
		wantEqual(t, "server dry run", k.ok("create", "configmap", "dry", "-n", ns, "--dry-run=server"), "configmap/dry created (server dry run)")
		r := k.fail("get", "configmap", "dry", "-n", ns)
		wantEqual(t, "get of a dry-run object", r.stderr, `Error from server (NotFound): configmaps "dry" not found`)
	})
}

// TestRolloutHistory asks for a deployment's history: empty until the
// deployment controller has made the first ReplicaSet, then revision 1.
func TestRolloutHistory(t *testing.T) {
	k, ns := newNS(t)
	k.ok("create", "deployment", "web", "--image=busybox:1.36", "-n", ns)
	out := k.ok("rollout", "history", "deployment/web", "-n", ns)
	wantRows(t, out, `deployment\.apps/web\s*$`)
	if !strings.Contains(out, "No rollout history found.") {
		wantRows(t, out, `REVISION\s+CHANGE-CAUSE$`, `1\s+<none>$`)
	}
	// No node runs the pods, so the rollout never finishes.
	r := k.run("rollout", "status", "deployment/web", "-n", ns, "--timeout=1s")
	if r.code == 0 {
		t.Errorf("rollout status finished without nodes:\n%s", r.stdout)
	}
	wantAll(t, "rollout status", r.stdout+r.stderr, `Waiting for deployment`)
}
