package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testLivenessProbe: a container whose exec liveness probe starts failing
// is restarted once, with the events kubectl describe shows, and then runs
// on.
func testLivenessProbe(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.stdin(podYAML("live", "Always", `  terminationGracePeriodSeconds: 5
  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "trap 'exit 0' TERM; touch /tmp/healthy; sleep 1000 & wait"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2`)).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/live", "--timeout=60s")
	restarts := func() int {
		c, _ := strconv.Atoi(k.ok("get", "pod", "live", "-o", "jsonpath={.status.containerStatuses[0].restartCount}"))
		return c
	}
	// Healthy: no restart over several periods.
	holdFor(t, 3*time.Second, func() string {
		if c := restarts(); c != 0 {
			return fmt.Sprintf("restartCount %d while the probe passes", c)
		}
		return ""
	})
	k.ok("exec", "live", "--", "rm", "/tmp/healthy")
	poll(t, 30*time.Second, func() string {
		if c := restarts(); c != 1 {
			return fmt.Sprintf("restartCount %d, want 1", c)
		}
		return ""
	})
	k.ok("wait", "--for=condition=Ready", "pod/live", "--timeout=30s")
	// The new container made the file again: the probe passes, no more restarts.
	holdFor(t, 4*time.Second, func() string {
		if c := restarts(); c != 1 {
			return fmt.Sprintf("restartCount %d after the restarted container is healthy, want 1", c)
		}
		return ""
	})
	describe := k.ok("describe", "pod", "live")
	wantAll(t, "describe pod live", describe, "Unhealthy", "Liveness probe failed:", "Killing",
		"Container c failed liveness probe, will be restarted", "Restart Count:  1")
}

// testReadinessProbe: a pod is Ready only while its readiness probe
// passes, with exec and httpGet probes; a startup probe holds back
// liveness until it passes.
func testReadinessProbe(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.stdin(yamlDocs(podYAML("ready-exec", "Always", `  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1`),
		podYAML("ready-http", "Always", `  terminationGracePeriodSeconds: 2
  containers:
  - name: web
    image: `+testImage+`
    command: ["sh", "-c", "mkdir /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www"]
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
      periodSeconds: 1
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 1
      failureThreshold: 3`),
		podYAML("startup", "Always", `  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    startupProbe:
      exec: {command: ["cat", "/tmp/started"]}
      periodSeconds: 1
      failureThreshold: 60
    livenessProbe:
      exec: {command: ["cat", "/tmp/started"]}
      periodSeconds: 1
      failureThreshold: 1`))).ok("apply", "-f", "-")
	pods := []string{"ready-exec", "ready-http", "startup"}
	for _, p := range pods {
		k.ok("wait", "--for=jsonpath={.status.phase}=Running", "pod/"+p, "--timeout=60s")
	}
	// Running but not Ready for several probe periods.
	notReady := regexp.MustCompile(`(?m)^(ready-exec|ready-http|startup)\s+0/1\s+Running\s+0\b`)
	holdFor(t, 3*time.Second, func() string {
		out := k.ok("get", "pods", "ready-exec", "ready-http", "startup")
		if len(notReady.FindAllString(out, -1)) != 3 {
			return "pods Ready (or restarted) before their probes pass:\n" + out
		}
		return ""
	})
	wantEqual(t, "startup: started, Ready condition", k.ok("get", "pod", "startup", "-o",
		`jsonpath={.status.containerStatuses[0].started} {.status.conditions[?(@.type=="Ready")].status}`), "false False")
	wantAll(t, "describe pod ready-http", k.ok("describe", "pod", "ready-http"), "Readiness probe failed: HTTP probe failed with statuscode: 404")

	k.ok("exec", "ready-exec", "--", "touch", "/tmp/ready")
	k.ok("exec", "ready-http", "--", "sh", "-c", "echo ok > /www/healthz")
	k.ok("exec", "startup", "--", "touch", "/tmp/started")
	for _, p := range pods {
		k.ok("wait", "--for=condition=Ready", "pod/"+p, "--timeout=20s")
	}
	wantEqual(t, "restarts", k.ok("get", "pods", "ready-exec", "ready-http", "startup", "-o", "jsonpath={.items[*].status.containerStatuses[0].restartCount}"), "0 0 0")

	// Readiness goes both ways.
	k.ok("exec", "ready-exec", "--", "rm", "/tmp/ready")
	k.ok("wait", "--for=condition=Ready=false", "pod/ready-exec", "--timeout=20s")
	wantEqual(t, "ready-exec restarts after turning unready", k.ok("get", "pod", "ready-exec", "-o", "jsonpath={.status.containerStatuses[0].restartCount}"), "0")
}

// testProbeTiming: initialDelaySeconds holds the first probe back,
// timeoutSeconds fails a probe that takes longer, and successThreshold
// asks for that many passes in a row.
func testProbeTiming(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	probe := func(name, readiness string) string {
		return podYAML(name, "Always", `  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    readinessProbe: `+readiness)
	}
	k.stdin(yamlDocs(probe("delayed", `{exec: {command: ["true"]}, initialDelaySeconds: 5, periodSeconds: 1}`),
		probe("slow", `{exec: {command: ["sleep", "3"]}, timeoutSeconds: 1, periodSeconds: 2}`),
		probe("threshold", `{exec: {command: ["cat", "/tmp/ready"]}, periodSeconds: 1, successThreshold: 4}`))).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/delayed", "--timeout=60s")
	times := k.ok("get", "pod", "delayed", "-o", `jsonpath={.status.containerStatuses[0].state.running.startedAt} {.status.conditions[?(@.type=="Ready")].lastTransitionTime}`)
	var started, ready time.Time
	if f := strings.Fields(times); len(f) == 2 {
		started, _ = time.Parse(time.RFC3339, f[0])
		ready, _ = time.Parse(time.RFC3339, f[1])
	}
	if d := ready.Sub(started); d < 4*time.Second || d > 20*time.Second {
		t.Errorf("delayed (initialDelaySeconds 5): started to Ready took %s (%s), want about 5s", d, times)
	}

	k.ok("wait", "--for=jsonpath={.status.phase}=Running", "pod/slow", "pod/threshold", "--timeout=60s")
	k.ok("exec", "threshold", "--", "touch", "/tmp/ready")
	touched := time.Now()
	k.ok("wait", "--for=condition=Ready", "pod/threshold", "--timeout=30s")
	if d := time.Since(touched); d < 2500*time.Millisecond {
		t.Errorf("threshold (successThreshold 4, period 1s) Ready %s after its probe began to pass, want 3s or more", d)
	}
	poll(t, 30*time.Second, func() string {
		if out := k.ok("describe", "pod", "slow"); !strings.Contains(out, "Readiness probe") || !strings.Contains(out, "timed out") {
			return "no Unhealthy event saying the readiness probe timed out:\n" + out
		}
		return ""
	})
	wantEqual(t, "slow (probe takes 3s, timeout 1s): Ready", k.ok("get", "pod", "slow", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`), "False")
}

// holdFor checks that check keeps returning "" for d, failing at the first
// complaint.
func holdFor(t testing.TB, d time.Duration, check func() string) {
	t.Helper()
	until := time.Now().Add(d)
	for {
		if msg := check(); msg != "" {
			t.Fatal(msg)
		}
		if time.Now().After(until) {
			return
		}
		<-time.After(500 * time.Millisecond)
	}
}
