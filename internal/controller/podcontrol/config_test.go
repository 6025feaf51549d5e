package podcontrol

import (
	"testing"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func TestConfigWithDefaults(t *testing.T) {
	cs := fake.NewClientset()
	f := informers.NewSharedInformerFactory(cs, 0)
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"complete", Config{Client: cs, Informers: f}, ""},
		{"no client", Config{Informers: f}, "daemonset: Client and Informers are required"},
		{"no informers", Config{Client: cs}, "daemonset: Client and Informers are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.WithDefaults("daemonset")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Logger == nil || got.Clock == nil || got.Recorder == nil {
				t.Fatalf("defaults not filled in: %+v", got)
			}
		})
	}
}
