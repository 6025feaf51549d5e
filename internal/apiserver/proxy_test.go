package apiserver

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// proxyFixture: a server with pods in every state the proxy cares about,
// node n1 served by a fake agent, n2 pointing at a closed port, and a pod
// on a node that does not exist.
func proxyFixture(t *testing.T, agentHandler http.HandlerFunc) (*testServer, *fakeAgent) {
	t.Helper()
	objs := newFakeObjects()
	ts := newTestServer(t, objs, testServerOptions{})
	ag := newFakeAgent(t, ts.bundle, agentHandler)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	multi := runningPod("ns", "multi", "n1", "a", "b")
	multi.Spec.InitContainers = []corev1.Container{{Name: "init"}}
	annotated := runningPod("ns", "annotated", "n1", "a", "b")
	annotated.Annotations = map[string]string{defaultContainerAnnotation: "b"}
	pending := runningPod("ns", "pending", "", "c")
	pending.Status = corev1.PodStatus{Phase: corev1.PodPending}
	waiting := runningPod("ns", "waiting", "n1", "c")
	waiting.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	pulling := runningPod("ns", "pulling", "n1", "c")
	pulling.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}
	done := runningPod("ns", "done", "n1", "c")
	done.Status.Phase = corev1.PodSucceeded
	restarted := runningPod("ns", "restarted", "n1", "c")
	restarted.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ContainerID: "containerd://old"}
	noAddress := testNode("n4", ag.port(t))
	noAddress.Status.Addresses = nil
	objs.add(
		testNode("n1", ag.port(t)), testNode("n2", int32(deadPort)), noAddress,
		runningPod("ns", "web", "n1", "c"), multi, annotated, pending, waiting, pulling, done, restarted,
		runningPod("ns", "agentbad", "n1", "c"), runningPod("ns", "offnode", "n2", "c"),
		runningPod("ns", "ghostnode", "n3", "c"), runningPod("ns", "lost", "n4", "c"),
	)
	return ts, ag
}

// agentEcho answers like a kubelet would for the paths the tests use.
func agentEcho(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/containerLogs/ns/agentbad/c":
		http.Error(w, `container "c" in pod "agentbad" is not available`, http.StatusBadRequest)
	case r.URL.Path == "/containerLogs/ns/notfound/c":
		http.Error(w, "pod does not exist", http.StatusNotFound)
	case strings.HasPrefix(r.URL.Path, "/containerLogs/"):
		io.WriteString(w, "line 1\nline 2\n")
	default:
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Agent", "yes")
		fmt.Fprintf(w, "%s %s auth=%q body=%q", r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), body)
	}
}

func TestProxyRequests(t *testing.T) {
	ts, ag := proxyFixture(t, agentEcho)
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		wantCode                 int
		// wantBody is a substring of the answer (the message of a Status).
		wantBody string
		// wantAgent is the request URI the agent must see; "" means the
		// agent must not be asked.
		wantAgent string
	}{
		{name: "logs with every option", method: "GET",
			path:     "/api/v1/namespaces/ns/pods/web/log?container=c&follow=true&tailLines=5&timestamps=1&sinceSeconds=10&limitBytes=100&previous=false&insecureSkipTLSVerifyBackend=true",
			wantCode: 200, wantBody: "line 1\nline 2\n",
			wantAgent: "/containerLogs/ns/web/c?follow=true&limitBytes=100&sinceSeconds=10&tailLines=5&timestamps=true"},
		{name: "logs since a time", method: "GET", path: "/api/v1/namespaces/ns/pods/web/log?sinceTime=2024-05-01T10:00:00Z",
			wantCode: 200, wantBody: "line 1", wantAgent: "/containerLogs/ns/web/c?sinceTime=2024-05-01T10%3A00%3A00Z"},
		{name: "previous logs of a restarted container", method: "GET", path: "/api/v1/namespaces/ns/pods/restarted/log?previous=true",
			wantCode: 200, wantAgent: "/containerLogs/ns/restarted/c?previous=true"},
		{name: "logs default to the annotated container", method: "GET", path: "/api/v1/namespaces/ns/pods/annotated/log",
			wantCode: 200, wantAgent: "/containerLogs/ns/annotated/b"},
		{name: "logs of a missing pod", method: "GET", path: "/api/v1/namespaces/ns/pods/nope/log",
			wantCode: 404, wantBody: `pods \"nope\" not found`},
		{name: "logs of an unscheduled pod are empty", method: "GET", path: "/api/v1/namespaces/ns/pods/pending/log", wantCode: 200},
		{name: "logs need a container of a multi-container pod", method: "GET", path: "/api/v1/namespaces/ns/pods/multi/log",
			wantCode: 400, wantBody: "a container name must be specified for pod multi, choose one of: [init a b]"},
		{name: "logs of an unknown container", method: "GET", path: "/api/v1/namespaces/ns/pods/web/log?container=y",
			wantCode: 400, wantBody: "container y is not valid for pod web"},
		{name: "logs of a waiting container", method: "GET", path: "/api/v1/namespaces/ns/pods/waiting/log",
			wantCode: 400, wantBody: `container \"c\" in pod \"waiting\" is waiting to start: ContainerCreating`},
		{name: "logs of a container failing to pull", method: "GET", path: "/api/v1/namespaces/ns/pods/pulling/log",
			wantCode: 400, wantBody: `container \"c\" in pod \"pulling\" is waiting to start: trying and failing to pull image`},
		{name: "previous logs of a container never restarted", method: "GET", path: "/api/v1/namespaces/ns/pods/web/log?previous=true",
			wantCode: 400, wantBody: `previous terminated container \"c\" in pod \"web\" not found`},
		{name: "negative tailLines", method: "GET", path: "/api/v1/namespaces/ns/pods/web/log?tailLines=-1",
			wantCode: 422, wantBody: `PodLogOptions \"web\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{name: "unparsable sinceSeconds", method: "GET", path: "/api/v1/namespaces/ns/pods/web/log?sinceSeconds=soon",
			wantCode: 400, wantBody: `parsing \"soon\": invalid syntax`},
		{name: "both since options", method: "GET", path: "/api/v1/namespaces/ns/pods/web/log?sinceSeconds=5&sinceTime=2024-05-01T10:00:00Z",
			wantCode: 422, wantBody: "at most one of `sinceTime` or `sinceSeconds` may be specified"},
		{name: "logs take no POST", method: "POST", path: "/api/v1/namespaces/ns/pods/web/log", wantCode: 405},
		{name: "agent error text becomes a Status", method: "GET", path: "/api/v1/namespaces/ns/pods/agentbad/log",
			wantCode: 400, wantBody: `container \"c\" in pod \"agentbad\" is not available`, wantAgent: "/containerLogs/ns/agentbad/c"},
		{name: "unreachable node", method: "GET", path: "/api/v1/namespaces/ns/pods/offnode/log",
			wantCode: 502, wantBody: `error trying to reach the kubelet of node \"n2\"`},
		{name: "node object missing", method: "GET", path: "/api/v1/namespaces/ns/pods/ghostnode/log",
			wantCode: 404, wantBody: `nodes \"n3\" not found`},
		{name: "node without addresses", method: "GET", path: "/api/v1/namespaces/ns/pods/lost/log",
			wantCode: 503, wantBody: `node \"n4\" reports no address`},
		{name: "exec needs an upgrade", method: "POST", path: "/api/v1/namespaces/ns/pods/web/exec?command=sh&stdin=true",
			wantCode: 400, wantBody: "Upgrade request required"},
		{name: "exec into a completed pod", method: "POST", path: "/api/v1/namespaces/ns/pods/done/exec?command=sh",
			wantCode: 400, wantBody: "cannot exec into a container in a completed pod; current phase is Succeeded"},
		{name: "attach to a completed pod", method: "POST", path: "/api/v1/namespaces/ns/pods/done/attach",
			wantCode: 400, wantBody: "cannot attach to a container in a completed pod; current phase is Succeeded"},
		{name: "exec into an unscheduled pod", method: "POST", path: "/api/v1/namespaces/ns/pods/pending/exec?command=sh",
			wantCode: 400, wantBody: "pod pending does not have a host assigned"},
		{name: "exec into a multi-container pod", method: "GET", path: "/api/v1/namespaces/ns/pods/multi/exec?command=sh",
			wantCode: 400, wantBody: "a container name must be specified for pod multi, choose one of: [init a b]"},
		{name: "port-forward to an unscheduled pod", method: "POST", path: "/api/v1/namespaces/ns/pods/pending/portforward",
			wantCode: 400, wantBody: "pod pending does not have a host assigned"},
		{name: "port-forward bad port", method: "POST", path: "/api/v1/namespaces/ns/pods/web/portforward?ports=http",
			wantCode: 400, wantBody: "cannot convert to []int32"},
		{name: "exec with PUT", method: "PUT", path: "/api/v1/namespaces/ns/pods/web/exec", wantCode: 405},
		{name: "node proxy GET with query", method: "GET", path: "/api/v1/nodes/n1/proxy/healthz?verbose=1",
			wantCode: 200, wantBody: `GET /healthz?verbose=1 auth=""`, wantAgent: "/healthz?verbose=1"},
		{name: "node proxy root", method: "GET", path: "/api/v1/nodes/n1/proxy", wantCode: 200, wantAgent: "/"},
		{name: "node proxy keeps a trailing slash", method: "GET", path: "/api/v1/nodes/n1/proxy/pods/", wantCode: 200, wantAgent: "/pods/"},
		{name: "node proxy keeps escapes", method: "GET", path: "/api/v1/nodes/n1/proxy/a%2Fb", wantCode: 200, wantAgent: "/a%2Fb"},
		{name: "node proxy POST with body and no credentials forwarded", method: "POST", path: "/api/v1/nodes/n1/proxy/run",
			body: "payload", header: map[string]string{"Authorization": "Bearer secret"},
			wantCode: 200, wantBody: `POST /run auth="" body="payload"`, wantAgent: "/run"},
		{name: "node proxy to the kubelet port by number", method: "DELETE", path: "/api/v1/nodes/n1:KUBELETPORT/proxy/x",
			wantCode: 200, wantAgent: "/x"},
		{name: "node proxy to another port on loopback", method: "GET", path: "/api/v1/nodes/n1:8080/proxy/x",
			wantCode: 400, wantBody: "address not allowed"},
		{name: "node proxy to a missing node", method: "GET", path: "/api/v1/nodes/nope/proxy/healthz",
			wantCode: 404, wantBody: `nodes \"nope\" not found`},
		{name: "node proxy bad port", method: "GET", path: "/api/v1/nodes/n1:0/proxy/x", wantCode: 400, wantBody: `invalid port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ag.count()
			path := strings.ReplaceAll(tt.path, "KUBELETPORT", fmt.Sprint(ag.port(t)))
			req, err := http.NewRequest(tt.method, ts.srv.URL+path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %s\nwant %d containing %q", resp.StatusCode, body, tt.wantCode, tt.wantBody)
			}
			if tt.wantCode >= 400 && tt.wantCode != 405 {
				var st metav1.Status
				if err := json.Unmarshal(body, &st); err != nil || st.Kind != "Status" || int(st.Code) != tt.wantCode {
					t.Errorf("error answer is not a Status with code %d: %s", tt.wantCode, body)
				}
			}
			if tt.wantAgent == "" {
				if ag.count() != before {
					t.Errorf("agent was asked %s", ag.last(t).URL.RequestURI())
				}
				return
			}
			if got := ag.last(t).URL.RequestURI(); got != tt.wantAgent {
				t.Errorf("agent saw %s, want %s", got, tt.wantAgent)
			}
		})
	}
}

// TestProxyLogsStream: a followed log reaches the client as the agent
// writes it, before the agent's answer ends.
func TestProxyLogsStream(t *testing.T) {
	release := make(chan struct{})
	ts, _ := proxyFixture(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, "second\n")
	})
	defer close(release)
	resp, err := ts.client.Get(ts.srv.URL + "/api/v1/namespaces/ns/pods/web/log?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	lines := bufio.NewReader(resp.Body)
	got := make(chan string, 1)
	go func() {
		line, _ := lines.ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if line != "first\n" {
			t.Fatalf("first line %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first line did not arrive while the agent kept the stream open")
	}
	release <- struct{}{}
	rest, _ := io.ReadAll(lines)
	if string(rest) != "second\n" {
		t.Errorf("rest %q", rest)
	}
}

func TestProxyWithoutKubeletCert(t *testing.T) {
	objs := newFakeObjects().add(testNode("n1", 10250), runningPod("ns", "web", "n1", "c"))
	ts := newTestServer(t, objs, testServerOptions{noKubeletCert: true})
	resp, err := ts.client.Get(ts.srv.URL + "/api/v1/namespaces/ns/pods/web/log")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "no client certificate for kubelets") {
		t.Errorf("got %d %s", resp.StatusCode, body)
	}
}

func TestPlanPodStreamAgentQueries(t *testing.T) {
	pod := runningPod("ns", "web", "n1", "c")
	tests := []struct {
		sub, query string
		want       string
	}{
		{"exec", "command=sh&command=-c&command=echo+hi&stdin=true&stdout=true&stderr=true&tty=true&container=c",
			"/exec/ns/web/c?command=sh&command=-c&command=echo+hi&error=1&input=1&output=1&tty=1"},
		{"exec", "command=ls&stdout=1&stderr=false", "/exec/ns/web/c?command=ls&output=1"},
		{"attach", "stdin=true&stdout=true&tty=true", "/attach/ns/web/c?input=1&output=1&tty=1"},
		{"portforward", "ports=8080&ports=9090,53", "/portForward/ns/web?port=8080%2C9090%2C53"},
		{"portforward", "", "/portForward/ns/web?"},
	}
	for _, tt := range tests {
		t.Run(tt.sub+"?"+tt.query, func(t *testing.T) {
			q, _ := parseQuery(tt.query)
			st, err := planPodStream(pod, tt.sub, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.path + "?" + st.query.Encode(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if !st.upgrade {
				t.Error("upgrade not required")
			}
		})
	}
}

func parseQuery(s string) (map[string][]string, error) {
	return url.ParseQuery(s)
}
