package allocator

import (
	"context"
	"errors"
	"testing"

	"github.com/skiff/skiff/internal/storage"
)

func openBackend(t *testing.T) storage.Backend {
	t.Helper()
	b, err := storage.OpenEmbedded(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestIPRange(t *testing.T) {
	tests := []struct {
		cidr      string
		size      int
		first     string
		value5    string
		inRange   string
		outRange  string
		wantError bool
	}{
		{cidr: "10.43.0.0/16", size: 65534, first: "10.43.0.1", value5: "10.43.0.6", inRange: "10.43.255.254", outRange: "10.44.0.1"},
		{cidr: "192.168.1.0/29", size: 6, first: "192.168.1.1", value5: "192.168.1.6", inRange: "192.168.1.3", outRange: "192.168.1.7"},
		{cidr: "fd00::/112", size: 65535, first: "fd00::1", value5: "fd00::6", inRange: "fd00::ffff", outRange: "fd00::1:0"},
		{cidr: "10.0.0.0/31", wantError: true},
		{cidr: "nonsense", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.cidr, func(t *testing.T) {
			r, err := NewIPRange(tt.cidr)
			if (err != nil) != tt.wantError {
				t.Fatalf("err = %v, want error %v", err, tt.wantError)
			}
			if err != nil {
				return
			}
			if r.Size() != tt.size || r.First() != tt.first || r.Value(5) != tt.value5 {
				t.Errorf("size %d first %s value(5) %s", r.Size(), r.First(), r.Value(5))
			}
			if i, ok := r.Offset(tt.value5); !ok || i != 5 {
				t.Errorf("Offset(%s) = %d, %v", tt.value5, i, ok)
			}
			if _, ok := r.Offset(tt.inRange); !ok {
				t.Errorf("%s should be in range", tt.inRange)
			}
			if _, ok := r.Offset(tt.outRange); ok {
				t.Errorf("%s should be out of range", tt.outRange)
			}
		})
	}
}

func TestAllocator(t *testing.T) {
	ctx := context.Background()
	b := openBackend(t)
	a := New(b, "/registry/test/ports/", PortRange{Base: 30000, Count: 3})

	got := map[string]bool{}
	for i := 0; i < 3; i++ {
		v, err := a.Allocate(ctx, "ns/svc")
		if err != nil {
			t.Fatal(err)
		}
		if got[v] {
			t.Fatalf("%s handed out twice", v)
		}
		got[v] = true
	}
	if _, err := a.Allocate(ctx, "ns/other"); !errors.Is(err, ErrFull) {
		t.Fatalf("full range: err = %v, want ErrFull", err)
	}
	if err := a.Reserve(ctx, "30001", "ns/other"); !errors.Is(err, ErrAllocated) {
		t.Fatalf("taken value: err = %v, want ErrAllocated", err)
	}
	if err := a.Reserve(ctx, "30001", "ns/svc"); err != nil {
		t.Fatalf("same owner again: %v", err)
	}
	if err := a.Reserve(ctx, "40000", "ns/svc"); !errors.Is(err, ErrOutOfRange) {
		t.Fatalf("out of range: err = %v", err)
	}
	if err := a.Release(ctx, "30001"); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(ctx, "30001"); err != nil {
		t.Fatalf("releasing a free value: %v", err)
	}
	if v, err := a.Allocate(ctx, "ns/other"); err != nil || v != "30001" {
		t.Fatalf("after release: %q, %v", v, err)
	}
}

func TestRepair(t *testing.T) {
	ctx := context.Background()
	b := openBackend(t)
	a := New(b, "/registry/test/ips", PortRange{Base: 100, Count: 10})
	for _, v := range []string{"100", "101", "102"} {
		if err := a.Reserve(ctx, v, "ns/old"); err != nil {
			t.Fatal(err)
		}
	}
	// 100 is still used, 101 and 102 leaked, 105 is used without a reservation.
	if err := a.Repair(ctx, map[string]string{"100": "ns/old", "105": "ns/new"}); err != nil {
		t.Fatal(err)
	}
	res, err := b.List(ctx, "/registry/test/ips/", "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range res.KVs {
		keys = append(keys, kv.Key)
	}
	want := []string{"/registry/test/ips/100", "/registry/test/ips/105"}
	if len(keys) != len(want) || keys[0] != want[0] || keys[1] != want[1] {
		t.Fatalf("after repair: %v, want %v", keys, want)
	}
}
