package server

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestParseLogOptions(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	sinceTime := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		query string
		want  logOptions
		code  int
	}{
		{"", logOptions{tail: -1, limitBytes: -1}, 0},
		{"follow=true&previous=1&timestamps=yes", logOptions{follow: true, previous: true, timestamps: true, tail: -1, limitBytes: -1}, 0},
		{"follow=false&previous=0", logOptions{tail: -1, limitBytes: -1}, 0},
		{"tailLines=10&limitBytes=100", logOptions{tail: 10, limitBytes: 100}, 0},
		{"tail=5", logOptions{tail: 5, limitBytes: -1}, 0},
		{"tail=all&tailLines=3", logOptions{tail: -1, limitBytes: -1}, 0},
		{"sinceSeconds=60", logOptions{tail: -1, limitBytes: -1, since: now.Add(-time.Minute)}, 0},
		{"sinceTime=2024-05-01T09:00:00Z", logOptions{tail: -1, limitBytes: -1, since: sinceTime}, 0},
		{"stream=Stderr", logOptions{tail: -1, limitBytes: -1, stream: "Stderr"}, 0},
		{"stream=All&tailLines=1", logOptions{tail: 1, limitBytes: -1}, 0},
		{"tailLines=x", logOptions{}, 400},
		{"sinceTime=yesterday", logOptions{}, 400},
		{"tailLines=-1", logOptions{}, 422},
		{"limitBytes=0", logOptions{}, 422},
		{"sinceSeconds=0", logOptions{}, 422},
		{"sinceSeconds=5&sinceTime=2024-05-01T09:00:00Z", logOptions{}, 422},
		{"stream=Stdout&tailLines=2", logOptions{}, 422},
		{"stream=stdin", logOptions{}, 422},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, err := parseLogOptions(q, now)
		if tc.code != 0 {
			var oe *optionError
			if !errors.As(err, &oe) || oe.code != tc.code {
				t.Errorf("%q: err %v, want code %d", tc.query, err, tc.code)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q = %+v, %v; want %+v", tc.query, got, err, tc.want)
		}
	}
}
