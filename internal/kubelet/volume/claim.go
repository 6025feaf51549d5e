package volume

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// setupClaim follows a persistentVolumeClaim to its bound volume, which
// must be a hostPath or local PersistentVolume on this node's file system.
func (m *Manager) setupClaim(ctx context.Context, pod *corev1.Pod, volName string, src *corev1.PersistentVolumeClaimVolumeSource) (Mount, error) {
	ns := pod.Namespace
	pvc, err := m.client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, src.ClaimName, metav1.GetOptions{})
	if err != nil {
		return Mount{}, fmt.Errorf("failed to fetch PVC %s/%s from API server: %w", ns, src.ClaimName, err)
	}
	if pvc.DeletionTimestamp != nil {
		return Mount{}, fmt.Errorf("can't start pod because PVC %s/%s is being deleted", ns, pvc.Name)
	}
	if pvc.Status.Phase != corev1.ClaimBound || pvc.Spec.VolumeName == "" {
		return Mount{}, fmt.Errorf("PVC %s/%s has non-bound phase (%q) or empty pvc.Spec.VolumeName (%q)",
			ns, pvc.Name, pvc.Status.Phase, pvc.Spec.VolumeName)
	}
	pv, err := m.client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return Mount{}, fmt.Errorf("failed to fetch PV %s from API server: %w", pvc.Spec.VolumeName, err)
	}
	if ref := pv.Spec.ClaimRef; ref == nil || ref.UID != pvc.UID {
		return Mount{}, fmt.Errorf("found PV object %s but it is not bound to claim %s/%s (UID %s)", pv.Name, ns, pvc.Name, pvc.UID)
	}
	if pv.Spec.VolumeMode != nil && *pv.Spec.VolumeMode == corev1.PersistentVolumeBlock {
		return Mount{}, fmt.Errorf("persistent volume %s has volumeMode Block, which skiff does not support", pv.Name)
	}
	readOnly := src.ReadOnly
	switch {
	case pv.Spec.HostPath != nil:
		if err := checkHostPath(pv.Spec.HostPath.Path, pv.Spec.HostPath.Type); err != nil {
			return Mount{}, err
		}
		return Mount{HostPath: pv.Spec.HostPath.Path, ReadOnly: readOnly}, nil
	case pv.Spec.Local != nil:
		path := pv.Spec.Local.Path
		if err := checkLocal(pv.Name, path); err != nil {
			return Mount{}, err
		}
		if err := m.ownLocal(pod, volName, path, readOnly); err != nil {
			return Mount{}, err
		}
		return Mount{HostPath: path, ReadOnly: readOnly}, nil
	}
	return Mount{}, fmt.Errorf("persistent volume %s is of type %s, which is not supported by skiff (only hostPath and local)",
		pv.Name, sourceType(&pv.Spec.PersistentVolumeSource))
}

// checkLocal: a local volume's path must exist; a block device would need
// formatting and mounting, which skiff does not do.
func checkLocal(pvName, path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("local volume %s: path %q does not exist", pvName, path)
	}
	if err != nil {
		return fmt.Errorf("local volume %s: %w", pvName, err)
	}
	if fi.Mode()&fs.ModeDevice != 0 && fi.Mode()&fs.ModeCharDevice == 0 {
		return fmt.Errorf("local volume %s: %s is a block device; formatting and mounting one is not supported by skiff", pvName, path)
	}
	return nil
}

// ownLocal gives a writable local volume to the pod's fsGroup once per pod,
// as the kubelet does when it first mounts it; with fsGroupChangePolicy
// OnRootMismatch only if the root is not the group's yet.
func (m *Manager) ownLocal(pod *corev1.Pod, volName, path string, readOnly bool) error {
	gid := fsGroup(pod)
	if gid == nil || readOnly {
		return nil
	}
	key := string(pod.UID) + "/" + volName
	m.mu.Lock()
	done := m.owned[key]
	m.mu.Unlock()
	if done {
		return nil
	}
	sc := pod.Spec.SecurityContext
	onMismatch := sc.FSGroupChangePolicy != nil && *sc.FSGroupChangePolicy == corev1.FSGroupChangeOnRootMismatch
	if !onMismatch || !rootOwned(path, *gid) {
		if err := setOwnership(path, *gid, false); err != nil {
			return err
		}
	}
	m.mu.Lock()
	m.owned[key] = true
	m.mu.Unlock()
	return nil
}
