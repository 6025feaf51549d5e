package volume

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

func (m *Manager) setupProjected(ctx context.Context, pod *corev1.Pod, dir string, src *corev1.ProjectedVolumeSource) (Mount, error) {
	p, err := m.projectedPayload(ctx, pod, src)
	if err != nil {
		return Mount{}, err
	}
	// Projected volumes carry secrets and tokens: a tmpfs, as for secrets.
	if err := makeTmpfsDir(dir, tmpfsSize(pod, nil)); err != nil {
		return Mount{}, err
	}
	return m.writeVolume(pod, dir, p)
}

// projectedPayload merges the files of every source; a later source's file
// replaces an earlier one's at the same path.
func (m *Manager) projectedPayload(ctx context.Context, pod *corev1.Pod, src *corev1.ProjectedVolumeSource) (payload, error) {
	mode := modeOr(src.DefaultMode, defaultMode)
	p := payload{}
	var errs []error
	for i := range src.Sources {
		sp, err := m.projectionPayload(ctx, pod, &src.Sources[i], mode)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for k, v := range sp {
			p[k] = v
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

func (m *Manager) projectionPayload(ctx context.Context, pod *corev1.Pod, s *corev1.VolumeProjection, mode int32) (payload, error) {
	switch {
	case s.ConfigMap != nil:
		optional := s.ConfigMap.Optional != nil && *s.ConfigMap.Optional
		return m.configMapPayload(ctx, pod.Namespace, s.ConfigMap.Name, s.ConfigMap.Items, mode, optional)
	case s.Secret != nil:
		optional := s.Secret.Optional != nil && *s.Secret.Optional
		return m.secretPayload(ctx, pod.Namespace, s.Secret.Name, s.Secret.Items, mode, optional)
	case s.DownwardAPI != nil:
		return m.downwardPayload(ctx, pod, s.DownwardAPI.Items, mode)
	case s.ServiceAccountToken != nil:
		tok, err := m.tokens.get(ctx, pod, s.ServiceAccountToken)
		if err != nil {
			return nil, err
		}
		// With an fsGroup or one user for all containers, the token is
		// 0600 and theirs (the ownership pass makes it 0640 for the
		// group), not readable by everyone.
		owner := fsUser(pod)
		if owner != nil || fsGroup(pod) != nil {
			mode = 0o600
		}
		return payload{s.ServiceAccountToken.Path: {Data: []byte(tok), Mode: mode, Owner: owner}}, nil
	case s.ClusterTrustBundle != nil:
		return nil, errors.New("clusterTrustBundle projections are not supported by skiff")
	}
	return nil, fmt.Errorf("projected volume source %s is not supported by skiff", sourceType(s))
}

// fsUser is the user every container of the pod runs as, if they all name
// the same one (in their own or the pod's securityContext); nil otherwise.
func fsUser(pod *corev1.Pod) *int64 {
	var podUser *int64
	if pod.Spec.SecurityContext != nil {
		podUser = pod.Spec.SecurityContext.RunAsUser
	}
	var user *int64
	same := func(sc *corev1.SecurityContext) bool {
		u := podUser
		if sc != nil && sc.RunAsUser != nil {
			u = sc.RunAsUser
		}
		if u == nil || (user != nil && *user != *u) {
			return false
		}
		user = u
		return true
	}
	for i := range pod.Spec.InitContainers {
		if !same(pod.Spec.InitContainers[i].SecurityContext) {
			return nil
		}
	}
	for i := range pod.Spec.Containers {
		if !same(pod.Spec.Containers[i].SecurityContext) {
			return nil
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		if !same(pod.Spec.EphemeralContainers[i].SecurityContext) {
			return nil
		}
	}
	return user
}
