package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// nodes/proxy: /api/v1/nodes/<node>/proxy/<path> reaches <path> on the
// node's agent with any method, query and body, as kube-apiserver does.
// <node> may be "name:port" or "scheme:name:port" to reach another port
// of the node; that one is dialled without the kubelet's trust (plain
// HTTP unless scheme says https) and only at a global unicast address,
// so that the server's kubelet certificate never reaches its own
// loopback services.

// isNodeProxy is true for the nodes/proxy subresource and its sub-paths.
func isNodeProxy(sub string) bool { return sub == "proxy" || strings.HasPrefix(sub, "proxy/") }

func (a *API) serveNodeProxy(w http.ResponseWriter, r *http.Request, info requestInfo) error {
	scheme, name, port, err := splitNodeRef(info.Name)
	if err != nil {
		return err
	}
	node, err := a.objects.node(r.Context(), name, false)
	if err != nil {
		return err
	}
	target, err := kubeletURL(node)
	if err != nil {
		return err
	}
	if port != "" && port != target.Port() {
		host := target.Hostname()
		if err := proxyableHost(r.Context(), host); err != nil {
			return apierrors.NewBadRequest(err.Error())
		}
		if scheme == "" {
			scheme = "http"
		}
		target = &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port)}
	}
	escaped := nodeProxyPath(r.URL.EscapedPath(), info)
	if target.Path, err = url.PathUnescape(escaped); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid path %q: %v", escaped, err))
	}
	target.RawPath, target.RawQuery = escaped, r.URL.RawQuery
	a.forward(w, r, node.Name, target, forwardRaw)
	return nil
}

// splitNodeRef reads "name", "name:port" or "scheme:name:port".
func splitNodeRef(ref string) (scheme, name, port string, err error) {
	parts := strings.Split(ref, ":")
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		name, port = parts[0], parts[1]
	case 3:
		scheme, name, port = parts[0], parts[1], parts[2]
	default:
		return "", "", "", apierrors.NewBadRequest(fmt.Sprintf("invalid node request %q", ref))
	}
	if scheme != "" && scheme != "http" && scheme != "https" {
		return "", "", "", apierrors.NewBadRequest(fmt.Sprintf("invalid scheme %q in node request %q", scheme, ref))
	}
	if port != "" {
		if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
			return "", "", "", apierrors.NewBadRequest(fmt.Sprintf("invalid port %q in node request %q", port, ref))
		}
	}
	if name == "" {
		return "", "", "", apierrors.NewBadRequest(fmt.Sprintf("invalid node request %q", ref))
	}
	return scheme, name, port, nil
}

// nodeProxyPath is the part of the request path after .../proxy, with its
// trailing slash kept; "/" when there is none.
func nodeProxyPath(escaped string, info requestInfo) string {
	prefix := "/api/" + info.Version + "/nodes/" + info.Name + "/proxy"
	rest := ""
	if strings.HasPrefix(escaped, prefix) {
		rest = escaped[len(prefix):]
	} else {
		rest = "/" + strings.TrimPrefix(strings.TrimPrefix(info.Subresource, "proxy"), "/")
	}
	if rest == "" {
		return "/"
	}
	return rest
}

var errAddressNotAllowed = errors.New("address not allowed")

// proxyableHost refuses hosts that are, or resolve to, anything but
// global unicast addresses (loopback, link-local, unspecified).
func proxyableHost(ctx context.Context, host string) error {
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsGlobalUnicast() {
			return errAddressNotAllowed
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, a := range addrs {
		if !a.IP.IsGlobalUnicast() {
			return errAddressNotAllowed
		}
	}
	return nil
}
