package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// A CRI log file holds one entry per line, as containerd writes them:
//
//	2024-05-01T10:00:00.123456789Z stdout F a whole line
//	2024-05-01T10:00:00.223456789Z stderr P the start of a long line
//	2024-05-01T10:00:00.223456790Z stderr F and its end
//
// Tag P marks a piece of a line that continues in the stream's next entry
// (containerd splits lines longer than its buffer); F ends a line. More
// tags may follow the first, separated by ':'.

// criLine is one parsed entry.
type criLine struct {
	ts      time.Time
	stderr  bool
	partial bool
	text    []byte // without the line's newline
}

// parseCRILine parses one entry; raw may end with its newline.
func parseCRILine(raw []byte) (criLine, error) {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	ts, rest, ok := bytes.Cut(raw, []byte(" "))
	if !ok {
		return criLine{}, errors.New("no stream after the timestamp")
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return criLine{}, fmt.Errorf("timestamp: %w", err)
	}
	stream, rest, ok := bytes.Cut(rest, []byte(" "))
	if !ok {
		return criLine{}, errors.New("no tag after the stream")
	}
	l := criLine{ts: t}
	switch string(stream) {
	case "stdout":
	case "stderr":
		l.stderr = true
	default:
		return criLine{}, fmt.Errorf("unknown stream %q", stream)
	}
	tags, text, _ := bytes.Cut(rest, []byte(" "))
	tag, _, _ := bytes.Cut(tags, []byte(":"))
	switch string(tag) {
	case "F":
	case "P":
		l.partial = true
	default:
		return criLine{}, fmt.Errorf("unknown tag %q", tags)
	}
	l.text = text
	return l, nil
}

// logFormatter turns entries into what `kubectl logs` prints: pieces of a
// line joined, each line ended by a newline and, with timestamps, started
// by the RFC3339Nano time of its first piece and a space (the kubelet's
// form). A line is kept or dropped whole, by its first piece: lines before
// since, and lines of the other stream when one stream is asked for.
type logFormatter struct {
	w          io.Writer
	timestamps bool
	since      time.Time
	stream     string // "Stdout", "Stderr" or "" for both
	// Per stream (stdout, stderr): inside a line begun by a P entry, and
	// whether that line is dropped.
	open, drop [2]bool
	// bad counts entries that did not parse; they are skipped, as the
	// kubelet skips them.
	bad int
}

func (f *logFormatter) entry(raw []byte) error {
	l, err := parseCRILine(raw)
	if err != nil {
		f.bad++
		return nil
	}
	i := 0
	if l.stderr {
		i = 1
	}
	if !f.open[i] {
		f.drop[i] = l.ts.Before(f.since) || (f.stream == "Stdout" && l.stderr) || (f.stream == "Stderr" && !l.stderr)
		if !f.drop[i] && f.timestamps {
			if _, err := io.WriteString(f.w, l.ts.Format(time.RFC3339Nano)+" "); err != nil {
				return err
			}
		}
	}
	f.open[i] = l.partial
	if f.drop[i] {
		return nil
	}
	if _, err := f.w.Write(l.text); err != nil {
		return err
	}
	if !l.partial {
		_, err = f.w.Write([]byte{'\n'})
	}
	return err
}

// tailStart returns the offset in a log of size bytes where its last n
// lines begin. Lines are counted as printed (pieces joined); a line still
// being written at the end counts as one.
func tailStart(r io.ReaderAt, size, n int64) (int64, error) {
	if n == 0 {
		return size, nil
	}
	var ends int64 // lines ended at or after the current entry
	start := int64(0)
	last := true
	err := reverseLines(r, size, func(off int64, line []byte) bool {
		l, err := parseCRILine(line)
		complete := err != nil || !l.partial
		if last {
			last = false
			if !complete {
				ends = 1
				return true
			}
		}
		if !complete {
			return true
		}
		if ends == n {
			start = off + int64(len(line)) + 1
			return false
		}
		ends++
		return true
	})
	return start, err
}

// reverseLines calls fn with each line of r (size bytes) and its offset,
// from the last line to the first, until fn returns false. Lines are given
// without their newline; an unterminated last line is given too.
func reverseLines(r io.ReaderAt, size int64, fn func(off int64, line []byte) bool) error {
	const block = 32 << 10
	var carry []byte // the start of a line is in a block not read yet
	pos := size
	for pos > 0 {
		n := min(block, pos)
		pos -= n
		buf := make([]byte, n, n+int64(len(carry)))
		if _, err := r.ReadAt(buf, pos); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read log backwards at %d: %w", pos, err)
		}
		buf = append(buf, carry...)
		for {
			i := bytes.LastIndexByte(buf, '\n')
			if i < 0 {
				carry = buf
				break
			}
			off := pos + int64(i) + 1
			// The empty "line" after the file's final newline is none.
			if off < size && !fn(off, buf[i+1:]) {
				return nil
			}
			buf = buf[:i]
		}
	}
	if len(carry) > 0 {
		fn(0, carry)
	}
	return nil
}

// errLimit ends a log stream that reached limitBytes.
var errLimit = errors.New("limitBytes reached")

// limitWriter passes on at most left bytes (left < 0: no limit), then
// fails with errLimit.
type limitWriter struct {
	w    io.Writer
	left int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.left < 0 {
		return l.w.Write(p)
	}
	if l.left == 0 {
		return 0, errLimit
	}
	cut := int64(len(p)) > l.left
	if cut {
		p = p[:l.left]
	}
	n, err := l.w.Write(p)
	l.left -= int64(n)
	if err == nil && cut {
		err = errLimit
	}
	return n, err
}
