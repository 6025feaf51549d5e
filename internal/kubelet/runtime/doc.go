// Package runtime owns the node's container runtime: it supervises a private
// containerd (its config, socket, root and state all under one data
// directory, so a system containerd is never disturbed), talks CRI to it, and
// builds the small local images a node needs without the internet (the pod
// sandbox image and test images made from Debian's busybox-static).
package runtime
