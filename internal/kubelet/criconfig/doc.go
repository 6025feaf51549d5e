// Package criconfig translates a Kubernetes pod and its containers into the
// CRI configs (k8s.io/cri-api runtime/v1) the runtime is asked to run: the
// pod sandbox (namespaces, hostname, hostPorts, sysctls, cgroup parent) and
// each container (image, command and args with $(VAR) expansion, env,
// mounts, cgroup limits and oom_score_adj by QoS class, security context).
// It also resolves a container's environment (ResolveEnv: values, configMap
// and secret keys, the downward API's fieldRef and resourceFieldRef,
// envFrom) and computes a pod's QoS class.
//
// The translation is a function of the pod and the options passed in, with
// one look at the disk: a subPath is resolved on the host so that a
// symlink a container planted in a volume cannot lead a mount out of it.
// It does not talk to the runtime or the API server: the caller fetches
// ConfigMaps and Secrets (Objects), sets up volumes, writes the hosts and
// termination-log files, and removes a pod's cgroup (CgroupParent) after
// its sandbox.
//
// Errors are the kubelet's texts where it has one, so that the caller can
// show them as a container's CreateContainerConfigError. What these nodes
// cannot do is refused with a clear error rather than half done: AppArmor
// profiles (the kernel has no AppArmor), user namespaces (hostUsers:
// false), an unmasked /proc, recursive read-only mounts, volumeDevices,
// hugepages, unsafe sysctls and the Strict supplemental groups policy.
// The pod's DNS settings wait for cluster DNS: pods get the node's
// resolv.conf.
package criconfig
