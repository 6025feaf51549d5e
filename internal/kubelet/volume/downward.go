package volume

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff/skiff/internal/kubelet/criconfig"
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

// fieldValue is a pod field a downwardAPI volume may show: the API allows
// only metadata fields here, and they read the same as in env vars.
func fieldValue(pod *corev1.Pod, ref *corev1.ObjectFieldSelector) (string, error) {
	return criconfig.PodFieldValue(pod, ref.APIVersion, ref.FieldPath, "", nil)
}

// resourceValue is a container's request or limit divided by the divisor,
// rounded up, as in env vars. An unset cpu, memory or ephemeral-storage
// limit is the node's allocatable amount, fetched once per payload.
func (m *Manager) resourceValue(ctx context.Context, pod *corev1.Pod, ref *corev1.ResourceFieldSelector, alloc *corev1.ResourceList) (string, error) {
	var c *corev1.Container
	for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == ref.ContainerName {
				c = &list[i]
			}
		}
	}
	if c == nil {
		return "", fmt.Errorf("container %s not found", ref.ContainerName)
	}
	kind, name, _ := strings.Cut(ref.Resource, ".")
	if _, set := c.Resources.Limits[corev1.ResourceName(name)]; kind == "limits" && !set {
		if _, err := m.allocatable(ctx, alloc); err != nil {
			return "", fmt.Errorf("default %s of container %s: %w", ref.Resource, c.Name, err)
		}
	}
	return criconfig.ResourceFieldValue(pod, c, ref, *alloc)
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
