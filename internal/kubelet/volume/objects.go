package volume

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// defaultMode is the mode of projected files when the pod names none
// (the API server defaults it too; secrets get it as well).
const defaultMode int32 = 0o644

// modeOr is *mode, or def when the pod set none.
func modeOr(mode *int32, def int32) int32 {
	if mode == nil {
		return def
	}
	return *mode
}

func (m *Manager) setupConfigMap(ctx context.Context, pod *corev1.Pod, dir string, src *corev1.ConfigMapVolumeSource) (Mount, error) {
	optional := src.Optional != nil && *src.Optional
	p, err := m.configMapPayload(ctx, pod.Namespace, src.Name, src.Items, modeOr(src.DefaultMode, defaultMode), optional)
	if err != nil {
		return Mount{}, err
	}
	if err := makeVolumeDir(dir); err != nil {
		return Mount{}, err
	}
	return m.writeVolume(pod, dir, p)
}

func (m *Manager) setupSecret(ctx context.Context, pod *corev1.Pod, dir string, src *corev1.SecretVolumeSource) (Mount, error) {
	optional := src.Optional != nil && *src.Optional
	p, err := m.secretPayload(ctx, pod.Namespace, src.SecretName, src.Items, modeOr(src.DefaultMode, defaultMode), optional)
	if err != nil {
		return Mount{}, err
	}
	// A tmpfs keeps the secret off the disk.
	if err := makeTmpfsDir(dir, tmpfsSize(pod, nil)); err != nil {
		return Mount{}, err
	}
	return m.writeVolume(pod, dir, p)
}

// writeVolume writes a read-only volume's files and gives them to the
// pod's fsGroup when they change.
func (m *Manager) writeVolume(pod *corev1.Pod, dir string, p payload) (Mount, error) {
	var setPerms func() error
	if gid := fsGroup(pod); gid != nil {
		// The whole volume, not only the new version: the first write
		// makes the top-level symlinks outside of it.
		setPerms = func() error { return setOwnership(dir, *gid, true) }
	}
	wrote, err := writeAtomic(dir, p, m.clock.Now(), setPerms)
	if err != nil {
		return Mount{}, err
	}
	if wrote {
		m.log.Debug("wrote volume contents", "pod", pod.Namespace+"/"+pod.Name, "dir", dir, "files", len(p))
	}
	return Mount{HostPath: dir, ReadOnly: true}, nil
}

// configMapPayload is the files of a configMap (or a projected configMap
// source): every key, or the listed items. A missing optional configMap or
// key contributes nothing.
func (m *Manager) configMapPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, mode int32, optional bool) (payload, error) {
	cm, err := m.client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err) && optional:
		return payload{}, nil
	case apierrors.IsNotFound(err):
		// The kubelet's wording ("configmap", not "configmaps").
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmap"}, name)
	case err != nil:
		return nil, fmt.Errorf("get configmap %s/%s: %w", ns, name, err)
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keysPayload(data, items, mode, optional, "configmap references non-existent config key: %s")
}

// secretPayload is configMapPayload for a secret.
func (m *Manager) secretPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, mode int32, optional bool) (payload, error) {
	s, err := m.client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err) && optional:
		return payload{}, nil
	case apierrors.IsNotFound(err):
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secret"}, name)
	case err != nil:
		return nil, fmt.Errorf("get secret %s/%s: %w", ns, name, err)
	}
	return keysPayload(s.Data, items, mode, optional, "secret references non-existent secret key: %s")
}

// keysPayload projects data: each key as a file of its name with mode, or,
// with items, each listed key to its path with the item's mode.
func keysPayload(data map[string][]byte, items []corev1.KeyToPath, mode int32, optional bool, missing string) (payload, error) {
	p := payload{}
	if len(items) == 0 {
		for k, v := range data {
			p[k] = file{Data: v, Mode: mode}
		}
		return p, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf(missing, it.Key)
		}
		p[it.Path] = file{Data: v, Mode: modeOr(it.Mode, mode)}
	}
	return p, nil
}
