package agent

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"

	"github.com/skiff/skiff/internal/images"
)

// hostIP picks the node's address: the first IPv4 address of an interface
// that is up and not loopback (nor a bridge the node made for its pods).
// The API server refuses loopback node addresses, so there must be one.
func hostIP() (string, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "", fmt.Errorf("node IP: %w", err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 || strings.HasPrefix(ifc.Name, "skiff") ||
			strings.HasPrefix(ifc.Name, "veth") || strings.HasPrefix(ifc.Name, "cni") || strings.HasPrefix(ifc.Name, "docker") {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
				return ipn.IP.String(), nil
			}
		}
	}
	return "", errors.New("node IP: no interface with a non-loopback IPv4 address; pass --node-ip")
}

type mirror struct{ url, ca, cert, key string }

// mirrorFiles writes the TLS material containerd needs to pull from the
// cluster registry (served by the API server at /v2/) with the agent's
// credentials.
func mirrorFiles(o Options, cfg *rest.Config) (mirror, error) {
	m := mirror{
		url: strings.TrimSuffix(cfg.Host, "/"),
		ca:  o.path("pki", "registry-ca.crt"), cert: o.path("pki", "registry-client.crt"), key: o.path("pki", "registry-client.key"),
	}
	tls := cfg.TLSClientConfig
	write := func(path string, data []byte, file string) error {
		if len(data) == 0 && file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			data = b
		}
		if len(data) == 0 {
			return nil
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
	for _, f := range []struct {
		path string
		data []byte
		file string
		dst  *string
	}{
		{m.ca, tls.CAData, tls.CAFile, &m.ca},
		{m.cert, tls.CertData, tls.CertFile, &m.cert},
		{m.key, tls.KeyData, tls.KeyFile, &m.key},
	} {
		if err := write(f.path, f.data, f.file); err != nil {
			return m, fmt.Errorf("registry credentials %s: %w", filepath.Base(f.path), err)
		}
		if _, err := os.Stat(f.path); err != nil {
			*f.dst = ""
		}
	}
	if (m.cert == "") != (m.key == "") {
		m.cert, m.key = "", ""
	}
	return m, nil
}

// registryClient reaches the cluster registry the API server serves, with
// the agent's credentials.
func registryClient(cfg *rest.Config) (*images.Client, error) {
	u, err := url.Parse(cfg.Host)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("agent: server %q is not a URL", cfg.Host)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("agent: registry transport: %w", err)
	}
	return &images.Client{Host: u.Host, Transport: rt}, nil
}
