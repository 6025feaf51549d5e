package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// outsideServer stands in for the world beyond the node: a network
// namespace joined to the host by a veth pair, with a /30 of its own and
// no route back to any pod range, so a pod's packet gets an answer only
// if the node rewrote its source to the node's address. The server in
// it answers every HTTP request with "from <the client's address>". It
// returns the server's address and the host end's address.
func outsideServer(t *testing.T) (server, hostEnd string) {
	t.Helper()
	id := os.Getpid() % 60
	ns := fmt.Sprintf("skiff-e2e-out%d", os.Getpid())
	hostIf, nsIf := fmt.Sprintf("vsko%d", os.Getpid()), fmt.Sprintf("vski%d", os.Getpid())
	hostEnd = fmt.Sprintf("192.0.2.%d", 4*id+1)
	nsEnd := fmt.Sprintf("192.0.2.%d", 4*id+2)
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	ip("netns", "add", ns)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("delete netns %s: %v: %s", ns, err, out)
		}
	})
	ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", hostIf).Run() })
	ip("link", "set", nsIf, "netns", ns)
	ip("addr", "add", hostEnd+"/30", "dev", hostIf)
	ip("link", "set", hostIf, "up")
	ip("-n", ns, "addr", "add", nsEnd+"/30", "dev", nsIf)
	ip("-n", ns, "link", "set", nsIf, "up")

	ln := listenIn(t, "/run/netns/"+ns, net.JoinHostPort(nsEnd, "8081"))
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = bufio.NewReader(c).ReadString('\n')
				peer, _, _ := net.SplitHostPort(c.RemoteAddr().String())
				fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfrom %s\n", peer)
			}()
		}
	}()
	return ln.Addr().String(), hostEnd
}

// listenIn opens a TCP listener inside the network namespace at nsPath: a
// socket belongs to the namespace its thread was in when it was made, so
// one locked thread switches in, listens and switches back.
func listenIn(t *testing.T, nsPath, addr string) net.Listener {
	t.Helper()
	type result struct {
		ln  net.Listener
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			done <- result{err: err}
			return // the thread is unchanged: unlock on exit is fine
		}
		defer home.Close()
		target, err := os.Open(nsPath)
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("setns %s: %w", nsPath, err)}
			return
		}
		ln, lerr := net.Listen("tcp", addr)
		if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: it dies with this goroutine rather
			// than serve others from the wrong namespace.
			done <- result{ln: ln, err: fmt.Errorf("setns back: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{ln: ln, err: lerr}
	}()
	r := <-done
	if r.err != nil {
		if r.ln != nil {
			r.ln.Close()
		}
		t.Fatalf("listen on %s in %s: %v", addr, nsPath, r.err)
	}
	return r.ln
}
