package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// maxBody is how much of a probe's response body is read: enough for a
// message, never a download.
const maxBody = 10 << 10

// newTransport is the HTTP transport of probes and hooks: no keep-alives
// (a probe every few seconds would hold a connection per container open),
// no proxy, no compression, and no certificate checks, since a container
// serves whatever certificate it likes.
func newTransport() *http.Transport {
	return &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as the kubelet: probes do not verify
		DisableKeepAlives:   true,
		DisableCompression:  true,
		Proxy:               nil,
		DialContext:         newDialer().DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
	}
}

// newHTTPClient follows redirects only to the same host, as the kubelet
// does, and gives up after timeout (0: no limit but the request's
// context).
func newHTTPClient(tr http.RoundTripper, timeout time.Duration) *http.Client {
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: sameHostRedirects}
}

// sameHostRedirects stops at a redirect to another host, returning that
// response, and after 10 redirects.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if req.URL.Hostname() != via[0].URL.Hostname() {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// newHTTPRequest builds the GET an httpGet action describes: host
// defaulting to the pod's IP, port by number or by the name of one of the
// container's ports, path with an optional query, and the action's
// headers, with User-Agent and Accept defaulted as the kubelet does.
func newHTTPRequest(ctx context.Context, a *corev1.HTTPGetAction, podIP string, c *corev1.Container, agent string) (*http.Request, error) {
	scheme := strings.ToLower(string(a.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	if scheme != "http" && scheme != "https" {
		return nil, fmt.Errorf("unsupported scheme %q", a.Scheme)
	}
	host := a.Host
	if host == "" {
		host = podIP
	}
	if host == "" {
		return nil, errors.New("pod has no IP address yet")
	}
	port, err := resolvePort(a.Port, c)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(a.Path)
	if err != nil {
		u = &url.URL{Path: a.Path} // a path the URL parser rejects is still sent as written
	}
	u.Scheme, u.Host = scheme, net.JoinHostPort(host, strconv.Itoa(port))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", u, err)
	}
	h := make(http.Header, len(a.HTTPHeaders)+2)
	for _, x := range a.HTTPHeaders {
		h.Add(x.Name, x.Value)
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", agent)
	}
	if v, ok := h["Accept"]; !ok {
		h.Set("Accept", "*/*")
	} else if len(v) == 1 && v[0] == "" {
		h.Del("Accept") // an empty Accept asks for none at all
	}
	req.Header = h
	req.Host = h.Get("Host")
	return req, nil
}

// resolvePort turns a probe's or hook's port into a number: a number as
// is, a name by the container's ports, or a number written as a string.
func resolvePort(p intstr.IntOrString, c *corev1.Container) (int, error) {
	port := 0
	switch p.Type {
	case intstr.Int:
		port = int(p.IntVal)
	case intstr.String:
		n, ok := portByName(p.StrVal, c)
		if !ok {
			var err error
			if n, err = strconv.Atoi(p.StrVal); err != nil {
				return 0, fmt.Errorf("port %s not found", p.StrVal)
			}
		}
		port = n
	default:
		return 0, fmt.Errorf("port %v has no kind", p)
	}
	if port < 1 || port > 65535 {
		return 0, fmt.Errorf("invalid port number: %d", port)
	}
	return port, nil
}

func portByName(name string, c *corev1.Container) (int, bool) {
	if c == nil {
		return 0, false
	}
	for _, p := range c.Ports {
		if p.Name == name {
			return int(p.ContainerPort), true
		}
	}
	return 0, false
}

// probeHTTP sends req and classifies the answer: 200-299 succeed, 300-399
// (a redirect to another host, not followed) succeed with a warning, the
// rest and connection failures fail with the kubelet's messages.
func probeHTTP(client *http.Client, req *http.Request) (result, string, error) {
	res, err := client.Do(req)
	if err != nil {
		return failure, err.Error(), nil
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return unknown, "", fmt.Errorf("read response of %s: %w", req.URL, err)
	}
	switch code := res.StatusCode; {
	case code >= 200 && code < 300:
		return success, string(body), nil
	case code >= 300 && code < 400:
		return warning, fmt.Sprintf("Probe terminated redirects, Response body: %s", body), nil
	default:
		return failure, fmt.Sprintf("HTTP probe failed with statuscode: %d", code), nil
	}
}
