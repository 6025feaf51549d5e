package node

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// maxPods is the kubelet's default pod capacity.
const maxPods = 110

// hostFiles are where the host describes itself; tests point them at a
// temporary tree.
type hostFiles struct {
	meminfo, machineID, productUUID, bootID, osRelease, kernelRelease, hugepages string
	numCPU                                                                       func() int
}

var linuxHost = hostFiles{
	meminfo:     "/proc/meminfo",
	machineID:   "/etc/machine-id",
	productUUID: "/sys/class/dmi/id/product_uuid",
	bootID:      "/proc/sys/kernel/random/boot_id",
	osRelease:   "/etc/os-release",
	// The kernel's release, the same text uname(2) gives.
	kernelRelease: "/proc/sys/kernel/osrelease",
	hugepages:     "/sys/kernel/mm/hugepages",
	numCPU:        goruntime.NumCPU,
}

// hostInfo is what the node reports of the machine: its resources and the
// system part of nodeInfo.
type hostInfo struct {
	capacity corev1.ResourceList
	info     corev1.NodeSystemInfo
}

// readHost measures the machine. storagePath is a path on the filesystem
// that holds the agent's data: its size is the node's ephemeral-storage.
func readHost(h hostFiles, storagePath string) (hostInfo, error) {
	mem, err := memTotal(h.meminfo)
	if err != nil {
		return hostInfo{}, err
	}
	storage, err := fsSize(storagePath)
	if err != nil {
		return hostInfo{}, err
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(h.numCPU()), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(mem, resource.BinarySI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(storage, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(maxPods, resource.DecimalSI),
	}
	sizes, err := hugePageSizes(h.hugepages)
	if err != nil {
		return hostInfo{}, err
	}
	// Pods get no hugepages: the hugetlb controller is missing from the
	// cgroup v1 hierarchies these machines run, so none could be limited.
	for _, size := range sizes {
		capacity[corev1.ResourceName(corev1.ResourceHugePagesPrefix+size)] = *resource.NewQuantity(0, resource.BinarySI)
	}
	info := corev1.NodeSystemInfo{
		MachineID:       readTrimmed(h.machineID),
		SystemUUID:      readTrimmed(h.productUUID), // absent on many VMs; optional
		BootID:          readTrimmed(h.bootID),
		KernelVersion:   readTrimmed(h.kernelRelease),
		OSImage:         osImage(h.osRelease),
		OperatingSystem: goruntime.GOOS,
		Architecture:    goruntime.GOARCH,
	}
	if info.BootID == "" || info.KernelVersion == "" {
		return hostInfo{}, fmt.Errorf("read boot id (%s) and kernel release (%s): the node cannot describe itself", h.bootID, h.kernelRelease)
	}
	return hostInfo{capacity: capacity, info: info}, nil
}

// memTotal is MemTotal of /proc/meminfo in bytes.
func memTotal(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read memory size: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("read memory size: odd line %q in %s", s.Text(), path)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read memory size: %w", err)
		}
		return kb * 1024, nil
	}
	if err := s.Err(); err != nil {
		return 0, fmt.Errorf("read memory size: %w", err)
	}
	return 0, fmt.Errorf("read memory size: no MemTotal in %s", path)
}

// fsSize is the size in bytes of the filesystem holding path, or its
// closest existing ancestor (the data directory may not exist yet).
func fsSize(path string) (int64, error) {
	p := filepath.Clean(path)
	for {
		var st syscall.Statfs_t
		err := syscall.Statfs(p, &st)
		if err == nil {
			return int64(st.Blocks) * int64(st.Bsize), nil
		}
		if !errors.Is(err, fs.ErrNotExist) || p == filepath.Dir(p) {
			return 0, fmt.Errorf("measure the filesystem of %s: %w", path, err)
		}
		p = filepath.Dir(p)
	}
}

// hugePageSizes are the page sizes the kernel offers, as resource name
// suffixes ("2Mi", "1Gi"), from directories named hugepages-<n>kB.
func hugePageSizes(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list hugepage sizes: %w", err)
	}
	var sizes []string
	for _, e := range entries {
		n, ok := strings.CutPrefix(e.Name(), "hugepages-")
		n, ok2 := strings.CutSuffix(n, "kB")
		kb, err := strconv.ParseInt(n, 10, 64)
		if !ok || !ok2 || err != nil {
			continue
		}
		sizes = append(sizes, resource.NewQuantity(kb*1024, resource.BinarySI).String())
	}
	return sizes, nil
}

func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// osImage is PRETTY_NAME of os-release, as the kubelet reports it.
func osImage(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "Linux"
	}
	for _, line := range strings.Split(string(b), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME=")
		if !ok {
			continue
		}
		if u, err := strconv.Unquote(v); err == nil {
			return u
		}
		return strings.Trim(v, `'"`)
	}
	return "Linux"
}
