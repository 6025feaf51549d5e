package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// webScript is the quick start's web server, made observable: it prints
// three lines, serves /www on 8080 and then echoes whatever lands in
// /tmp/say, so that a test can make it log on demand.
const webScript = `trap "exit 0" TERM
mkdir -p /www && echo hello-from-web > /www/index.html
echo line-1; echo line-2; echo line-3
httpd -p 8080 -h /www
while true; do if [ -f /tmp/say ]; then cat /tmp/say; rm -f /tmp/say; fi; sleep 0.2; done`

// protocols are the two ways kubectl streams exec, attach and
// port-forward: WebSocket (its default) and SPDY.
var protocols = []struct{ name, env string }{
	{"websocket", "KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true"},
	{"spdy", "KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false"},
}

// testDeployment is the quick start: a busybox httpd deployment runs with
// a pod IP from the node's range, and logs, exec, attach, port-forward and
// cp reach it through the API server.
func testDeployment(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	k.ok("create", "deployment", "web", "--image="+testImage, "--port=8080", "--", "sh", "-c", webScript)
	k.ok("rollout", "status", "deployment/web", "--timeout=60s")
	pod := k.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")

	t.Run("get pods -o wide", func(t *testing.T) {
		k := k.on(t)
		wide := k.ok("get", "pods", "-o", "wide")
		if !regexp.MustCompile(`^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n`).MatchString(wide) {
			t.Errorf("get pods -o wide header:\n%s", wide)
		}
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(pod) + `\s+1/1\s+Running\s+0\s+\S+\s+(\S+)\s+` + regexp.QuoteMeta(n.name) + `\s+<none>\s+<none>$`).FindStringSubmatch(wide)
		if row == nil {
			t.Fatalf("get pods -o wide has no Running row on node %s for %s:\n%s", n.name, pod, wide)
		}
		cidr, err := netip.ParsePrefix(k.ok("get", "node", n.name, "-o", "jsonpath={.spec.podCIDR}"))
		if err != nil {
			t.Fatalf("node podCIDR: %v", err)
		}
		if ip, err := netip.ParseAddr(row[1]); err != nil || !cidr.Contains(ip) {
			t.Errorf("pod IP %q is not in the node's podCIDR %s", row[1], cidr)
		}
		status := k.ok("get", "pod", pod, "-o", `jsonpath={.status.podIP} {.status.podIPs[0].ip} {.status.hostIP} {.status.qosClass} `+
			`{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="ContainersReady")].status} `+
			`{.status.conditions[?(@.type=="Initialized")].status} {.status.conditions[?(@.type=="PodScheduled")].status}`)
		wantEqual(t, "podIP podIPs hostIP qosClass Ready ContainersReady Initialized PodScheduled", status,
			fmt.Sprintf("%s %s %s BestEffort True True True True", row[1], row[1], n.ip))
		cs := k.ok("get", "pod", pod, "-o", `jsonpath={.status.startTime}|{.status.containerStatuses[0].containerID}|`+
			`{.status.containerStatuses[0].image}|{.status.containerStatuses[0].imageID}|{.status.containerStatuses[0].state.running.startedAt}|`+
			`{.status.containerStatuses[0].ready}|{.status.containerStatuses[0].started}`)
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\S+Z\|containerd://[0-9a-f]{64}\|docker\.io/library/busybox:1\.36\|\S*sha256:[0-9a-f]{64}\|\d{4}-\S+Z\|true\|true$`).MatchString(cs) {
			t.Errorf("status (startTime|containerID|image|imageID|startedAt|ready|started) = %s", cs)
		}
		reasons := k.ok("get", "events", "--field-selector", "involvedObject.name="+pod, "-o", "jsonpath={.items[*].reason}")
		for _, r := range []string{"Scheduled", "Pulled", "Created", "Started"} {
			if !slices.Contains(strings.Fields(reasons), r) {
				t.Errorf("pod events %q lack %s", reasons, r)
			}
		}
		wantAll(t, "describe pod", k.ok("describe", "pod", pod), "Status:           Running", "IP:               "+row[1],
			"Node:             "+n.name+"/"+n.ip, "State:          Running", "Restart Count:  0")
	})

	t.Run("logs", func(t *testing.T) {
		k := k.on(t)
		wantEqual(t, "logs deploy/web", k.ok("logs", "deploy/web"), "line-1\nline-2\nline-3")
		wantEqual(t, "logs -c busybox", k.ok("logs", pod, "-c", "busybox"), "line-1\nline-2\nline-3")
		wantEqual(t, "logs --tail=1", k.ok("logs", pod, "--tail=1"), "line-3")
		wantEqual(t, "logs --limit-bytes=8", k.ok("logs", pod, "--limit-bytes=8"), "line-1\nl")
		stamped := k.ok("logs", pod, "--timestamps")
		if !regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) line-\d\n){3}$`).MatchString(stamped) {
			t.Errorf("logs --timestamps:\n%s", stamped)
		}
		// --since leaves out lines older than it: wait until the three
		// lines are more than 2s old.
		started, err := time.Parse(time.RFC3339, k.ok("get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.running.startedAt}"))
		if err != nil {
			t.Fatal(err)
		}
		if wait := time.Until(started.Add(4 * time.Second)); wait > 0 {
			<-time.After(wait)
		}
		wantEqual(t, "logs --since=2s", k.ok("logs", pod, "--since=2s"), "")

		follow := k.watch("logs", "-f", "deploy/web")
		follow.waitFor(15*time.Second, "line-3")
		k.ok("exec", pod, "--", "sh", "-c", "echo followed-hello > /tmp/say.tmp && mv /tmp/say.tmp /tmp/say")
		follow.waitFor(15*time.Second, "followed-hello")
	})

	for _, p := range protocols {
		t.Run("exec over "+p.name, func(t *testing.T) {
			k := k.on(t).env(p.env)
			r := k.run("exec", "deploy/web", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
			if r.code != 7 || r.stdout != "out\n" || !strings.Contains(r.stderr, "err\n") || !strings.Contains(r.stderr, "command terminated with exit code 7") {
				t.Errorf("exec exit 7: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			wantEqual(t, "exec hostname", k.ok("exec", pod, "--", "hostname"), pod)
			wantEqual(t, "exec -i cat", k.stdin("hello stdin\nsecond line\n").ok("exec", "-i", pod, "--", "cat"), "hello stdin\nsecond line")
			// A megabyte through stdin and back: flow control both ways.
			big := strings.Repeat("0123456789abcdef", 1<<16)
			if out := k.stdin(big).ok("exec", "-i", pod, "--", "sh", "-c", "cat > /tmp/big && wc -c < /tmp/big && cat /tmp/big"); out != "1048576\n"+big {
				t.Errorf("exec -i of 1 MiB: got %d bytes back, starting %.40q", len(out), out)
			}
			r = k.run("exec", pod, "--", "no-such-command")
			if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "no-such-command") {
				t.Errorf("exec of a missing command: code %d, %s%s", r.code, r.stdout, r.stderr)
			}
			out, code := runTTY(t, k, "echo tty-$((6*7)); tty; exit 5\r", "exec", "-it", "deploy/web", "--", "sh")
			if code != 5 || !strings.Contains(out, "tty-42") || !strings.Contains(out, "/dev/pts/") {
				t.Errorf("exec -it: exit %d, output:\n%s", code, out)
			}
		})
	}

	t.Run("attach", func(t *testing.T) {
		k := k.on(t)
		att := k.watch("attach", "deploy/web", "-c", "busybox")
		// attach shows only what the process prints from now on; keep
		// saying something until a line arrives.
		sayUntil(t, k, pod, att, "attached-hello")

		for i, p := range protocols {
			name := fmt.Sprintf("stdin-%d", i)
			k := k.env(p.env)
			k.stdin(podYAML(name, "Never", `  containers:
  - name: c
    image: `+testImage+`
    stdin: true
    stdinOnce: true
    command: ["sh", "-c", "while read l; do echo got:$l; done; echo stdin-closed"]`)).ok("apply", "-f", "-")
			k.ok("wait", "--for=condition=Ready", "pod/"+name, "--timeout=60s")
			r := k.stdin("one\ntwo\n").run("attach", "-i", name)
			if r.code != 0 || !strings.Contains(r.stdout, "got:one\ngot:two\n") {
				t.Errorf("attach -i over %s: exit %d\nstdout:\n%s\nstderr:\n%s", p.name, r.code, r.stdout, r.stderr)
			}
			k.ok("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/"+name, "--timeout=30s")
			wantEqual(t, "logs after attach", k.ok("logs", name), "got:one\ngot:two\nstdin-closed")
		}
	})

	for _, env := range []string{"KUBECTL_PORT_FORWARD_WEBSOCKETS=true", "KUBECTL_PORT_FORWARD_WEBSOCKETS=false"} {
		t.Run("port-forward "+env, func(t *testing.T) {
			k := k.on(t).env(env)
			local, err := freePort()
			if err != nil {
				t.Fatal(err)
			}
			pf := k.watch("port-forward", "deploy/web", fmt.Sprintf("%d:8080", local))
			pf.waitFor(20*time.Second, fmt.Sprintf("Forwarding from 127.0.0.1:%d -> 8080", local))
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			// Several connections, one after another and at once.
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body, err := httpGet(client, fmt.Sprintf("http://127.0.0.1:%d/", local))
					if err != nil || body != "hello-from-web\n" {
						t.Errorf("GET %d through port-forward: %q, %v", i, body, err)
					}
				}()
				if i == 0 {
					wg.Wait()
				}
			}
			wg.Wait()
		})
	}

	t.Run("cp", func(t *testing.T) {
		k := k.on(t)
		dir := t.TempDir()
		in := filepath.Join(dir, "in.txt")
		if err := os.WriteFile(in, []byte("copied in\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		k.ok("cp", in, pod+":/tmp/in.txt", "-c", "busybox")
		wantEqual(t, "file copied into the pod", k.ok("exec", pod, "--", "cat", "/tmp/in.txt"), "copied in")
		k.ok("cp", pod+":/www/index.html", filepath.Join(dir, "out.txt"))
		if got, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || string(got) != "hello-from-web\n" {
			t.Errorf("file copied out of the pod: %q, %v", got, err)
		}
		k.ok("cp", pod+":/www", filepath.Join(dir, "www"))
		if got, err := os.ReadFile(filepath.Join(dir, "www", "index.html")); err != nil || string(got) != "hello-from-web\n" {
			t.Errorf("directory copied out of the pod: %q, %v", got, err)
		}
	})
}

// testNetwork: pods reach each other and the host, and a hostPort reaches
// a pod.
func testNetwork(t *testing.T, n *testNode) {
	k, _ := n.namespace(t)
	hostPort, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	k.stdin(podYAML("web", "Always", fmt.Sprintf(`  terminationGracePeriodSeconds: 2
  containers:
  - name: web
    image: %s
    command: ["sh", "-c", "mkdir /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports:
    - {containerPort: 8080, hostPort: %d}`, testImage, hostPort))).ok("apply", "-f", "-")
	k.ok("run", "client", "--image="+testImage, "--command", "--", "sh", "-c", `trap "exit 0" TERM; sleep 1000 & wait`)
	k.ok("wait", "--for=condition=Ready", "pod/web", "pod/client", "--timeout=60s")
	webIP := k.ok("get", "pod", "web", "-o", "jsonpath={.status.podIP}")

	wantAll(t, "pod to pod", httpFromPod(k, "client", net.JoinHostPort(webIP, "8080")), "200 OK", "hello-from-web")
	wantAll(t, "pod to itself on loopback", httpFromPod(k, "web", "127.0.0.1:8080"), "200 OK", "hello-from-web")

	// The host serves on the node IP; a pod reaches it through the bridge.
	ln, err := net.Listen("tcp", net.JoinHostPort(n.ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello-from-host")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	wantAll(t, "pod to host", httpFromPod(k, "client", ln.Addr().String()), "200 OK", "hello-from-host")

	// Beyond the node a pod's traffic carries the node's address
	// (masquerade): the outside network has no route back to pods.
	outside, hostEnd := outsideServer(t)
	wantAll(t, "pod to the world", httpFromPod(k, "client", outside), "200 OK", "from "+hostEnd+"\n")

	client := &http.Client{Timeout: 5 * time.Second}
	url := "http://" + net.JoinHostPort(n.ip, strconv.Itoa(hostPort)) + "/"
	if body, err := httpGet(client, url); err != nil || body != "hello-from-web\n" {
		t.Errorf("GET %s (hostPort): %q, %v", url, body, err)
	}
}

// httpFromPod sends GET / to addr from inside pod with nc (Debian's static
// busybox wget crashes) and returns the whole response.
func httpFromPod(k kubectl, pod, addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return k.ok("exec", pod, "--", "sh", "-c", fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 %s %s`, host, port))
}

// sayUntil makes the web pod print msg (through /tmp/say) until w shows
// it: a stream may start after the first message was printed.
func sayUntil(t *testing.T, k kubectl, pod string, w *watch, msg string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		k.ok("exec", pod, "--", "sh", "-c", "echo "+msg+" > /tmp/say.tmp && mv /tmp/say.tmp /tmp/say")
		select {
		case line, open := <-w.lines:
			if !open {
				t.Fatalf("stream ended before %q; it printed:\n%s", msg, strings.Join(w.seen, "\n"))
			}
			w.seen = append(w.seen, line)
			if strings.Contains(line, msg) {
				return
			}
		case <-time.After(2 * time.Second):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the stream within 20s; it printed:\n%s", msg, strings.Join(w.seen, "\n"))
		}
	}
}

func httpGet(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("status %s", resp.Status)
	}
	return string(body), err
}

// runTTY runs kubectl on a pseudo-terminal, as from an interactive shell,
// types input once the shell's prompt shows and returns all the terminal
// printed and kubectl's exit code.
func runTTY(t *testing.T, k kubectl, input string, args ...string) (string, int) {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = k.environ()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatalf("start kubectl %s: %v", strings.Join(args, " "), err)
	}
	slave.Close()
	var mu sync.Mutex
	var out strings.Builder
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return // EIO once kubectl has exited
			}
		}
	}()
	printed := func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(printed(), "# ") {
		if time.Now().After(deadline) {
			cancel()
			<-readDone
			t.Fatalf("kubectl %s: no shell prompt within 20s; terminal:\n%s", strings.Join(args, " "), printed())
		}
		<-time.After(50 * time.Millisecond)
	}
	if _, err := io.WriteString(master, input); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	<-readDone
	if ctx.Err() != nil {
		t.Fatalf("kubectl %s: no exit within %s; terminal:\n%s", strings.Join(args, " "), callTimeout, printed())
	}
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return printed(), code
}
