package cron

import (
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		spec string
		want string // substring of the error
	}{
		{"", "empty spec string"},
		{"* * * *", "expected exactly 5 fields, found 4"},
		{"* * * * * *", "expected exactly 5 fields, found 6"},
		{"60 * * * *", "end of range (60) above maximum (59)"},
		{"* 24 * * *", "end of range (24) above maximum (23)"},
		{"* * 0 * *", "beginning of range (0) below minimum (1)"},
		{"* * 32 * *", "above maximum (31)"},
		{"* * * 13 *", "above maximum (12)"},
		{"* * * * 7", "end of range (7) above maximum (6)"},
		{"5-1 * * * *", "beginning of range (5) beyond end of range (1)"},
		{"*/0 * * * *", "step of range should be a positive number"},
		{"1/2/3 * * * *", "too many slashes"},
		{"1-2-3 * * * *", "too many hyphens"},
		{"a * * * *", "failed to parse int from a"},
		{"* * * FOO *", "failed to parse int from FOO"},
		{"-1 * * * *", "failed to parse int from"},
		{"1,,2 * * * *", "failed to parse int from"},
		{"@fortnightly", "unrecognized descriptor: @fortnightly"},
		{"@every nope", "failed to parse duration"},
		{"CRON_TZ=UTC 0 * * * *", "time zones"},
		{"TZ=Europe/Paris 0 * * * *", "time zones"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := Parse(tt.spec)
			if err == nil {
				t.Fatalf("Parse(%q) = nil error, want %q", tt.spec, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.spec, err, tt.want)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		spec           string
		minute, hour   []int
		dom, month     []int
		dow            []int
		domAny, dowAny bool
	}{
		{spec: "0 0 1 1 *", minute: []int{0}, hour: []int{0}, dom: []int{1}, month: []int{1}, dow: span(0, 6, 1), dowAny: true},
		{spec: "*/15 9-17/4 * * MON-fri", minute: []int{0, 15, 30, 45}, hour: []int{9, 13, 17}, dom: span(1, 31, 1), month: span(1, 12, 1), dow: span(1, 5, 1), domAny: true},
		{spec: "5/20 0,12 ? jan,Jul *", minute: []int{5, 25, 45}, hour: []int{0, 12}, dom: span(1, 31, 1), month: []int{1, 7}, dow: span(0, 6, 1), domAny: true, dowAny: true},
		{spec: "0 0 */2 * 0", minute: []int{0}, hour: []int{0}, dom: span(1, 31, 2), month: span(1, 12, 1), dow: []int{0}},
		{spec: "@weekly", minute: []int{0}, hour: []int{0}, dom: span(1, 31, 1), month: span(1, 12, 1), dow: []int{0}, domAny: true},
		{spec: "  @hourly  ", minute: []int{0}, hour: span(0, 23, 1), dom: span(1, 31, 1), month: span(1, 12, 1), dow: span(0, 6, 1), domAny: true, dowAny: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := Parse(tt.spec)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			check := func(name string, got uint64, want []int) {
				if w := bitsOf(want); got != w {
					t.Errorf("%s = %b, want %b", name, got, w)
				}
			}
			check("minute", s.minute, tt.minute)
			check("hour", s.hour, tt.hour)
			check("dom", s.dom, tt.dom)
			check("month", s.month, tt.month)
			check("dow", s.dow, tt.dow)
			if s.domAny != tt.domAny || s.dowAny != tt.dowAny {
				t.Errorf("domAny, dowAny = %v, %v; want %v, %v", s.domAny, s.dowAny, tt.domAny, tt.dowAny)
			}
		})
	}
}

func span(from, to, step int) []int {
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

func bitsOf(values []int) uint64 {
	var bits uint64
	for _, v := range values {
		bits |= 1 << uint(v)
	}
	return bits
}
