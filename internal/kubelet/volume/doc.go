// Package volume makes a pod's volumes on the node's disk, the way the
// kubelet's volume plugins do, and hands the core one host path per volume
// for the container runtime to bind-mount.
//
// It owns DIR/pods/<pod uid>/volumes below the agent's data dir (the core
// owns the rest of the pod's directory): each volume that lives with the
// pod is a directory DIR/pods/<uid>/volumes/<volume name>.
// emptyDir is a directory (a tmpfs for medium Memory); configMap, secret,
// downwardAPI and projected volumes hold files written atomically (a
// timestamped data dir, a "..data" symlink swapped with rename, per-key
// symlinks on top), so a later Setup that finds new contents updates a
// running pod without it ever seeing a half-written volume. Secret and
// projected volumes are tmpfs mounts so their contents never touch the disk.
// hostPath and persistentVolumeClaim (bound to a hostPath or local
// PersistentVolume) point at the host's own path.
//
// It does not mount anything into containers (the runtime does, from the
// Mount returned here), apply subPath (the container config does), attach or
// format devices, or support network and CSI volumes: those are refused with
// an error that says so. Mounts made here propagate into containers only if
// the data dir is an rshared mount (runtime.MakeShared), which the agent
// arranges at start-up.
package volume
