//go:build unix

package probe

import (
	"net"
	"syscall"
)

// newDialer makes connections that close with a reset after at most a
// second of lingering: a node probing hundreds of containers every few
// seconds would otherwise fill its port range with TIME_WAIT sockets.
func newDialer() *net.Dialer {
	return &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptLinger(int(fd), syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 1})
		})
		if err != nil {
			return err
		}
		return serr
	}}
}
