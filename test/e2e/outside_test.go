package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
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
	ns := fmt.Sprintf("skiff-e2e-out%d", os.Getpid())
	hostIf, nsIf := fmt.Sprintf("vsko%d", os.Getpid()), fmt.Sprintf("vski%d", os.Getpid())
	hostEnd, nsEnd := outsideAddrs(t)
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

// outsideNet is where outsideServer's /30 comes from: TEST-NET-2, a
// documentation range. (TEST-NET-1 was used first, but some machines have
// their own uplink in it; a /30 on its gateway's or their address sent
// the test's connections to the host itself.)
var outsideNet = netip.MustParsePrefix("198.51.100.0/24")

// outsideAddrs picks a /30 of outsideNet, varied by PID so that parallel
// runs differ, that holds no address of this host or of a route's
// gateway, and returns its host and namespace ends.
func outsideAddrs(t *testing.T) (hostEnd, nsEnd string) {
	t.Helper()
	taken := map[netip.Addr]bool{}
	ifAddrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range ifAddrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			taken[p.Addr()] = true
		}
	}
	if out, err := exec.Command("ip", "-4", "route", "show", "table", "all").Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if a, err := netip.ParseAddr(f); err == nil {
				taken[a] = true
			}
		}
	}
	base := outsideNet.Addr().As4()
	for i := range 64 {
		block := (os.Getpid() + i) % 64
		ends := make([]netip.Addr, 4)
		free := true
		for j := range ends {
			a := base
			a[3] = byte(4*block + j)
			ends[j] = netip.AddrFrom4(a)
			free = free && !taken[ends[j]]
		}
		if free {
			return ends[1].String(), ends[2].String()
		}
	}
	t.Fatalf("no free /30 in %s for the outside server", outsideNet)
	return "", ""
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
