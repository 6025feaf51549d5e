package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// logOptions are the query parameters of /containerLogs (v1.PodLogOptions).
type logOptions struct {
	follow, previous, timestamps bool
	tail                         int64 // lines from the end; -1: all
	limitBytes                   int64 // -1: no limit
	since                        time.Time
	stream                       string // "Stdout", "Stderr", or "" for both
}

// optionError is a bad query: code is 400 when it does not parse, 422 when
// it parses but is not valid (the kubelet's codes).
type optionError struct {
	code int
	msg  string
}

func (e *optionError) Error() string { return e.msg }

// parseLogOptions reads the query as the kubelet decodes v1.PodLogOptions.
// now anchors sinceSeconds.
func parseLogOptions(q url.Values, now time.Time) (logOptions, error) {
	o := logOptions{tail: -1, limitBytes: -1}
	// "tail" is an older name for tailLines; "all" means no limit.
	if t := q.Get("tail"); t != "" {
		q = cloneValues(q)
		q.Del("tailLines")
		if t != "all" {
			q.Set("tailLines", t)
		}
	}
	o.follow = queryBool(q, "follow")
	o.previous = queryBool(q, "previous")
	o.timestamps = queryBool(q, "timestamps")
	tail, err := queryInt(q, "tailLines")
	if err != nil {
		return o, err
	}
	limit, err := queryInt(q, "limitBytes")
	if err != nil {
		return o, err
	}
	sinceSeconds, err := queryInt(q, "sinceSeconds")
	if err != nil {
		return o, err
	}
	var sinceTime *time.Time
	if v := q.Get("sinceTime"); v != "" && v != "null" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, &optionError{http.StatusBadRequest, fmt.Sprintf("unable to decode query: sinceTime %q is not an RFC 3339 time", v)}
		}
		sinceTime = &t
	}
	o.stream = q.Get("stream")

	var invalid []string
	if tail != nil && *tail < 0 {
		invalid = append(invalid, "tailLines must be greater than or equal to 0")
	}
	if limit != nil && *limit < 1 {
		invalid = append(invalid, "limitBytes must be greater than 0")
	}
	if sinceSeconds != nil && sinceTime != nil {
		invalid = append(invalid, "at most one of sinceTime or sinceSeconds may be specified")
	}
	if sinceSeconds != nil && *sinceSeconds < 1 {
		invalid = append(invalid, "sinceSeconds must be greater than 0")
	}
	switch o.stream {
	case "", "All":
		o.stream = ""
	case "Stdout", "Stderr":
		if tail != nil {
			invalid = append(invalid, "tailLines and a specific stream are mutually exclusive")
		}
	default:
		invalid = append(invalid, fmt.Sprintf("stream %q is not one of All, Stdout, Stderr", o.stream))
	}
	if len(invalid) > 0 {
		return o, &optionError{http.StatusUnprocessableEntity, "invalid request: " + strings.Join(invalid, "; ")}
	}
	if tail != nil {
		o.tail = *tail
	}
	if limit != nil {
		o.limitBytes = *limit
	}
	if sinceSeconds != nil {
		o.since = now.Add(-time.Duration(*sinceSeconds) * time.Second)
	}
	if sinceTime != nil {
		o.since = *sinceTime
	}
	return o, nil
}

// queryBool reads a boolean the way query parameters convert to Kubernetes
// options: absent, "0" and "false" are false; any other value is true.
func queryBool(q url.Values, name string) bool {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return false
	}
	return v[0] != "0" && !strings.EqualFold(v[0], "false")
}

// queryInt reads an optional integer; nil when absent or empty.
func queryInt(q url.Values, name string) (*int64, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			err = ne.Err
		}
		return nil, &optionError{http.StatusBadRequest, fmt.Sprintf("unable to decode query: %s=%q: %v", name, v, err)}
	}
	return &n, nil
}

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q))
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}
