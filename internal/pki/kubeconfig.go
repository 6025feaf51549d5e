package pki

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// WriteKubeconfig writes a kubeconfig with one cluster, one user and one
// context (named after the cluster) that is also the current one. All
// credentials are embedded, so the file works wherever it is copied. certPEM
// and keyPEM may be nil for a user without a client certificate.
func WriteKubeconfig(path, serverURL string, caPEM, certPEM, keyPEM []byte, clusterName, userName string) error {
	if serverURL == "" || clusterName == "" || userName == "" {
		return fmt.Errorf("kubeconfig %s: server URL, cluster name and user name are required", path)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[clusterName] = &clientcmdapi.Cluster{Server: serverURL, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[userName] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	cfg.Contexts[clusterName] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: userName}
	cfg.CurrentContext = clusterName
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return writeFileAtomic(path, data, 0o600)
}
