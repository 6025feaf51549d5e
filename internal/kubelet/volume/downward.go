package volume

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func (m *Manager) setupDownwardAPI(ctx context.Context, pod *corev1.Pod, dir string, src *corev1.DownwardAPIVolumeSource) (Mount, error) {
	p, err := m.downwardPayload(ctx, pod, src.Items, modeOr(src.DefaultMode, defaultMode))
	if err != nil {
		return Mount{}, err
	}
	if err := makeVolumeDir(dir); err != nil {
		return Mount{}, err
	}
	return m.writeVolume(pod, dir, p)
}

// downwardPayload is the files of downwardAPI items: pod fields and
// container resources, as text.
func (m *Manager) downwardPayload(ctx context.Context, pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, mode int32) (payload, error) {
	p := payload{}
	var alloc corev1.ResourceList // the node's, fetched once if needed
	var errs []error
	for _, it := range items {
		var val string
		var err error
		switch {
		case it.FieldRef != nil:
			val, err = fieldValue(pod, it.FieldRef)
		case it.ResourceFieldRef != nil:
			val, err = m.resourceValue(ctx, pod, it.ResourceFieldRef, &alloc)
		default:
			err = fmt.Errorf("downwardAPI item %q has neither fieldRef nor resourceFieldRef", it.Path)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p[it.Path] = file{Data: []byte(val), Mode: modeOr(it.Mode, mode)}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// fieldValue is a pod field a downwardAPI volume may show: name,
// namespace, uid, all labels or annotations, or one of them by key.
func fieldValue(pod *corev1.Pod, ref *corev1.ObjectFieldSelector) (string, error) {
	if ref.APIVersion != "" && ref.APIVersion != "v1" {
		return "", fmt.Errorf("unsupported fieldRef apiVersion %q: only v1", ref.APIVersion)
	}
	fp := ref.FieldPath
	if field, key, ok := splitSubscript(fp); ok {
		switch field {
		case "metadata.labels":
			return pod.Labels[key], nil
		case "metadata.annotations":
			return pod.Annotations[key], nil
		}
		return "", fmt.Errorf("unsupported fieldPath: %s", fp)
	}
	switch fp {
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
	}
	return "", fmt.Errorf("unsupported fieldPath: %s", fp)
}

// splitSubscript splits "metadata.labels['key']" into the field and key.
func splitSubscript(fp string) (field, key string, ok bool) {
	if !strings.HasSuffix(fp, "']") {
		return "", "", false
	}
	field, key, ok = strings.Cut(strings.TrimSuffix(fp, "']"), "['")
	return field, key, ok
}

// formatMap writes labels or annotations one per line as key="value"
// (Go-quoted), sorted by key, without a final newline.
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

// resourceValue is a container's request or limit divided by the divisor,
// rounded up. An unset cpu, memory or ephemeral-storage limit is the node's
// allocatable amount, as the kubelet reports it.
func (m *Manager) resourceValue(ctx context.Context, pod *corev1.Pod, ref *corev1.ResourceFieldSelector, alloc *corev1.ResourceList) (string, error) {
	c := findContainer(pod, ref.ContainerName)
	if c == nil {
		return "", fmt.Errorf("container %s not found", ref.ContainerName)
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported container resource : %s", ref.Resource)
	}
	res := corev1.ResourceName(name)
	byValue := res == corev1.ResourceMemory || res == corev1.ResourceEphemeralStorage ||
		strings.HasPrefix(name, corev1.ResourceHugePagesPrefix)
	if res != corev1.ResourceCPU && !byValue {
		return "", fmt.Errorf("unsupported container resource : %s", ref.Resource)
	}

	var q resource.Quantity
	if kind == "requests" {
		q = c.Resources.Requests[res]
	} else {
		q = c.Resources.Limits[res]
		if q.IsZero() && !strings.HasPrefix(name, corev1.ResourceHugePagesPrefix) {
			a, err := m.allocatable(ctx, alloc)
			if err != nil {
				return "", fmt.Errorf("default %s of container %s: %w", ref.Resource, c.Name, err)
			}
			q = a[res]
		}
	}
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	num, den := q.MilliValue(), divisor.MilliValue()
	if byValue {
		num, den = q.Value(), divisor.Value()
	}
	if den <= 0 {
		return "", fmt.Errorf("invalid divisor %s for %s", divisor.String(), ref.Resource)
	}
	v := float64(num) / float64(den)
	return strconv.FormatInt(int64(math.Ceil(v)), 10), nil
}

func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// allocatable is this node's allocatable resources, fetched on first use.
func (m *Manager) allocatable(ctx context.Context, cache *corev1.ResourceList) (corev1.ResourceList, error) {
	if *cache != nil {
		return *cache, nil
	}
	if m.nodeName == "" {
		return nil, errors.New("the node's name is not known")
	}
	node, err := m.client.CoreV1().Nodes().Get(ctx, m.nodeName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get node %s: %w", m.nodeName, err)
	}
	*cache = node.Status.Allocatable
	if *cache == nil {
		*cache = corev1.ResourceList{}
	}
	return *cache, nil
}
