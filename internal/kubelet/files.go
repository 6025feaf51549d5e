package kubelet

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff/skiff/internal/kubelet/mountinfo"
)

// Files the agent keeps per pod (see the data directory layout):
//
//	DIR/pods/<uid>/etc-hosts
//	DIR/pods/<uid>/containers/<name>/<restartCount>-termination-log
//	DIR/logs/<namespace>_<pod>_<uid>/<container>/<restartCount>.log

func (a *Agent) podLogDir(pod *corev1.Pod) string {
	return filepath.Join(a.logsDir(), pod.Namespace+"_"+pod.Name+"_"+string(pod.UID))
}

func (a *Agent) etcHostsPath(uid types.UID) string {
	return filepath.Join(a.podsDir(), string(uid), "etc-hosts")
}

func (a *Agent) terminationLogPath(uid types.UID, container string, attempt int) string {
	return filepath.Join(a.podsDir(), string(uid), "containers", container, strconv.Itoa(attempt)+"-termination-log")
}

func mkdirAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make directory: %w", err)
	}
	return nil
}

// writeEtcHosts writes the pod's /etc/hosts as the kubelet does: localhost
// entries, the pod's own name on its IP, then spec.hostAliases. A
// hostNetwork pod gets the node's file with its aliases.
func (a *Agent) writeEtcHosts(pod *corev1.Pod, ips []string) error {
	var b bytes.Buffer
	if pod.Spec.HostNetwork {
		host, err := os.ReadFile("/etc/hosts")
		if err != nil {
			return fmt.Errorf("etc-hosts: %w", err)
		}
		b.Write(host)
		if len(host) > 0 && host[len(host)-1] != '\n' {
			b.WriteByte('\n')
		}
	} else {
		b.WriteString("# Kubernetes-managed hosts file.\n" +
			"127.0.0.1\tlocalhost\n" +
			"::1\tlocalhost ip6-localhost ip6-loopback\n" +
			"fe00::0\tip6-localnet\n" +
			"fe00::0\tip6-mcastprefix\n" +
			"fe00::1\tip6-allnodes\n" +
			"fe00::2\tip6-allrouters\n")
		host := podHostname(pod)
		names := host
		if pod.Spec.Subdomain != "" {
			names = fmt.Sprintf("%s.%s.%s.svc.%s\t%s", host, pod.Spec.Subdomain, pod.Namespace, clusterDomain, host)
		}
		for _, ip := range ips {
			fmt.Fprintf(&b, "%s\t%s\n", ip, names)
		}
	}
	if len(pod.Spec.HostAliases) > 0 {
		b.WriteString("\n# Entries added by HostAliases.\n")
		for _, h := range pod.Spec.HostAliases {
			fmt.Fprintf(&b, "%s\t%s\n", h.IP, strings.Join(h.Hostnames, "\t"))
		}
	}
	path := a.etcHostsPath(pod.UID)
	if err := mkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	// Written in place: a running container has the file bind-mounted.
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("etc-hosts: %w", err)
	}
	return nil
}

// clusterDomain is the DNS domain of Services (the kubelet's default).
const clusterDomain = "cluster.local"

// podHostname is spec.hostname, or the pod's name cut to a DNS label.
func podHostname(pod *corev1.Pod) string {
	h := pod.Spec.Hostname
	if h == "" {
		h = pod.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// Limits of a termination message, as the kubelet's.
const (
	maxTerminationMessage = 4096
	maxLogTailLines       = 80
	maxLogTailBytes       = 2048
)

// readMessages fills in the message of exited containers once: the
// runtime's, then what the container wrote to its termination-log file,
// or with FallbackToLogsOnError and a failure, the tail of its log.
func (a *Agent) readMessages(pod *corev1.Pod, rt *podRuntime) {
	for _, c := range rt.containers {
		if !c.exited() || c.msgRead {
			continue
		}
		c.msgRead = true
		spec := specOf(pod, c.name)
		if spec == nil || spec.TerminationMessagePath == "" {
			continue
		}
		msg := readLimited(a.terminationLogPath(pod.UID, c.name, c.attempt), maxTerminationMessage)
		if msg == "" && spec.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError && c.exitCode != 0 {
			msg = logTail(c.logPath)
		}
		if msg != "" {
			if c.message != "" {
				c.message += ": "
			}
			c.message += msg
		}
	}
}

func readLimited(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, n))
	return string(b)
}

// logTail is the end of a CRI log file as the container wrote it: the last
// lines, at most maxLogTailBytes.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(st.Size()-window, io.SeekStart); err != nil {
			return ""
		}
	}
	var lines []string
	var partial strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		// "<time> <stream> <P|F> <text>"
		parts := strings.SplitN(sc.Text(), " ", 4)
		if len(parts) < 3 {
			continue
		}
		text := ""
		if len(parts) == 4 {
			text = parts[3]
		}
		partial.WriteString(text)
		if parts[2] == "P" {
			continue
		}
		lines = append(lines, partial.String()+"\n")
		partial.Reset()
	}
	if len(lines) > maxLogTailLines {
		lines = lines[len(lines)-maxLogTailLines:]
	}
	s := strings.Join(lines, "")
	if len(s) > maxLogTailBytes {
		s = s[len(s)-maxLogTailBytes:]
	}
	return s
}

// mountsBelow lists mount points at or below dir, which must not be
// removed recursively (a volume left mounted would be emptied).
func mountsBelow(dir string) ([]string, error) {
	mounts, err := mountinfo.Read()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mountinfo.Under(mounts, dir, true) {
		out = append(out, m.MountPoint)
	}
	return out, nil
}
