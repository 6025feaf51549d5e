package server

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	t1 = "2024-05-01T10:00:01.100000000Z"
	t2 = "2024-05-01T10:00:02.200000000Z"
	t3 = "2024-05-01T12:00:03.000000000+02:00"
)

func TestParseCRILine(t *testing.T) {
	for _, tc := range []struct {
		in      string
		stderr  bool
		partial bool
		text    string
		bad     bool
	}{
		{in: t1 + " stdout F hello world\n", text: "hello world"},
		{in: t1 + " stderr P part", stderr: true, partial: true, text: "part"},
		{in: t1 + " stdout F \n", text: ""},
		{in: t1 + " stdout F", text: ""},
		{in: t1 + " stdout F:x  two spaces\n", text: " two spaces"},
		{in: "yesterday stdout F x\n", bad: true},
		{in: t1 + " stdin F x\n", bad: true},
		{in: t1 + " stdout Q x\n", bad: true},
		{in: t1 + "\n", bad: true},
	} {
		l, err := parseCRILine([]byte(tc.in))
		if tc.bad {
			if err == nil {
				t.Errorf("parse %q: no error", tc.in)
			}
			continue
		}
		if err != nil || l.stderr != tc.stderr || l.partial != tc.partial || string(l.text) != tc.text {
			t.Errorf("parse %q = %+v, %v", tc.in, l, err)
		}
	}
}

func TestLogFormatter(t *testing.T) {
	lines := []string{
		t1 + " stdout F one",
		t1 + " stdout P tw",
		t2 + " stderr F err",
		t2 + " stdout F o",
		"garbage",
		t3 + " stdout F three",
	}
	since, _ := time.Parse(time.RFC3339, "2024-05-01T10:00:02Z")
	for _, tc := range []struct {
		name string
		f    logFormatter
		want string
	}{
		{"plain", logFormatter{}, "one\ntwerr\no\nthree\n"},
		{"timestamps", logFormatter{timestamps: true},
			"2024-05-01T10:00:01.1Z one\n2024-05-01T10:00:01.1Z tw2024-05-01T10:00:02.2Z err\no\n2024-05-01T12:00:03+02:00 three\n"},
		{"since drops whole lines by their first piece", logFormatter{since: since}, "err\nthree\n"},
		{"stdout", logFormatter{stream: "Stdout"}, "one\ntwo\nthree\n"},
		{"stderr", logFormatter{stream: "Stderr"}, "err\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			f := tc.f
			f.w = &out
			for _, l := range lines {
				if err := f.entry([]byte(l + "\n")); err != nil {
					t.Fatal(err)
				}
			}
			if out.String() != tc.want {
				t.Errorf("output\n%q\nwant\n%q", out.String(), tc.want)
			}
			if f.bad != 1 {
				t.Errorf("bad = %d, want 1", f.bad)
			}
		})
	}
}

func TestTailStart(t *testing.T) {
	long := strings.Repeat("x", 70<<10) // longer than reverseLines' block
	full := t1 + " stdout F a\n" + t1 + " stdout P b1\n" + t1 + " stdout F b2\n" + t1 + " stdout F " + long + "\n" + t1 + " stdout F d\n"
	inProgress := t1 + " stdout F a\n" + t1 + " stdout F b\n" + t1 + " stdout P c"
	for _, tc := range []struct {
		name string
		log  string
		n    int64
		want string // the formatted output from the tail start
	}{
		{"zero", full, 0, ""},
		{"one", full, 1, "d\n"},
		{"long line", full, 2, long + "\nd\n"},
		{"joined pieces count once", full, 3, "b1b2\n" + long + "\nd\n"},
		{"all", full, 4, "a\nb1b2\n" + long + "\nd\n"},
		{"more than there are", full, 10, "a\nb1b2\n" + long + "\nd\n"},
		{"line being written", inProgress, 1, "c"},
		{"line being written and one", inProgress, 2, "b\nc"},
		{"no final newline", t1 + " stdout F a\n" + t1 + " stdout F b", 1, "b\n"},
		{"empty", "", 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := strings.NewReader(tc.log)
			start, err := tailStart(r, int64(len(tc.log)), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			f := logFormatter{w: &out}
			rest := tc.log[start:]
			for len(rest) > 0 {
				line, after, _ := strings.Cut(rest, "\n")
				if err := f.entry([]byte(line)); err != nil {
					t.Fatal(err)
				}
				rest = after
			}
			if out.String() != tc.want {
				t.Errorf("tail %d from %d = %.60q, want %.60q", tc.n, start, out.String(), tc.want)
			}
		})
	}
}

func TestLimitWriter(t *testing.T) {
	var out bytes.Buffer
	w := &limitWriter{w: &out, left: 5}
	if n, err := w.Write([]byte("abc")); n != 3 || err != nil {
		t.Errorf("first write = %d, %v", n, err)
	}
	if n, err := w.Write([]byte("defg")); n != 2 || !errors.Is(err, errLimit) {
		t.Errorf("second write = %d, %v; want 2, errLimit", n, err)
	}
	if n, err := w.Write([]byte("h")); n != 0 || !errors.Is(err, errLimit) {
		t.Errorf("third write = %d, %v; want 0, errLimit", n, err)
	}
	if out.String() != "abcde" {
		t.Errorf("wrote %q", out.String())
	}
	out.Reset()
	unlimited := &limitWriter{w: &out, left: -1}
	if _, err := unlimited.Write([]byte("anything")); err != nil || out.String() != "anything" {
		t.Errorf("unlimited write: %q, %v", out.String(), err)
	}
}
