package storage_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skiff/skiff/internal/storage"
)

// childDirEnv, when set, turns TestDurability into the writer child: it
// writes keys into the embedded etcd in that directory until killed.
const childDirEnv = "SKIFF_DURABILITY_CHILD_DIR"

// TestDurability kills a writer with SIGKILL mid-stream and checks that
// every write it had seen acknowledged is in the reopened store.
func TestDurability(t *testing.T) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		writeUntilKilled(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurability$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := readAcks(t, cmd, bufio.NewScanner(out), 200)
	if len(acked) < 200 {
		t.Fatalf("child acknowledged only %d writes before it ended", len(acked))
	}
	b := openEmbedded(t, dir)
	ctx := ctxFor(t)
	for _, key := range acked {
		if _, err := b.Get(ctx, key); err != nil {
			t.Fatalf("acknowledged key %s lost after SIGKILL: %v", key, err)
		}
	}
	t.Logf("%d acknowledged keys survived SIGKILL", len(acked))
}

// readAcks collects acknowledged keys, kills the child with SIGKILL once
// it has seen killAfter of them, and keeps reading what the child had
// printed before it died.
func readAcks(t *testing.T, cmd *exec.Cmd, sc *bufio.Scanner, killAfter int) []string {
	var acked []string
	killed := false
	for sc.Scan() {
		key, ok := strings.CutPrefix(sc.Text(), "ACK ")
		if !ok {
			continue
		}
		acked = append(acked, key)
		if len(acked) == killAfter && !killed {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatalf("kill child: %v", err)
			}
			killed = true
		}
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if killed && !errors.As(err, &exit) {
		t.Fatalf("child did not die of the kill: %v", err)
	}
	return acked
}

// writeUntilKilled is the child: it creates keys one after another and
// prints each once Create has returned. It stops by itself after a bound.
func writeUntilKilled(dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := storage.OpenEmbedded(ctx, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	defer b.Close()
	for i := 0; i < 100000 && ctx.Err() == nil; i++ {
		key := fmt.Sprintf("/durability/%06d", i)
		if _, err := b.Create(ctx, key, []byte("x")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return
		}
		fmt.Printf("ACK %s\n", key)
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
