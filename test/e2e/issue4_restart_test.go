package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testCrashLoop: a container that keeps exiting restarts with back-off,
// which kubectl shows as CrashLoopBackOff, with its last exit recorded and
// its previous log readable.
func testCrashLoop(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.stdin(podYAML("crash", "Always", `  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "echo crashing; exit 3"]`)).ok("apply", "-f", "-")
	// The first restart is at once, the next after 10s of back-off.
	poll(t, 60*time.Second, func() string {
		c, _ := strconv.Atoi(k.ok("get", "pod", "crash", "-o", "jsonpath={.status.containerStatuses[0].restartCount}"))
		if c < 2 {
			return fmt.Sprintf("restartCount %d, want it to reach 2", c)
		}
		return ""
	})
	row := regexp.MustCompile(`(?m)^crash\s+0/1\s+CrashLoopBackOff\s+([2-9]|\d\d+)\b`)
	poll(t, 30*time.Second, func() string {
		if out := k.ok("get", "pod", "crash"); !row.MatchString(out) {
			return "get pod shows no CrashLoopBackOff with 2+ restarts:\n" + out
		}
		return ""
	})
	last := k.ok("get", "pod", "crash", "-o", `jsonpath={.status.phase} {.status.containerStatuses[0].lastState.terminated.exitCode} `+
		`{.status.containerStatuses[0].lastState.terminated.reason} {.status.containerStatuses[0].state.waiting.reason}`)
	wantEqual(t, "phase, lastState exit code and reason, waiting reason", last, "Running 3 Error CrashLoopBackOff")
	msg := k.ok("get", "pod", "crash", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.message}")
	if !regexp.MustCompile(`^back-off \d+s restarting failed container=c pod=crash_`).MatchString(msg) {
		t.Errorf("waiting message = %q", msg)
	}
	wantAll(t, "describe pod crash", k.ok("describe", "pod", "crash"), "Last State:     Terminated", "Exit Code:    3",
		"BackOff", "Back-off restarting failed container c in pod crash_")
	wantEqual(t, "logs --previous", k.ok("logs", "crash", "--previous"), "crashing")
}

// testOOM: a container over its memory limit is OOMKilled; the same
// command under a higher limit runs, so the limit is what kills it.
func testOOM(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	hog := func(name, policy, limit string) string {
		return podYAML(name, policy, fmt.Sprintf(`  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: %s
    command: ["sh", "-c", "x=$(head -c 60000000 /dev/zero | tr '\\0' a); echo built ${#x}; sleep 1000"]
    resources: {limits: {memory: %s}}`, testImage, limit))
	}
	k.stdin(yamlDocs(hog("oom", "Never", "20Mi"),
		hog("oom-always", "Always", "20Mi"),
		hog("roomy", "Never", "256Mi"))).ok("apply", "-f", "-")

	k.ok("wait", "--for=jsonpath={.status.phase}=Failed", "pod/oom", "--timeout=60s")
	wantEqual(t, "oom: state reason and exit code", k.ok("get", "pod", "oom", "-o",
		`jsonpath={.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.exitCode}`), "OOMKilled 137")
	if out := k.ok("get", "pod", "oom"); !regexp.MustCompile(`(?m)^oom\s+0/1\s+OOMKilled\s+0\b`).MatchString(out) {
		t.Errorf("get pod oom shows no OOMKilled:\n%s", out)
	}
	poll(t, 60*time.Second, func() string {
		if r := k.ok("get", "pod", "oom-always", "-o", `jsonpath={.status.containerStatuses[0].lastState.terminated.reason}`); r != "OOMKilled" {
			return "oom-always: lastState reason " + r + ", want OOMKilled"
		}
		return ""
	})
	k.ok("wait", "--for=condition=Ready", "pod/roomy", "--timeout=60s")
	poll(t, 30*time.Second, func() string {
		if out := k.ok("logs", "roomy"); strings.TrimSpace(out) != "built 60000000" {
			return "roomy (256Mi) logs " + out + ", want built 60000000"
		}
		return ""
	})
	wantEqual(t, "roomy phase and restarts", k.ok("get", "pod", "roomy", "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].restartCount}"), "Running 0")
}

// testRestartPolicies: Never keeps a failed container down, OnFailure
// restarts only a failure, a termination message is reported, and a Job
// completes.
func testRestartPolicies(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.stdin(yamlDocs(podYAML("never", "Never", `  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "echo bye > /dev/termination-log; exit 1"]`),

		podYAML("onfailure", "OnFailure", `  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "if [ -f /data/ran ]; then echo second; exit 0; fi; touch /data/ran; echo first; exit 1"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]`),

		podYAML("fallback", "Never", `  containers:
  - name: c
    image: `+testImage+`
    terminationMessagePolicy: FallbackToLogsOnError
    command: ["sh", "-c", "echo from-the-log; exit 2"]`))).ok("apply", "-f", "-")
	k.ok("create", "job", "done", "--image="+testImage, "--", "sh", "-c", "echo job-done")

	k.ok("wait", "--for=jsonpath={.status.phase}=Failed", "pod/never", "pod/fallback", "--timeout=60s")
	wantEqual(t, "never: exit code, reason, message, restarts", k.ok("get", "pod", "never", "-o", `jsonpath={.status.containerStatuses[0].state.terminated.exitCode} `+
		`{.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.message}{.status.containerStatuses[0].restartCount}`), "1 Error bye\n0")
	if out := k.ok("get", "pod", "never"); !regexp.MustCompile(`(?m)^never\s+0/1\s+Error\s+0\b`).MatchString(out) {
		t.Errorf("get pod never shows no Error:\n%s", out)
	}
	wantEqual(t, "fallback: termination message from the log", k.ok("get", "pod", "fallback", "-o",
		`jsonpath={.status.containerStatuses[0].state.terminated.message}`), "from-the-log")

	k.ok("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/onfailure", "--timeout=60s")
	wantEqual(t, "onfailure: restarts and logs", k.ok("get", "pod", "onfailure", "-o", "jsonpath={.status.containerStatuses[0].restartCount}")+" "+
		k.ok("logs", "onfailure"), "1 second")
	if out := k.ok("get", "pod", "onfailure"); !regexp.MustCompile(`(?m)^onfailure\s+0/1\s+Completed\s+1\b`).MatchString(out) {
		t.Errorf("get pod onfailure shows no Completed:\n%s", out)
	}

	k.ok("wait", "--for=condition=Complete", "job/done", "--timeout=60s")
	wantEqual(t, "job logs", k.ok("logs", "job/done"), "job-done")
	pods := k.ok("get", "pods", "-l", "job-name=done")
	if !regexp.MustCompile(`(?m)^done-\S+\s+0/1\s+Completed\s+0\b`).MatchString(pods) {
		t.Errorf("the job's pod is not Completed:\n%s", pods)
	}
}

// testGracefulStop: a postStart hook runs; deleting the pod runs its
// preStop hook, then SIGTERM, within the grace period; a container that
// ignores SIGTERM is killed when its grace period ends, not later.
func testGracefulStop(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	dir := n.hostDir(t)
	k.stdin(yamlDocs(podYAML("graceful", "Always", fmt.Sprintf(`  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: %s
    command: ["sh", "-c", "trap 'echo term >> /host/log; exit 0' TERM; echo main >> /host/log; sleep 1000 & wait"]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo poststart >> /host/poststart"]}}
      preStop: {exec: {command: ["sh", "-c", "echo prestop >> /host/log; sleep 3; echo prestop-done >> /host/log"]}}
    volumeMounts: [{name: host, mountPath: /host}]
  volumes: [{name: host, hostPath: {path: %s, type: Directory}}]`, testImage, dir)),

		podYAML("stubborn", "Always", `  terminationGracePeriodSeconds: 3
  containers:
  - name: c
    image: `+testImage+`
    command: ["sleep", "1000"]`),

		podYAML("stubborn-long", "Always", `  containers:
  - name: c
    image: `+testImage+`
    command: ["sleep", "1000"]`))).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/graceful", "pod/stubborn", "pod/stubborn-long", "--timeout=60s")
	wantEqual(t, "host file written by postStart", readFile(t, dir+"/poststart"), "poststart")

	took := timed(func() { k.ok("delete", "pod", "graceful") })
	if took < 3*time.Second || took > 20*time.Second {
		t.Errorf("delete of a pod whose preStop sleeps 3s took %s, want 3s to 20s", took)
	}
	wantEqual(t, "host file after delete", readFile(t, dir+"/log"), "main\nprestop\nprestop-done\nterm")

	took = timed(func() { k.ok("delete", "pod", "stubborn") })
	if took < 2500*time.Millisecond || took > 12*time.Second {
		t.Errorf("delete of a pod that ignores SIGTERM with a 3s grace period took %s, want about 3s", took)
	}
	took = timed(func() { k.ok("delete", "pod", "stubborn-long", "--grace-period=1") })
	if took > 10*time.Second {
		t.Errorf("delete --grace-period=1 of a pod that ignores SIGTERM (spec: 30s) took %s, want about 1s", took)
	}
}

// testAdoption kills the agent (not its containers) and starts it again:
// the running pod keeps its container and the node still starts new pods.
func testAdoption(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.stdin(podYAML("keep", "Always", "  containers:\n"+sleeper("c"))).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/keep", "--timeout=60s")
	const state = `jsonpath={.status.phase} {.status.podIP} {.status.containerStatuses[0].containerID} ` +
		`{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].state.running.startedAt} {.status.containerStatuses[0].ready}`
	before := k.ok("get", "pod", "keep", "-o", state)
	k.ok("exec", "keep", "--", "sh", "-c", "echo still-here > /tmp/mark")

	n.agent.kill()
	if err := n.agent.start(); err != nil {
		t.Fatal(err)
	}
	n.waitReady(t)
	k.stdin(podYAML("fresh", "Always", "  containers:\n"+sleeper("c"))).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/fresh", "--timeout=60s")

	wantEqual(t, "the adopted pod's state", k.ok("get", "pod", "keep", "-o", state), before)
	wantEqual(t, "exec into the adopted container", k.ok("exec", "keep", "--", "cat", "/tmp/mark"), "still-here")
	starts := k.ok("get", "events", "--field-selector", "involvedObject.name=keep,reason=Started", "-o", "jsonpath={.items[*].count}")
	wantEqual(t, "Started events of the adopted pod", starts, "1")
	took := timed(func() { k.ok("delete", "pod", "keep") })
	if took > 15*time.Second {
		t.Errorf("deleting the adopted pod took %s", took)
	}
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// testImageChange: `kubectl set image` on a running pod restarts its
// container with the new image, whatever the restartPolicy, as the kubelet
// does ("definition changed").
func testImageChange(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.stdin(podYAML("img", "Never", `  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: `+testImage+`
    command: ["sleep", "3600"]`)).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/img", "--timeout=60s")
	first := k.ok("get", "pod", "img", "-o", "jsonpath={.status.containerStatuses[0].containerID}")
	// The same image by its short name: a new definition all the same.
	k.ok("set", "image", "pod/img", "c=busybox:1.36")
	eventually(t, 60*time.Second, func() string {
		out := k.ok("get", "pod", "img", "-o", `jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready} {.status.containerStatuses[0].containerID}`)
		if f := strings.Fields(out); len(f) == 3 && f[0] == "1" && f[1] == "true" && f[2] != first {
			return ""
		}
		return "restartCount, ready, containerID = " + out
	})
	wantAll(t, "describe pod img", k.ok("describe", "pod", "img"), "Container c definition changed, will be restarted")
}
