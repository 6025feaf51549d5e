package volume

import (
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// volumeDirMode is the mode of every volume's own directory: anyone in the
// pod may write an emptyDir, whatever user its containers run as.
const volumeDirMode = 0o777

func (m *Manager) setupEmptyDir(pod *corev1.Pod, dir string, src *corev1.EmptyDirVolumeSource) (Mount, error) {
	switch src.Medium {
	case corev1.StorageMediumDefault:
		if err := makeVolumeDir(dir); err != nil {
			return Mount{}, err
		}
	case corev1.StorageMediumMemory:
		if err := makeTmpfsDir(dir, tmpfsSize(pod, src.SizeLimit)); err != nil {
			return Mount{}, err
		}
	default:
		return Mount{}, fmt.Errorf("emptyDir medium %q is not supported by skiff", src.Medium)
	}
	// The kubelet gives an emptyDir to the fsGroup when it mounts it, not
	// on every sync: the check of the root keeps this to once per volume,
	// and leaves files the pod made later alone.
	if gid := fsGroup(pod); gid != nil && !rootOwned(dir, *gid) {
		if err := setOwnership(dir, *gid, false); err != nil {
			return Mount{}, err
		}
	}
	return Mount{HostPath: dir}, nil
}

// makeVolumeDir creates a volume's directory (and the pod's volumes
// directory above it) with the volume mode, whatever the umask.
func makeVolumeDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o750); err != nil {
		return fmt.Errorf("create volume directory: %w", err)
	}
	if err := os.Mkdir(dir, volumeDirMode); err != nil && !os.IsExist(err) {
		return fmt.Errorf("create volume directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("create volume directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("volume path %s exists and is not a directory", dir)
	}
	if fi.Mode().Perm() != volumeDirMode {
		if err := os.Chmod(dir, fi.Mode()&^os.ModePerm|volumeDirMode); err != nil {
			return fmt.Errorf("set mode of volume directory: %w", err)
		}
	}
	return nil
}

// makeTmpfsDir makes dir a tmpfs mount of at most size bytes (0: the
// kernel's default, half the memory), unless it is one already.
func makeTmpfsDir(dir string, size int64) error {
	if err := makeVolumeDir(dir); err != nil {
		return err
	}
	ok, err := isTmpfsMount(dir)
	if err != nil || ok {
		return err
	}
	return mountTmpfs(dir, size)
}

// tmpfsSize is the size of a memory-backed volume as the kubelet picks it:
// the emptyDir's sizeLimit, or else the pod's memory limit, whichever is
// smaller; 0 when neither is set.
func tmpfsSize(pod *corev1.Pod, sizeLimit *resource.Quantity) int64 {
	size := podMemoryLimit(pod)
	if sizeLimit != nil && sizeLimit.Sign() > 0 && (size == 0 || sizeLimit.Value() < size) {
		size = sizeLimit.Value()
	}
	return size
}

// podMemoryLimit is the memory the pod's cgroup may use: the sum of its
// containers' limits (and its sidecars'), or the largest init container's
// with the sidecars started before it, plus the overhead. It is 0 (no
// limit) if any container has no memory limit.
func podMemoryLimit(pod *corev1.Pod) int64 {
	limit := func(c *corev1.Container) (int64, bool) {
		q, ok := c.Resources.Limits[corev1.ResourceMemory]
		if !ok || q.IsZero() {
			return 0, false
		}
		return q.Value(), true
	}
	var sidecars, initMax int64
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		l, ok := limit(c)
		if !ok {
			return 0
		}
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars += l
			continue
		}
		initMax = max(initMax, sidecars+l)
	}
	var apps int64
	for i := range pod.Spec.Containers {
		l, ok := limit(&pod.Spec.Containers[i])
		if !ok {
			return 0
		}
		apps += l
	}
	total := max(apps+sidecars, initMax)
	if q, ok := pod.Spec.Overhead[corev1.ResourceMemory]; ok {
		total += q.Value()
	}
	return total
}
