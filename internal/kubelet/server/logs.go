package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// serveLogs answers /containerLogs/{namespace}/{pod}/{container}: the
// container's output from its CRI log file, shaped by the PodLogOptions
// in the query. Errors before the output starts are a metav1.Status with
// the kubelet's code and words: 400 for a container without the asked-for
// instance.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ns, pod, name := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	opts, err := parseLogOptions(r.URL.Query(), s.now())
	if err != nil {
		var oe *optionError
		errors.As(err, &oe)
		writeStatus(w, oe.code, oe.msg)
		return
	}
	info, err := s.pods.Container(ctx, ns, pod, name, opts.previous)
	switch {
	case errors.Is(err, ErrNotFound):
		writeStatus(w, http.StatusNotFound, notFoundMessage(err))
		return
	case err != nil:
		s.log.Error("kubelet server: find container for logs", "namespace", ns, "pod", pod, "container", name, "err", err)
		writeStatus(w, http.StatusInternalServerError, err.Error())
		return
	case info.ID == "" && opts.previous:
		writeStatus(w, http.StatusBadRequest, fmt.Sprintf("previous terminated container %q in pod %q not found", name, pod))
		return
	case info.ID == "":
		writeStatus(w, http.StatusBadRequest, fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", name, pod))
		return
	}
	f, err := openLog(info.LogPath, opts.tail)
	if err != nil {
		writeStatus(w, http.StatusBadRequest, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	out := newFlushWriter(w)
	fm := &logFormatter{w: &limitWriter{w: out, left: opts.limitBytes}, timestamps: opts.timestamps, since: opts.since, stream: opts.stream}
	t := &logTail{path: info.LogPath, f: f, rd: bufio.NewReaderSize(f, 64<<10), fm: fm, flush: out.Flush, poll: s.logPoll, statusPoll: s.statusPoll}
	defer func() { t.f.Close() }() // the tail may have moved on to a rotated file
	running := func(ctx context.Context) bool {
		cur, err := s.pods.Container(ctx, ns, pod, name, false)
		return err == nil && cur.ID == info.ID && cur.Running
	}
	err = t.run(ctx, opts.follow && info.Running, running)
	switch {
	case err == nil, ctx.Err() != nil:
	case errors.Is(err, errLimit):
		_ = out.Flush()
	default:
		s.log.Info("kubelet server: log stream ended", "namespace", ns, "pod", pod, "container", name, "err", err)
	}
	if fm.bad > 0 {
		s.log.Warn("kubelet server: skipped log lines not in the CRI format", "path", info.LogPath, "lines", fm.bad)
	}
}

// openLog opens a log file at the start of its last tail lines (tail < 0:
// at the beginning).
func openLog(path string, tail int64) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open log file %q: %w", path, err)
	}
	if tail < 0 {
		return f, nil
	}
	st, err := f.Stat()
	if err == nil {
		var start int64
		if start, err = tailStart(f, st.Size(), tail); err == nil {
			_, err = f.Seek(start, io.SeekStart)
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to read log file %q: %w", path, err)
	}
	return f, nil
}

// logTail copies a log file through a formatter and, when following,
// keeps reading as it grows.
type logTail struct {
	path             string
	f                *os.File
	rd               *bufio.Reader
	pending          []byte // a line read in part
	fm               *logFormatter
	flush            func() error
	poll, statusPoll time.Duration
}

// run copies what the file holds and, with follow, polls it for more
// until the container stops running (then copies what is left) or ctx
// ends. A log rotated under the same path is followed into the new file.
func (t *logTail) run(ctx context.Context, follow bool, running func(context.Context) bool) error {
	var tick *time.Ticker
	if follow {
		tick = time.NewTicker(t.poll)
		defer tick.Stop()
	}
	var checked time.Time
	for {
		if err := t.readAvailable(); err != nil {
			return err
		}
		if err := t.flush(); err != nil {
			return err
		}
		if !follow {
			return t.finish()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := t.followRotation(); err != nil {
			return err
		}
		if now := time.Now(); now.Sub(checked) >= t.statusPoll {
			checked = now
			// Stopped: one more pass drains what it wrote before it stopped.
			follow = running(ctx)
		}
	}
}

// readAvailable formats every whole line up to the end of the file.
func (t *logTail) readAvailable() error {
	for {
		chunk, err := t.rd.ReadSlice('\n')
		switch {
		case err == nil:
			line := chunk
			if len(t.pending) > 0 {
				t.pending = append(t.pending, chunk...)
				line = t.pending
			}
			if err := t.fm.entry(line); err != nil {
				return err
			}
			t.pending = t.pending[:0]
		case errors.Is(err, bufio.ErrBufferFull):
			t.pending = append(t.pending, chunk...)
		case errors.Is(err, io.EOF):
			t.pending = append(t.pending, chunk...)
			return nil
		default:
			return fmt.Errorf("read log %s: %w", t.path, err)
		}
	}
}

// finish formats a last line that has no newline yet.
func (t *logTail) finish() error {
	if len(t.pending) == 0 {
		return nil
	}
	err := t.fm.entry(t.pending)
	t.pending = t.pending[:0]
	if err != nil {
		return err
	}
	return t.flush()
}

// followRotation moves to a new file at the log's path once the old one
// was renamed away (log rotation), after draining the old one.
func (t *logTail) followRotation() error {
	cur, err := os.Stat(t.path)
	if err != nil {
		return nil // between rename and reopen, or removed: the status check ends it
	}
	old, err := t.f.Stat()
	if err != nil || os.SameFile(cur, old) {
		return nil
	}
	if err := t.readAvailable(); err != nil {
		return err
	}
	if err := t.finish(); err != nil {
		return err
	}
	f, err := os.Open(t.path)
	if err != nil {
		return nil
	}
	t.f.Close()
	t.f = f
	t.rd.Reset(f)
	return nil
}

// flushWriter buffers output and pushes it to the client on Flush.
type flushWriter struct {
	*bufio.Writer
	rc *http.ResponseController
}

func newFlushWriter(w http.ResponseWriter) *flushWriter {
	return &flushWriter{Writer: bufio.NewWriterSize(w, 32<<10), rc: http.NewResponseController(w)}
}

func (f *flushWriter) Flush() error {
	if err := f.Writer.Flush(); err != nil {
		return err
	}
	if err := f.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
