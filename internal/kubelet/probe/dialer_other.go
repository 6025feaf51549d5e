//go:build !unix

package probe

import "net"

// newDialer is a plain dialer where socket options differ.
func newDialer() *net.Dialer { return &net.Dialer{} }
