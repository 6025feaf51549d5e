package apiserver

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Proxying to kubelets: pods/log, exec, attach and portforward, and
// nodes/proxy, reach the node agent's HTTPS endpoint the way
// kube-apiserver reaches kubelets. The server shows its kubelet client
// certificate and, like kube-apiserver without
// --kubelet-certificate-authority, does not verify the agent's
// self-signed serving certificate. Connection upgrades (SPDY and
// WebSocket, for exec, attach and port-forward) are relayed byte for
// byte once the agent answers 101, so every streaming protocol the agent
// speaks works through the server unchanged.

// defaultKubeletPort is where agents listen when the Node does not say.
const defaultKubeletPort = 10250

// kubeletProxy holds the connection to kubelets.
type kubeletProxy struct {
	// transport dials agents with the client certificate; nil when the
	// server has none, and proxying answers 503.
	transport *http.Transport
	log       *slog.Logger
}

func newKubeletProxy(cert *tls.Certificate, log *slog.Logger) *kubeletProxy {
	p := &kubeletProxy{log: log}
	if cert == nil {
		return p
	}
	p.transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig: &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{*cert},
			// Agents serve self-signed certificates; they in turn accept
			// only this client certificate.
			InsecureSkipVerify: true, //nolint:gosec // see above
		},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return p
}

// close drops idle connections to agents.
func (p *kubeletProxy) close() {
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
}

// kubeletURL is the base URL of node's agent: its InternalIP (else its
// Hostname, else its ExternalIP address) and the port its Node status
// publishes.
func kubeletURL(node *corev1.Node) (*url.URL, error) {
	host := ""
	for _, t := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeHostName, corev1.NodeExternalIP} {
		for _, a := range node.Status.Addresses {
			if a.Type == t && a.Address != "" && host == "" {
				host = a.Address
			}
		}
	}
	if host == "" {
		return nil, statusError(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
			fmt.Sprintf("node %q reports no address to reach its kubelet on", node.Name))
	}
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port <= 0 {
		port = defaultKubeletPort
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

// forwardMode says how an agent's answer is passed on.
type forwardMode int

const (
	// forwardRaw passes every answer on as it is.
	forwardRaw forwardMode = iota
	// forwardLog turns error answers into a Status, as kube-apiserver does
	// for log streams, and streams the rest as text.
	forwardLog
)

// forward proxies r to target on node. The client's credentials stay
// here; the rest of the request, its body and an upgrade go through.
func (a *API) forward(w http.ResponseWriter, r *http.Request, node string, target *url.URL, mode forwardMode) {
	p := a.kubelets
	if p.transport == nil {
		a.writeError(w, r, statusError(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
			"this API server has no client certificate for kubelets"))
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u := *target
			pr.Out.URL, pr.Out.Host = &u, u.Host
			pr.Out.Header.Del("Authorization")
			pr.SetXForwarded()
		},
		Transport: p.transport,
		// Logs and other streams reach the client as they arrive.
		FlushInterval: -1,
		ErrorLog:      slogErrorLog(p.log),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var st apierrors.APIStatus
			switch {
			case errors.As(err, &st):
				a.writeError(w, r, err)
			case r.Context().Err() != nil:
				// The client left; nobody is there to answer.
			default:
				p.log.Debug("kubelet unreachable", "node", node, "url", target.Redacted(), "err", err)
				a.writeError(w, r, statusError(http.StatusBadGateway, "",
					fmt.Sprintf("error trying to reach the kubelet of node %q: %v", node, err)))
			}
		},
	}
	if mode == forwardLog {
		rp.ModifyResponse = logResponse
	}
	rp.ServeHTTP(w, r)
}

// maxErrorBody bounds how much of an agent's error answer is read.
const maxErrorBody = 16 << 10

// logResponse passes a log stream on as text, and turns an agent's error
// (plain text, as kubelets write them) into the Status clients expect:
// `container "c" in pod "p" is waiting to start: ...` arrives as a 400.
func logResponse(resp *http.Response) error {
	if resp.StatusCode >= http.StatusOK && resp.StatusCode <= http.StatusPartialContent {
		if resp.Header.Get("Content-Type") == "" {
			resp.Header.Set("Content-Type", "text/plain")
		}
		return nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("read the kubelet's answer: %w", err))
	}
	return agentError(resp.StatusCode, body)
}

// agentError is the API error for an agent's error answer: its Status if
// it sent one, else its text under the matching reason.
func agentError(code int, body []byte) error {
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		if st.Code == 0 {
			st.Code = int32(code)
		}
		return &apierrors.StatusError{ErrStatus: st}
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		text = http.StatusText(code)
	}
	switch code {
	case http.StatusBadRequest:
		return apierrors.NewBadRequest(text)
	case http.StatusInternalServerError:
		return apierrors.NewInternalError(errors.New(text))
	}
	return statusError(int32(code), reasonForCode(code), text)
}

func reasonForCode(code int) metav1.StatusReason {
	switch code {
	case http.StatusUnauthorized:
		return metav1.StatusReasonUnauthorized
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden
	case http.StatusNotFound:
		return metav1.StatusReasonNotFound
	case http.StatusServiceUnavailable:
		return metav1.StatusReasonServiceUnavailable
	case http.StatusGatewayTimeout:
		return metav1.StatusReasonTimeout
	}
	return metav1.StatusReasonUnknown
}

// isUpgrade is true for a request asking to switch protocols.
func isUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return r.Header.Get("Upgrade") != ""
			}
		}
	}
	return false
}
