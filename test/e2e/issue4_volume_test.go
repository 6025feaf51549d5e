package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// configMapAndSecret are the objects the env and volume tests read.
const configMapAndSecret = `apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {color: blue, size: large}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {password: s3cret, token: abc}
`

// testInitContainers: init containers run in order, each to completion,
// before the main container, which sees what they wrote.
func testInitContainers(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	w := k.watch("get", "pods", "-w")
	k.stdin(podYAML("init", "Always", `  terminationGracePeriodSeconds: 2
  initContainers:
  - name: init-1
    image: `+testImage+`
    command: ["sh", "-c", "echo init-1 >> /work/log"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: init-2
    image: `+testImage+`
    command: ["sh", "-c", "sleep 2; echo init-2 >> /work/log"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: main
    image: `+testImage+`
    command: ["sh", "-c", "cat /work/log; echo main; trap 'exit 0' TERM; sleep 1000 & wait"]
    volumeMounts: [{name: work, mountPath: /work}]
  volumes: [{name: work, emptyDir: {}}]`)).ok("apply", "-f", "-")
	w.waitFor(30*time.Second, "init", "Init:1/2")
	w.waitFor(30*time.Second, "init", "1/1", "Running")
	wantEqual(t, "main's log", k.ok("logs", "init"), "init-1\ninit-2\nmain")
	wantEqual(t, "init containers' states", k.ok("get", "pod", "init", "-o",
		"jsonpath={.status.initContainerStatuses[*].name} {.status.initContainerStatuses[*].state.terminated.reason} {.status.initContainerStatuses[*].state.terminated.exitCode}"),
		"init-1 init-2 Completed Completed 0 0")
	wantEqual(t, "logs -c init-2", k.ok("logs", "init", "-c", "init-2"), "")
}

// testEnv: command, args, workingDir, env from values, ConfigMaps,
// Secrets, the pod's fields and its resources, and envFrom; a missing
// ConfigMap holds the container back until it exists.
func testEnv(t *testing.T, n *testNode) {
	k, ns := n.namespace(t)
	k.stdin(configMapAndSecret).ok("apply", "-f", "-")
	k.stdin(`apiVersion: v1
kind: Pod
metadata: {name: env, labels: {app: env-test}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "pwd; echo args: \"$@\"; trap 'exit 0' TERM; sleep 1000 & wait"]
    args: ["shell", "a1", "a 2"]
    workingDir: /srv/work
    resources: {requests: {cpu: 250m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}
    env:
    - {name: PLAIN, value: plain-value}
    - {name: EXPANDED, value: "$(PLAIN)-and-more"}
    - {name: COLOR, valueFrom: {configMapKeyRef: {name: cfg, key: color}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: sec, key: password}}}
    - {name: ABSENT, valueFrom: {configMapKeyRef: {name: cfg, key: nope, optional: true}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
    - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: SA_NAME, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
    - {name: APP_LABEL, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: MEM_LIMIT_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: CPU_REQUEST_M, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}
    - {name: CPU_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
    envFrom:
    - {prefix: CFG_, configMapRef: {name: cfg}}
    - secretRef: {name: sec}
---
apiVersion: v1
kind: Pod
metadata: {name: env-missing}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "echo $LATE; trap 'exit 0' TERM; sleep 1000 & wait"]
    env:
    - {name: LATE, valueFrom: {configMapKeyRef: {name: later, key: k}}}
`).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/env", "--timeout=60s")
	wantEqual(t, "log (pwd, args)", k.ok("logs", "env"), "/srv/work\nargs: a1 a 2")
	env := map[string]string{}
	for _, line := range strings.Split(k.ok("exec", "env", "--", "env"), "\n") {
		if name, value, ok := strings.Cut(line, "="); ok {
			env[name] = value
		}
	}
	podIP := k.ok("get", "pod", "env", "-o", "jsonpath={.status.podIP}")
	want := map[string]string{
		"PLAIN": "plain-value", "EXPANDED": "plain-value-and-more", "COLOR": "blue", "PASSWORD": "s3cret",
		"POD_NAME": "env", "POD_NAMESPACE": ns, "POD_IP": podIP, "HOST_IP": n.ip, "NODE_NAME": n.name, "SA_NAME": "default",
		"APP_LABEL": "env-test", "MEM_LIMIT_MI": "64", "CPU_REQUEST_M": "250", "CPU_LIMIT": "1",
		"CFG_color": "blue", "CFG_size": "large", "password": "s3cret", "token": "abc",
	}
	for name, v := range want {
		if got, ok := env[name]; !ok || got != v {
			t.Errorf("env %s = %q (set: %v), want %q", name, got, ok, v)
		}
	}
	if v, ok := env["ABSENT"]; ok {
		t.Errorf("env ABSENT (optional key that is missing) = %q, want it unset", v)
	}

	row := regexp.MustCompile(`(?m)^env-missing\s+0/1\s+CreateContainerConfigError\s+0\b`)
	poll(t, 30*time.Second, func() string {
		if out := k.ok("get", "pod", "env-missing"); !row.MatchString(out) {
			return "get pod shows no CreateContainerConfigError:\n" + out
		}
		return ""
	})
	wantEqual(t, "waiting message", k.ok("get", "pod", "env-missing", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.message}"),
		`configmap "later" not found`)
	k.ok("create", "configmap", "later", "--from-literal=k=arrived")
	k.ok("wait", "--for=condition=Ready", "pod/env-missing", "--timeout=60s")
	wantEqual(t, "env-missing log", k.ok("logs", "env-missing"), "arrived")
}

// testVolumes: configMap (with items and modes), secret, downwardAPI,
// emptyDir on disk and in memory, projected with a service account token,
// and hostPath, as the container sees them; configMap and secret changes
// reach the running pod.
func testVolumes(t *testing.T, n *testNode) {
	k, ns := n.namespace(t)
	hostDir := n.hostDir(t)
	if err := os.WriteFile(filepath.Join(hostDir, "from-host"), []byte("host-file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	k.stdin(configMapAndSecret).ok("apply", "-f", "-")
	k.stdin(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: vol, labels: {app: vol, tier: test}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: %s
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    resources: {limits: {memory: 64Mi}}
    volumeMounts:
    - {name: cfg, mountPath: /cfg}
    - {name: cfg-items, mountPath: /cfg-items}
    - {name: sec, mountPath: /sec}
    - {name: info, mountPath: /info}
    - {name: mem, mountPath: /mem}
    - {name: disk, mountPath: /disk}
    - {name: projected, mountPath: /projected}
    - {name: host, mountPath: /host}
    - {name: cfg, mountPath: /cfg-ro, readOnly: true}
  volumes:
  - {name: cfg, configMap: {name: cfg}}
  - name: cfg-items
    configMap:
      name: cfg
      defaultMode: 0644
      items: [{key: size, path: sub/size.txt, mode: 0400}]
  - {name: sec, secret: {secretName: sec, defaultMode: 0440}}
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
      - {path: mem, resourceFieldRef: {containerName: c, resource: limits.memory, divisor: 1Mi}}
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
  - {name: disk, emptyDir: {}}
  - name: projected
    projected:
      sources:
      - serviceAccountToken: {path: token, expirationSeconds: 3600, audience: e2e-audience}
      - configMap: {name: cfg, items: [{key: color, path: color}]}
      - downwardAPI: {items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]}
  - {name: host, hostPath: {path: %s, type: Directory}}
`, testImage, hostDir)).ok("apply", "-f", "-")
	k.ok("wait", "--for=condition=Ready", "pod/vol", "--timeout=60s")
	sh := func(script string) string { return k.ok("exec", "vol", "--", "sh", "-c", script) }

	wantEqual(t, "configMap", sh("cat /cfg/color; echo; cat /cfg/size; echo; ls /cfg"), "blue\nlarge\ncolor\nsize")
	wantEqual(t, "configMap items and mode", sh("cat /cfg-items/sub/size.txt; echo; stat -L -c %a /cfg-items/sub/size.txt; ls /cfg-items"), "large\n400\nsub")
	wantEqual(t, "secret and mode", sh("cat /sec/password; echo; stat -L -c %a /sec/password"), "s3cret\n440")
	mounts := sh("cat /proc/mounts")
	for _, m := range []struct{ dir, want string }{{"/sec", "tmpfs"}, {"/mem", "tmpfs"}, {"/projected", "tmpfs"}} {
		if !regexp.MustCompile(`(?m)^\S+ ` + m.dir + ` ` + m.want + ` `).MatchString(mounts) {
			t.Errorf("%s is not a %s mount in the container:\n%s", m.dir, m.want, mounts)
		}
	}
	if !regexp.MustCompile(`(?m)^\S+ /mem tmpfs \S*size=16384k`).MatchString(mounts) {
		t.Errorf("/mem (emptyDir Memory, sizeLimit 16Mi) has no size=16384k:\n%s", grepLines(mounts, "/mem"))
	}
	if !regexp.MustCompile(`(?m)^\S+ /cfg-ro \S+ ro[, ]`).MatchString(mounts) {
		t.Errorf("/cfg-ro (readOnly) is not mounted read-only:\n%s", grepLines(mounts, "/cfg-ro"))
	}
	wantEqual(t, "downwardAPI", sh("cat /info/labels; echo; cat /info/name; echo; cat /info/mem"), "app=\"vol\"\ntier=\"test\"\nvol\n64")
	wantEqual(t, "emptyDirs writable", sh("echo m > /mem/f && echo d > /disk/f && cat /mem/f /disk/f"), "m\nd")
	wantEqual(t, "projected configMap and downwardAPI", sh("cat /projected/color; echo; cat /projected/namespace"), "blue\n"+ns)
	checkJWT(t, sh("cat /projected/token"), ns)

	wantEqual(t, "hostPath: host file seen in the pod", sh("cat /host/from-host"), "host-file")
	sh("echo from-pod > /host/from-pod")
	wantEqual(t, "hostPath: pod file seen on the host", readFile(t, filepath.Join(hostDir, "from-pod")), "from-pod")

	// Updates reach the running pod (the kubelet's sync period plus its
	// cache: about a minute); env does not change.
	k.ok("patch", "configmap", "cfg", "-p", `{"data":{"color":"green"}}`)
	k.ok("patch", "secret", "sec", "-p", `{"stringData":{"password":"n3w"}}`)
	poll(t, 90*time.Second, func() string {
		if got := sh("cat /cfg/color; echo; cat /projected/color; echo; cat /sec/password"); got != "green\ngreen\nn3w" {
			return "after the updates, the pod sees:\n" + got
		}
		return ""
	})
	wantEqual(t, "items volume after an update of another key", sh("cat /cfg-items/sub/size.txt"), "large")
}

// testPersistentVolumeClaim: a claim bound to a hostPath PersistentVolume
// is mounted into the pod.
func testPersistentVolumeClaim(t *testing.T, n *testNode) {
	k, ns := n.namespace(t)
	dir := n.hostDir(t)
	if err := os.WriteFile(filepath.Join(dir, "data"), []byte("on-the-volume\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pv := "e2e-pv-" + ns
	k.stdin(fmt.Sprintf(`apiVersion: v1
kind: PersistentVolume
metadata: {name: %s}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: e2e-manual-%s
  hostPath: {path: %s, type: Directory}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: e2e-manual-%s
  resources: {requests: {storage: 100Mi}}
`, pv, ns, dir, ns)).ok("apply", "-f", "-")
	t.Cleanup(func() { n.server.kubectl(t).run("delete", "pv", pv, "--wait=false") })
	k.stdin(podYAML("pvc", "Always", `  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: `+testImage+`
    command: ["sh", "-c", "cat /data/data; echo written > /data/from-pod; trap 'exit 0' TERM; sleep 1000 & wait"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: claim}}]`)).ok("apply", "-f", "-")
	k.ok("wait", "--for=jsonpath={.status.phase}=Bound", "pvc/claim", "--timeout=20s")
	k.ok("wait", "--for=condition=Ready", "pod/pvc", "--timeout=60s")
	wantEqual(t, "pod log", k.ok("logs", "pvc"), "on-the-volume")
	wantEqual(t, "file the pod wrote", readFile(t, filepath.Join(dir, "from-pod")), "written")
}

// checkJWT checks that token is a service account JWT for ns's default
// account with the projected volume's audience.
func checkJWT(t *testing.T, token, ns string) {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		t.Errorf("projected token is not a JWT: %q", token)
		return
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Errorf("JWT payload: %v", err)
		return
	}
	var claims struct {
		Sub string   `json:"sub"`
		Aud []string `json:"aud"`
		Exp int64    `json:"exp"`
		Iat int64    `json:"iat"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Errorf("JWT claims %s: %v", payload, err)
		return
	}
	if claims.Sub != "system:serviceaccount:"+ns+":default" || !slices.Contains(claims.Aud, "e2e-audience") {
		t.Errorf("JWT claims: %s", payload)
	}
	if life := claims.Exp - claims.Iat; life < 3000 || life > 4000 {
		t.Errorf("JWT lifetime %ds, want about the requested 3600s: %s", life, payload)
	}
}

func grepLines(s, fragment string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, fragment) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
