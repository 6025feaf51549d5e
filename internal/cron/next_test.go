package cron

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	tests := []struct {
		name, spec, from, want string
	}{
		{"every minute", "* * * * *", "2024-05-10T10:00:30Z", "2024-05-10T10:01:00Z"},
		{"strictly after an exact match", "30 10 * * *", "2024-05-10T10:30:00Z", "2024-05-11T10:30:00Z"},
		{"later the same hour", "*/15 * * * *", "2024-05-10T10:16:00Z", "2024-05-10T10:30:00Z"},
		{"over the end of a month", "0 0 1 * *", "2024-01-31T10:00:00Z", "2024-02-01T00:00:00Z"},
		{"over the end of a year", "@hourly", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z"},
		{"31st skips short months", "0 0 31 * *", "2024-02-01T00:00:00Z", "2024-03-31T00:00:00Z"},
		{"30th skips February", "0 12 30 * *", "2023-01-30T13:00:00Z", "2023-03-30T12:00:00Z"},
		{"leap day", "0 0 29 2 *", "2023-03-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"day of week only", "0 9 * * MON", "2024-05-10T10:00:00Z", "2024-05-13T09:00:00Z"},
		{"day of month or day of week: weekday first", "0 0 13 * 5", "2024-09-01T00:00:00Z", "2024-09-06T00:00:00Z"},
		{"day of month or day of week: date first", "0 0 13 * 5", "2024-09-07T00:00:00Z", "2024-09-13T00:00:00Z"},
		{"stepped day of month still ANDs with *", "0 0 */10 * *", "2024-09-02T00:00:00Z", "2024-09-11T00:00:00Z"},
		{"stepped weekday ORs with day of month", "0 0 15 * */3", "2024-09-02T00:00:00Z", "2024-09-04T00:00:00Z"},
		{"range with step in hours", "0 9-17/4 * * *", "2024-05-10T13:00:00Z", "2024-05-10T17:00:00Z"},
		{"list of months", "0 0 1 jan,jul *", "2024-02-10T00:00:00Z", "2024-07-01T00:00:00Z"},
		{"every 90 minutes", "@every 1h30m", "2024-05-10T10:00:00.5Z", "2024-05-10T11:30:00Z"},
		{"never fires", "0 0 30 2 *", "2024-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.spec)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			got := s.Next(mustTime(t, tt.from))
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", tt.from, got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestNextInLocation(t *testing.T) {
	tests := []struct {
		name, zone, spec, from, want string
	}{
		// Clocks skip 02:00-03:00 on 2024-03-10, so 02:30 fires next day.
		{"skipped local time", "America/New_York", "30 2 * * *", "2024-03-10T00:00:00-05:00", "2024-03-11T02:30:00-04:00"},
		{"hour after the spring change", "America/New_York", "0 * * * *", "2024-03-10T01:30:00-05:00", "2024-03-10T03:00:00-04:00"},
		// Midnight did not exist in Sao Paulo on 2018-11-04.
		{"day starting at 01:00", "America/Sao_Paulo", "0 * 4 11 *", "2018-11-03T12:00:00-03:00", "2018-11-04T01:00:00-02:00"},
		{"zone with a 45 minute offset", "Asia/Kathmandu", "0 9 * * *", "2024-05-10T08:59:00+05:45", "2024-05-10T09:00:00+05:45"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(tt.spec)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			got := s.Next(mustTime(t, tt.from).In(loc))
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Errorf("Next(%s) = %s, want %s", tt.from, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestZeroScheduleNeverFires(t *testing.T) {
	if got := (Schedule{}).Next(time.Now()); !got.IsZero() {
		t.Errorf("zero Schedule fired at %s", got)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	if s == "0001-01-01T00:00:00Z" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
