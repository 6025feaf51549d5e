package runtime

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

func TestStopStale(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	l := newLayout(t.TempDir())
	cases := []struct {
		name        string
		config      string // the --config the process was started with
		wantStopped bool
	}{
		{"our containerd is stopped", l.Config, true},
		{"another process with the same pid file is left alone", filepath.Join(t.TempDir(), "config.toml"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// sh stands in for containerd: only the arguments matter. The
			// trailing ":" keeps sh from exec'ing sleep (which would drop
			// the arguments); its own process group lets cleanup end the
			// sleep too.
			cmd := exec.Command("/bin/sh", "-c", "sleep 30; :", "--config", tc.config)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { _ = cmd.Wait(); close(exited) }()
			defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited }()
			if err := os.WriteFile(l.PIDFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
				t.Fatal(err)
			}
			stopped, err := stopStale(context.Background(), l, 5*time.Second)
			if err != nil || stopped != tc.wantStopped {
				t.Fatalf("stopStale = %v, %v; want %v", stopped, err, tc.wantStopped)
			}
			select {
			case <-exited:
				if !tc.wantStopped {
					t.Error("a process that is not ours was stopped")
				}
			case <-time.After(100 * time.Millisecond):
				if tc.wantStopped {
					t.Error("our stale process still runs")
				}
			}
		})
	}
	if err := os.Remove(l.PIDFile); err != nil {
		t.Fatal(err)
	}
	if stopped, err := stopStale(context.Background(), l, time.Second); stopped || err != nil {
		t.Errorf("without a pid file: stopStale = %v, %v", stopped, err)
	}
}
