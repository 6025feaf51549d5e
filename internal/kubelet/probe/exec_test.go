package probe

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
)

func TestProbeExec(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(f *fakeRuntime)
		want    result
		wantOut string
		wantErr bool
	}{
		{name: "exit 0", setup: func(f *fakeRuntime) { f.out["check"] = "ok" }, want: success, wantOut: "ok"},
		{name: "exit 1 with output", setup: func(f *fakeRuntime) { f.codes["check"], f.out["check"] = 1, "not yet" }, want: failure, wantOut: "not yet"},
		{name: "runtime timeout", setup: func(f *fakeRuntime) { f.block["check"] = true }, want: failure, wantOut: `command "check --deep" timed out`},
		{name: "gRPC deadline", setup: func(f *fakeRuntime) { f.errs["check"] = status.Error(codes.DeadlineExceeded, "too slow") },
			want: failure, wantOut: "timed out"},
		{name: "runtime error", setup: func(f *fakeRuntime) { f.errs["check"] = errors.New("container not running") }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRuntime()
			tt.setup(f)
			res, out, err := probeExec(context.Background(), f, &corev1.ExecAction{Command: []string{"check", "--deep"}},
				&corev1.Container{}, "c1", 50*time.Millisecond)
			if tt.wantErr {
				if err == nil || res != unknown {
					t.Fatalf("got %v %q %v, want an error", res, out, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.want || !strings.Contains(out, tt.wantOut) {
				t.Errorf("got %v %q, want %v %q", res, out, tt.want, tt.wantOut)
			}
		})
	}
}

func TestCapOutput(t *testing.T) {
	big := []byte(strings.Repeat("o", maxBody))
	if got := capOutput(big, []byte("err")); len(got) != maxBody {
		t.Errorf("len = %d, want %d", len(got), maxBody)
	}
	if got := capOutput([]byte("out "), []byte("err")); got != "out err" {
		t.Errorf("got %q", got)
	}
}

func TestExpandCommand(t *testing.T) {
	c := &corev1.Container{Env: []corev1.EnvVar{
		{Name: "PORT", Value: "8080"},
		{Name: "SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "k"}}},
	}}
	tests := []struct{ in, want string }{
		{"nc -z localhost $(PORT)", "nc -z localhost 8080"},
		{"$(PORT)$(PORT)", "80808080"},
		{"$$(PORT)", "$(PORT)"},
		{"$(MISSING) stays", "$(MISSING) stays"},
		{"$(SECRET)", "$(SECRET)"},
		{"$HOME and $", "$HOME and $"},
		{"$(unterminated", "$(unterminated"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		got := expandCommand([]string{tt.in}, c)
		if !reflect.DeepEqual(got, []string{tt.want}) {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got[0], tt.want)
		}
	}
}
