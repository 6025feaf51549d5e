package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFmtMs(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{1234 * time.Microsecond, "1.23ms"},
		{42 * time.Microsecond, "0.04ms"},
		{12345 * time.Microsecond, "12.3ms"},
		{1500 * time.Millisecond, "1500ms"},
	}
	for _, tt := range tests {
		if got := fmtMs(tt.d); got != tt.want {
			t.Errorf("fmtMs(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestNewResultAndTable(t *testing.T) {
	r := newResult("get", msList(1, 2, 3, 4), 1, errors.New("boom"), 2*time.Second)
	if r.Ops != 4 || r.OpsPerSec != 2 || r.Errors != 1 || r.FirstError != "boom" || r.Latency.P99 != 4*time.Millisecond {
		t.Fatalf("newResult = %+v", r)
	}
	var b strings.Builder
	rep := Report{Server: "https://x", Kind: KindPod, Objects: 4, Concurrency: 2, Watchers: 1, Results: []Result{r}}
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4 pods, concurrency 2", "PHASE", "get", "2.00ms", "4.00ms", "get: first error: boom"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	rep := Report{Results: []Result{newResult("create", msList(10, 20), 0, nil, time.Second)}}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "| create | 2 | 0 | 2 | 10.0ms | 20.0ms | 20.0ms | 20.0ms |  |"
	if !strings.Contains(b.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, b.String())
	}
}
