package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/websocket"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/apimachinery/pkg/util/portforward"
)

// servePortForward answers /portForward/{namespace}/{pod}. SPDY clients
// name a port per stream and are proxied to the runtime as they are, and
// so are clients of the runtime's own WebSocket protocol
// (portforward.k8s.io, ports in ?port=). kubectl's tunnel, SPDY inside
// WebSocket messages, is unwrapped here onto a SPDY connection to the
// runtime.
func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ns, pod := r.PathValue("namespace"), r.PathValue("pod")
	ports, err := forwardPorts(r.URL.Query())
	if err != nil {
		writeStatus(w, http.StatusBadRequest, err.Error())
		return
	}
	tunnel := wsstream.IsWebSocketRequest(r) && offersProtocol(r, portforward.WebsocketsSPDYTunnelingPortForwardV1)
	if wsstream.IsWebSocketRequest(r) && !tunnel && len(ports) == 0 {
		writeStatus(w, http.StatusBadRequest, `query parameter "port" is required`)
		return
	}
	sandbox, err := s.pods.Sandbox(ctx, ns, pod)
	switch {
	case errors.Is(err, ErrNotFound):
		writeStatus(w, http.StatusNotFound, notFoundMessage(err))
		return
	case err != nil:
		s.log.Error("kubelet server: find sandbox", "namespace", ns, "pod", pod, "err", err)
		writeStatus(w, http.StatusInternalServerError, err.Error())
		return
	}
	raw, err := s.rt.PortForward(ctx, sandbox, ports)
	if err != nil {
		s.writeRuntimeError(w, r, err)
		return
	}
	target, err := streamingURL(raw)
	if err != nil {
		s.log.Error("kubelet server: bad streaming URL from the runtime", "url", raw, "err", err)
		writeStatus(w, http.StatusInternalServerError, err.Error())
		return
	}
	if tunnel {
		s.relayTunnel(w, r, target)
		return
	}
	s.proxy(w, r, target)
}

// forwardPorts reads the ports of a WebSocket port-forward: "port" (what
// the API server sends the kubelet) or "ports" (the pods/portforward
// name), each repeatable and comma separated.
func forwardPorts(q url.Values) ([]int32, error) {
	var ports []int32
	for _, name := range []string{"port", "ports"} {
		for _, v := range q[name] {
			for _, p := range strings.Split(v, ",") {
				n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 16)
				if err != nil || n == 0 {
					return nil, fmt.Errorf("unable to parse %q as a port: must be a number between 1 and 65535", p)
				}
				ports = append(ports, int32(n))
			}
		}
	}
	return ports, nil
}

// relayTunnel accepts kubectl's port-forward tunnel and joins it to a SPDY
// connection to the runtime: the client speaks SPDY as if the WebSocket's
// binary messages were a TCP stream, and the runtime answers over a real
// one, so after both handshakes the bytes are just copied. The runtime is
// connected first, so its refusal reaches the client as an HTTP error.
func (s *Server) relayTunnel(w http.ResponseWriter, r *http.Request, target *url.URL) {
	up, negotiated, err := dialUpgrade(r.Context(), target, portforward.PortForwardV1Name)
	if err == nil && negotiated != portforward.PortForwardV1Name {
		up.Close()
		err = fmt.Errorf("the runtime chose stream protocol %q, not %q", negotiated, portforward.PortForwardV1Name)
	}
	if err != nil {
		s.log.Info("kubelet server: connect port-forward to the runtime", "path", r.URL.Path, "err", err)
		writeStatus(w, http.StatusInternalServerError, err.Error())
		return
	}
	defer up.Close()
	srv := websocket.Server{
		Handshake: func(cfg *websocket.Config, _ *http.Request) error {
			cfg.Protocol = []string{portforward.WebsocketsSPDYTunnelingPortForwardV1}
			return nil
		},
		Handler: func(ws *websocket.Conn) {
			ws.PayloadType = websocket.BinaryFrame
			splice(r.Context(), ws, up)
		},
	}
	srv.ServeHTTP(w, r)
}

// offersProtocol reports whether a WebSocket client lists proto among the
// subprotocols it asks for.
func offersProtocol(r *http.Request, proto string) bool {
	for _, p := range strings.Split(r.Header.Get(wsstream.WebSocketProtocolHeader), ",") {
		if strings.TrimSpace(p) == proto {
			return true
		}
	}
	return false
}
