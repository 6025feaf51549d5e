package server

import (
	"encoding/base64"
	"io"
	"sync"

	"golang.org/x/net/websocket"
	"k8s.io/apimachinery/pkg/util/remotecommand"
)

// channelConn is the server end of a remotecommand WebSocket. Every
// message carries one channel's data after a channel number: a byte, or in
// the base64 protocols an ASCII digit followed by base64 text. v5 adds a
// close signal: channel 255 with the number of the channel to close, which
// is how a client says its stdin ended.
//
// Messages for stdin and resize are passed on through pipes; the rest of
// what a client sends is dropped. Done closes when the client is gone.
type channelConn struct {
	ws          *websocket.Conn
	base64      bool
	closeSignal bool
	wmu         sync.Mutex // one message written at a time

	stdin, resize   *io.PipeReader
	stdinW, resizeW *io.PipeWriter
	wantStdin       bool
	done            chan struct{}
}

// newChannelConn starts reading ws; close stops it.
func newChannelConn(ws *websocket.Conn, base64, closeSignal, wantStdin bool) *channelConn {
	c := &channelConn{ws: ws, base64: base64, closeSignal: closeSignal, wantStdin: wantStdin, done: make(chan struct{})}
	c.stdin, c.stdinW = io.Pipe()
	c.resize, c.resizeW = io.Pipe()
	if base64 {
		ws.PayloadType = websocket.TextFrame
	} else {
		ws.PayloadType = websocket.BinaryFrame
	}
	go c.readLoop()
	return c
}

// readLoop hands each message to its channel until the socket fails or
// the client closes it, then ends stdin and resize.
func (c *channelConn) readLoop() {
	defer close(c.done)
	defer c.resizeW.Close()
	defer c.stdinW.Close()
	for {
		var msg []byte
		if err := websocket.Message.Receive(c.ws, &msg); err != nil {
			return
		}
		if len(msg) == 0 {
			continue
		}
		if c.closeSignal && msg[0] == remotecommand.StreamClose {
			if len(msg) == 2 && msg[1] == remotecommand.StreamStdIn {
				c.stdinW.Close()
			}
			continue
		}
		ch, data := msg[0], msg[1:]
		if c.base64 {
			ch -= '0'
			decoded := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
			n, err := base64.StdEncoding.Decode(decoded, data)
			if err != nil {
				continue
			}
			data = decoded[:n]
		}
		switch {
		case ch == remotecommand.StreamStdIn && c.wantStdin:
			// After the close signal this fails; the data has nowhere to go.
			_, _ = c.stdinW.Write(data)
		case ch == remotecommand.StreamResize:
			_, _ = c.resizeW.Write(data)
		}
	}
}

// write sends data on channel ch as one message.
func (c *channelConn) write(ch byte, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.base64 {
		return websocket.Message.Send(c.ws, string('0'+ch)+base64.StdEncoding.EncodeToString(data))
	}
	return websocket.Message.Send(c.ws, append([]byte{ch}, data...))
}

// channel is an io.Writer onto channel ch.
func (c *channelConn) channel(ch byte) io.Writer { return channelWriter{c, ch} }

type channelWriter struct {
	c  *channelConn
	ch byte
}

func (w channelWriter) Write(p []byte) (int, error) {
	if err := w.c.write(w.ch, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// close closes the socket and waits for the read loop to end. Closing
// the pipes' read ends first frees a loop blocked handing data to a
// reader that is gone.
func (c *channelConn) close() {
	c.stdin.Close()
	c.resize.Close()
	c.ws.Close()
	<-c.done
}
