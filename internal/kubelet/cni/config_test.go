package cni

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// decode turns JSON text into generic values so expectations compare by
// structure, not by whitespace or key order.
func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, s)
	}
	return v
}

func TestRender(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		want string
	}{{
		name: "defaults, one IPv4 range",
		cfg:  Config{PodCIDRs: []string{"10.42.0.0/24"}},
		want: `{"cniVersion":"1.0.0","name":"skiff","plugins":[
			{"type":"bridge","bridge":"skiff0","isGateway":true,"ipMasq":false,"hairpinMode":true,
			 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.42.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}},
			{"type":"portmap","capabilities":{"portMappings":true},"snat":true}]}`,
	}, {
		name: "dual stack, custom names, data dir and MTU",
		cfg: Config{PodCIDRs: []string{"10.42.3.0/24", "fd00:42:3::/64"}, Name: "n", Bridge: "br-test",
			IPAMDataDir: "/d/ipam", MTU: 1400},
		want: `{"cniVersion":"1.0.0","name":"n","plugins":[
			{"type":"bridge","bridge":"br-test","isGateway":true,"ipMasq":false,"hairpinMode":true,"mtu":1400,
			 "ipam":{"type":"host-local","dataDir":"/d/ipam",
			   "ranges":[[{"subnet":"10.42.3.0/24"}],[{"subnet":"fd00:42:3::/64"}]],
			   "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}},
			{"type":"portmap","capabilities":{"portMappings":true},"snat":true}]}`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := decode(t, string(got)), decode(t, tc.want); !reflect.DeepEqual(g, w) {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestRenderRejects(t *testing.T) {
	cases := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no podCIDR", Config{}, "no podCIDR"},
		{"not a CIDR", Config{PodCIDRs: []string{"10.42.0.0"}}, `podCIDR "10.42.0.0"`},
		{"host bits", Config{PodCIDRs: []string{"10.42.0.5/24"}}, "host bits set (want 10.42.0.0/24)"},
		{"two IPv4", Config{PodCIDRs: []string{"10.42.0.0/24", "10.43.0.0/24"}}, "two ranges of one IP family"},
		{"long bridge", Config{PodCIDRs: []string{"10.42.0.0/24"}, Bridge: "a-very-long-bridge"}, "longer than 15"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net.d")
	cfg := Config{PodCIDRs: []string{"10.42.7.0/24"}}
	for range 2 { // the second write replaces the first
		path, err := Write(dir, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if path != filepath.Join(dir, FileName) {
			t.Errorf("path = %s", path)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Render(cfg)
		if !reflect.DeepEqual(decode(t, string(got)), decode(t, string(want))) {
			t.Errorf("file holds\n%s", got)
		}
		cfg.PodCIDRs = []string{"10.42.8.0/24"}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("conf dir holds %d files, want only %s (no temp files left)", len(entries), FileName)
	}
}
