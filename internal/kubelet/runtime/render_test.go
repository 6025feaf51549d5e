package runtime

import (
	"testing"
)

const goldenMinimal = `
version = 2
root = "/var/lib/skiff/ctd/root"
state = "/var/lib/skiff/ctd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "/var/lib/skiff/ctd/containerd.sock"
[ttrpc]
  address = "/var/lib/skiff/ctd/containerd.sock.ttrpc"
[plugins]
[plugins."io.containerd.internal.v1.opt"]
  path = "/var/lib/skiff/ctd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "skiff.local/sandbox:1"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  disable_hugetlb_controller = true
  tolerate_missing_hugetlb_controller = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  netns_mounts_under_state_dir = true
[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes]
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
  Root = "/var/lib/skiff/ctd/state/runc"
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "/var/lib/skiff/ctd/cni/net.d"
  max_conf_num = 1
[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/var/lib/skiff/ctd/certs.d"
`

func TestContainerdConfigGolden(t *testing.T) {
	cfg := Config{DataDir: "/var/lib/skiff/ctd", SandboxImage: "skiff.local/sandbox:1"}.withDefaults()
	got, err := encodeTOML(containerdConfig(cfg, newLayout(cfg.DataDir)))
	if err != nil {
		t.Fatal(err)
	}
	if g, w := flattenTOML(t, got), flattenTOML(t, goldenMinimal); g != w {
		t.Errorf("config differs from golden.\ngot:\n%s\nwant:\n%s", g, w)
	}
}

func TestHostsFile(t *testing.T) {
	l := newLayout("/d")
	cases := []struct {
		name     string
		cfg      Config
		wantPath string
		want     string // flattened; "" means no file
	}{{
		name: "no mirror, no file",
		cfg:  Config{},
	}, {
		name:     "plain mirror",
		cfg:      Config{MirrorURL: "http://10.0.0.1:5000"},
		wantPath: "/d/certs.d/_default/hosts.toml",
		want:     `host."http://10.0.0.1:5000".capabilities = ["pull", "resolve"]`,
	}, {
		name:     "mirror with CA and client certificate",
		cfg:      Config{MirrorURL: "https://10.0.0.1:6443", MirrorCA: "/pki/ca.crt", MirrorClientCert: "/pki/c.crt", MirrorClientKey: "/pki/c.key"},
		wantPath: "/d/certs.d/_default/hosts.toml",
		want: `host."https://10.0.0.1:6443".ca = "/pki/ca.crt"
host."https://10.0.0.1:6443".capabilities = ["pull", "resolve"]
host."https://10.0.0.1:6443".client = [["/pki/c.crt", "/pki/c.key"]]`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, tbl, ok := hostsFile(tc.cfg, l)
			if ok != (tc.want != "") || path != tc.wantPath {
				t.Fatalf("hostsFile = %q, ok=%v; want %q", path, ok, tc.wantPath)
			}
			if !ok {
				return
			}
			text, err := encodeTOML(tbl)
			if err != nil {
				t.Fatal(err)
			}
			if g := flattenTOML(t, text); g != tc.want {
				t.Errorf("got\n%s\nwant\n%s", g, tc.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	long := "/x"
	for len(long) < maxSocketPath {
		long += "/aaaaaaaaaa"
	}
	cases := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"ok", Config{DataDir: "/d", SandboxImage: "s:1"}, false},
		{"ok with mirror TLS", Config{DataDir: "/d", SandboxImage: "s:1", MirrorURL: "https://m", MirrorCA: "/ca", MirrorClientCert: "/c", MirrorClientKey: "/k"}, false},
		{"no data dir", Config{SandboxImage: "s:1"}, true},
		{"relative data dir", Config{DataDir: "d", SandboxImage: "s:1"}, true},
		{"no sandbox image", Config{DataDir: "/d"}, true},
		{"cert without key", Config{DataDir: "/d", SandboxImage: "s:1", MirrorURL: "https://m", MirrorClientCert: "/c"}, true},
		{"TLS without mirror", Config{DataDir: "/d", SandboxImage: "s:1", MirrorCA: "/ca"}, true},
		{"socket path too long", Config{DataDir: long, SandboxImage: "s:1"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.withDefaults().validate()
			if (err != nil) != tc.wantErr {
				t.Fatalf("validate() = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	c := Config{DataDir: "/d"}.withDefaults()
	if c.Binary != "containerd" || c.CtrBinary != "ctr" || c.CNIBinDir != "/usr/lib/cni" || c.CNIConfDir != "/d/cni/net.d" ||
		c.StopTimeout != DefaultStopTimeout || c.ReadyTimeout != DefaultReadyTimeout || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
	kept := Config{DataDir: "/d", Binary: "/opt/containerd", CNIConfDir: "/etc/cni/net.d"}.withDefaults()
	if kept.Binary != "/opt/containerd" || kept.CNIConfDir != "/etc/cni/net.d" {
		t.Errorf("explicit values overwritten: %+v", kept)
	}
}
