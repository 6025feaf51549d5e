package criconfig

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// PodFieldValue is the downward API's value of a pod field (fieldRef), as
// the kubelet gives it to env vars and downwardAPI volumes: metadata.name,
// namespace, uid, labels and annotations (whole, as sorted k="v" lines, or
// one key as labels['k']), spec.nodeName, spec.serviceAccountName,
// status.hostIP(s) (the node's IP) and status.podIP(s) (podIPs, the node
// IP's family first).
func PodFieldValue(pod *corev1.Pod, apiVersion, fieldPath, nodeIP string, podIPs []string) (string, error) {
	if apiVersion != "" && apiVersion != "v1" {
		return "", fmt.Errorf("unsupported pod version: %s", apiVersion)
	}
	if path, key, ok := subscript(fieldPath); ok {
		switch path {
		case "metadata.labels":
			return pod.Labels[key], nil
		case "metadata.annotations":
			return pod.Annotations[key], nil
		}
		return "", fmt.Errorf("field label not supported: %s", fieldPath)
	}
	podIPs = sortIPs(podIPs, nodeIP)
	switch fieldPath {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.hostIPs":
		return nodeIP, nil // one node IP: both are it
	case "status.podIP":
		if len(podIPs) == 0 {
			return "", nil
		}
		return podIPs[0], nil
	case "status.podIPs":
		return strings.Join(podIPs, ","), nil
	}
	return "", fmt.Errorf("field label not supported: %s", fieldPath)
}

// subscript splits "metadata.labels['k']" into its path and key.
func subscript(fieldPath string) (path, key string, ok bool) {
	open := strings.Index(fieldPath, "['")
	if open < 0 || !strings.HasSuffix(fieldPath, "']") || open+2 > len(fieldPath)-2 {
		return "", "", false
	}
	return fieldPath[:open], fieldPath[open+2 : len(fieldPath)-2], true
}

// formatMap is the downward API's text of a whole label or annotation map.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + strconv.Quote(m[k])
	}
	return strings.Join(lines, "\n")
}

// sortIPs puts the pod IPs of the node IP's family first, keeping order
// within each family, as the kubelet does for dual-stack pods.
func sortIPs(ips []string, nodeIP string) []string {
	node, err := netip.ParseAddr(nodeIP)
	if err != nil || len(ips) < 2 {
		return ips
	}
	out := slices.Clone(ips)
	sameFamily := func(s string) bool {
		a, err := netip.ParseAddr(s)
		return err == nil && a.Unmap().Is4() == node.Unmap().Is4()
	}
	slices.SortStableFunc(out, func(a, b string) int {
		switch fa, fb := sameFamily(a), sameFamily(b); {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		}
		return 0
	})
	return out
}

// ResourceFieldValue is the downward API's value of a container resource
// (resourceFieldRef): limits or requests of cpu, memory,
// ephemeral-storage or hugepages-<size>, divided by the divisor (default
// 1) and rounded up. c is the container asking; sel.containerName names
// another. A cpu, memory or ephemeral-storage limit the container does not
// set is the node's allocatable, as in Kubernetes; allocatable nil makes
// that an error.
func ResourceFieldValue(pod *corev1.Pod, c *corev1.Container, sel *corev1.ResourceFieldSelector, allocatable corev1.ResourceList) (string, error) {
	target := c
	if sel.ContainerName != "" {
		if target = findContainer(pod, sel.ContainerName); target == nil {
			return "", fmt.Errorf("container %s not found", sel.ContainerName)
		}
	}
	kind, name, ok := strings.Cut(sel.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported container resource : %v", sel.Resource)
	}
	res := corev1.ResourceName(name)
	switch {
	case res == corev1.ResourceCPU, res == corev1.ResourceMemory, res == corev1.ResourceEphemeralStorage:
	case strings.HasPrefix(name, corev1.ResourceHugePagesPrefix):
	default:
		return "", fmt.Errorf("unsupported container resource : %v", sel.Resource)
	}
	list := target.Resources.Requests
	if kind == "limits" {
		list = target.Resources.Limits
	}
	q, set := list[res]
	if kind == "limits" && !set && !strings.HasPrefix(name, corev1.ResourceHugePagesPrefix) {
		if q, set = allocatable[res]; !set {
			return "", fmt.Errorf("resourceFieldRef %s: container %q sets no %s limit and the node's allocatable %s is not known", sel.Resource, target.Name, name, name)
		}
	}
	return divide(res, q, sel.Divisor)
}

// divide is q over divisor rounded up: in thousandths for cpu (a divisor
// of 1m counts millicores), in units for the others.
func divide(res corev1.ResourceName, q, divisor resource.Quantity) (string, error) {
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	n, d := q.Value(), divisor.Value()
	if res == corev1.ResourceCPU {
		n, d = q.MilliValue(), divisor.MilliValue()
	}
	if d <= 0 {
		return "", fmt.Errorf("invalid divisor %s for %s", divisor.String(), res)
	}
	out := n / d
	if n%d != 0 && n > 0 {
		out++
	}
	return strconv.FormatInt(out, 10), nil
}

func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for _, c := range allContainers(pod) {
		if c.Name == name {
			return c
		}
	}
	return nil
}
