package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestNewHTTPRequest(t *testing.T) {
	c := &corev1.Container{Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}
	tests := []struct {
		name    string
		action  corev1.HTTPGetAction
		podIP   string
		wantURL string
		wantErr string
		check   func(t *testing.T, r *http.Request)
	}{
		{name: "defaults", action: corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(80)}, podIP: "10.42.0.5",
			wantURL: "http://10.42.0.5:80/healthz", check: func(t *testing.T, r *http.Request) {
				if ua := r.Header.Get("User-Agent"); ua != "kube-probe/1.32" {
					t.Errorf("User-Agent = %q", ua)
				}
				if a := r.Header.Get("Accept"); a != "*/*" {
					t.Errorf("Accept = %q", a)
				}
			}},
		{name: "named port and query", action: corev1.HTTPGetAction{Path: "/ready?full=1", Port: intstr.FromString("http")}, podIP: "10.42.0.5",
			wantURL: "http://10.42.0.5:8080/ready?full=1"},
		{name: "number as string", action: corev1.HTTPGetAction{Port: intstr.FromString("9000")}, podIP: "10.0.0.1", wantURL: "http://10.0.0.1:9000"},
		{name: "https and host", action: corev1.HTTPGetAction{Scheme: corev1.URISchemeHTTPS, Host: "127.0.0.1", Port: intstr.FromInt32(443)},
			podIP: "10.0.0.1", wantURL: "https://127.0.0.1:443"},
		{name: "ipv6", action: corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(80)}, podIP: "fd00::5", wantURL: "http://[fd00::5]:80/"},
		{name: "headers", action: corev1.HTTPGetAction{Port: intstr.FromInt32(80), HTTPHeaders: []corev1.HTTPHeader{
			{Name: "user-agent", Value: "mine"}, {Name: "Host", Value: "example.com"}, {Name: "X-A", Value: "1"}, {Name: "X-A", Value: "2"}, {Name: "Accept", Value: ""},
		}}, podIP: "10.0.0.1", wantURL: "http://10.0.0.1:80", check: func(t *testing.T, r *http.Request) {
			if ua := r.Header.Get("User-Agent"); ua != "mine" {
				t.Errorf("User-Agent = %q", ua)
			}
			if r.Host != "example.com" {
				t.Errorf("Host = %q", r.Host)
			}
			if v := r.Header.Values("X-A"); len(v) != 2 {
				t.Errorf("X-A = %v", v)
			}
			if _, ok := r.Header["Accept"]; ok {
				t.Error("an empty Accept should send none")
			}
		}},
		{name: "unknown port name", action: corev1.HTTPGetAction{Port: intstr.FromString("metrics")}, podIP: "10.0.0.1", wantErr: "port metrics not found"},
		{name: "port out of range", action: corev1.HTTPGetAction{Port: intstr.FromInt32(70000)}, podIP: "10.0.0.1", wantErr: "invalid port number: 70000"},
		{name: "no pod IP", action: corev1.HTTPGetAction{Port: intstr.FromInt32(80)}, wantErr: "no IP"},
		{name: "bad scheme", action: corev1.HTTPGetAction{Scheme: "FTP", Port: intstr.FromInt32(21)}, podIP: "10.0.0.1", wantErr: "unsupported scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newHTTPRequest(context.Background(), &tt.action, tt.podIP, c, userAgent("kube-probe"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.URL.String() != tt.wantURL {
				t.Errorf("URL = %s, want %s", r.URL, tt.wantURL)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// hostPort splits a test server's URL into the parts a probe names.
func hostPort(t *testing.T, raw string) (string, int32) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	return host, int32(n)
}

func TestProbeHTTP(t *testing.T) {
	gotUA := make(chan string, 100)
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		gotUA <- r.Header.Get("User-Agent")
		_, _ = w.Write([]byte("fine"))
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	mux.HandleFunc("/local-redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/remote-redirect", func(w http.ResponseWriter, r *http.Request) {
		// Another host name for the same server: the probe must not follow.
		_, port, _ := net.SplitHostPort(r.Host)
		http.Redirect(w, r, "http://localhost:"+port+"/fail", http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
	})
	stall := make(chan struct{})
	defer close(stall)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stall:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tlsSrv := httptest.NewTLSServer(mux)
	defer tlsSrv.Close()
	host, port := hostPort(t, srv.URL)
	_, tlsPort := hostPort(t, tlsSrv.URL)
	closed := freePort(t)

	tests := []struct {
		name    string
		scheme  corev1.URIScheme
		port    int32
		path    string
		timeout time.Duration
		want    result
		wantOut string
	}{
		{name: "200", port: port, path: "/ok", want: success, wantOut: "fine"},
		{name: "500", port: port, path: "/fail", want: failure, wantOut: "HTTP probe failed with statuscode: 500"},
		{name: "404", port: port, path: "/nothing", want: failure, wantOut: "HTTP probe failed with statuscode: 404"},
		{name: "same-host redirect followed", port: port, path: "/local-redirect", want: success, wantOut: "fine"},
		{name: "other-host redirect not followed", port: port, path: "/remote-redirect", want: warning, wantOut: "Probe terminated redirects"},
		{name: "body capped", port: port, path: "/big", want: success},
		{name: "https without verification", scheme: corev1.URISchemeHTTPS, port: tlsPort, path: "/ok", want: success, wantOut: "fine"},
		{name: "refused", port: closed, path: "/", want: failure, wantOut: "connection refused"},
		{name: "timeout", port: port, path: "/slow", timeout: 100 * time.Millisecond, want: failure, wantOut: "Client.Timeout exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &corev1.HTTPGetAction{Scheme: tt.scheme, Host: host, Port: intstr.FromInt32(tt.port), Path: tt.path}
			req, err := newHTTPRequest(context.Background(), a, "", nil, userAgent("kube-probe"))
			if err != nil {
				t.Fatal(err)
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			res, out, err := probeHTTP(newHTTPClient(newTransport(), timeout), req)
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.want || !strings.Contains(out, tt.wantOut) {
				t.Errorf("got %v %q, want %v %q", res, out, tt.want, tt.wantOut)
			}
			if len(out) > maxBody {
				t.Errorf("read %d bytes of body, more than %d", len(out), maxBody)
			}
		})
	}
	if ua := <-gotUA; ua != "kube-probe/1.32" {
		t.Errorf("server saw User-Agent %q", ua)
	}
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return int32(port)
}

func TestProbeTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := int32(ln.Addr().(*net.TCPAddr).Port)
	c := &corev1.Container{Ports: []corev1.ContainerPort{{Name: "db", ContainerPort: open}}}
	tests := []struct {
		name    string
		action  corev1.TCPSocketAction
		podIP   string
		want    result
		wantOut string
		wantErr bool
	}{
		{name: "open by number", action: corev1.TCPSocketAction{Port: intstr.FromInt32(open)}, podIP: "127.0.0.1", want: success},
		{name: "open by name, host given", action: corev1.TCPSocketAction{Host: "127.0.0.1", Port: intstr.FromString("db")}, podIP: "192.0.2.1", want: success},
		{name: "refused", action: corev1.TCPSocketAction{Port: intstr.FromInt32(freePort(t))}, podIP: "127.0.0.1", want: failure, wantOut: "connection refused"},
		{name: "unknown name", action: corev1.TCPSocketAction{Port: intstr.FromString("nope")}, podIP: "127.0.0.1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, out, err := probeTCP(ctx, &tt.action, tt.podIP, c)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.want || !strings.Contains(out, tt.wantOut) {
				t.Errorf("got %v %q, want %v %q", res, out, tt.want, tt.wantOut)
			}
		})
	}
}
