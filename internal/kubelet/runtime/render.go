package runtime

import "path/filepath"

// criPlugin is the CRI plugin's ID in a version 2 config.
const criPlugin = "io.containerd.grpc.v1.cri"

// disabledPlugins are snapshotters a node here never uses. Disabling them
// keeps containerd from probing filesystems at start and from logging errors
// about them on every boot. The legacy io.containerd.runtime.v1.linux must
// stay: on 1.6 the tasks service, and so the CRI plugin, fail without it.
var disabledPlugins = []string{
	"io.containerd.snapshotter.v1.aufs",
	"io.containerd.snapshotter.v1.btrfs",
	"io.containerd.snapshotter.v1.devmapper",
	"io.containerd.snapshotter.v1.zfs",
	"io.containerd.tracing.processor.v1.otlp",
	"io.containerd.internal.v1.tracing",
}

// containerdConfig is the containerd 1.6 config (version 2) for cfg. Every
// path is under the data dir, so this containerd never shares a socket,
// database or state with a system one.
func containerdConfig(cfg Config, l layout) table {
	return table{
		"version":          2,
		"root":             l.Root,
		"state":            l.State,
		"disabled_plugins": disabledPlugins,
		"grpc":             table{"address": l.Socket},
		"ttrpc":            table{"address": l.Socket + ".ttrpc"},
		"plugins": table{
			criPlugin:                       criConfig(cfg, l),
			"io.containerd.internal.v1.opt": table{"path": l.Opt},
		},
	}
}

func criConfig(cfg Config, l layout) table {
	return table{
		"sandbox_image": cfg.SandboxImage,
		// Root lacks CAP_SYS_RESOURCE here: without this, runc fails every
		// sandbox writing a negative oom_score_adj (NODE-ENVIRONMENT item 1).
		"restrict_oom_score_adj": true,
		// AppArmor is not in the kernel and SELinux is off (item 7).
		"disable_apparmor": true,
		"enable_selinux":   false,
		// hugetlb exists only on cgroup2 in this hybrid layout (item 2).
		"disable_hugetlb_controller":          true,
		"tolerate_missing_hugetlb_controller": true,
		// The streaming server for exec/attach/port-forward: loopback, any port.
		"stream_server_address": "127.0.0.1",
		"stream_server_port":    "0",
		// Pod network namespaces go under the state dir, not /var/run/netns.
		"netns_mounts_under_state_dir": true,
		"containerd":                   runtimesConfig(l),
		"cni": table{
			"bin_dir":      cfg.CNIBinDir,
			"conf_dir":     cfg.CNIConfDir,
			"max_conf_num": 1,
		},
		"registry": registryConfig(cfg, l),
	}
}

// runtimesConfig selects runc with the cgroupfs driver (there is no
// systemd) and keeps runc's state under the data dir too.
func runtimesConfig(l layout) table {
	return table{
		"snapshotter":          "overlayfs",
		"default_runtime_name": "runc",
		"runtimes": table{
			"runc": table{
				"runtime_type": "io.containerd.runc.v2",
				"options":      table{"SystemdCgroup": false, "Root": filepath.Join(l.State, "runc")},
			},
		},
	}
}
