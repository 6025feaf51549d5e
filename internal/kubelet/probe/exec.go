package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
)

// probeExec runs the action's command in the container: exit code 0
// succeeds, any other fails with the command's output (at most 10 KiB),
// and a command that outlives the timeout fails as timed out.
func probeExec(ctx context.Context, rt Runtime, a *corev1.ExecAction, c *corev1.Container, containerID string, timeout time.Duration) (result, string, error) {
	if rt == nil {
		return unknown, "", errors.New("no container runtime to exec in")
	}
	cmd := expandCommand(a.Command, c)
	// The runtime enforces timeout; the context's own deadline, a little
	// later, only guards against a runtime that does not.
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	stdout, stderr, code, err := rt.ExecSync(ctx, containerID, cmd, timeout)
	if err != nil {
		if isTimeout(err) {
			return failure, fmt.Sprintf("command %q timed out", strings.Join(cmd, " ")), nil
		}
		return unknown, "", fmt.Errorf("exec %v: %w", cmd, err)
	}
	out := capOutput(stdout, stderr)
	if code != 0 {
		return failure, out, nil
	}
	return success, out, nil
}

// isTimeout says whether a runtime error means the command ran out of
// time, however the runtime said so.
func isTimeout(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded
}

// capOutput joins stdout and stderr, as a combined output would read,
// keeping the first maxBody bytes.
func capOutput(stdout, stderr []byte) string {
	out := make([]byte, 0, min(len(stdout)+len(stderr), maxBody))
	out = append(out, stdout[:min(len(stdout), maxBody)]...)
	out = append(out, stderr[:min(len(stderr), maxBody-len(out))]...)
	return string(out)
}

// expandCommand replaces $(NAME) in cmd with the container's env values
// given literally (not those from valueFrom, which only the container
// sees), as the kubelet expands probe commands; $$ stands for $, and a
// reference to an unknown name stays as written.
func expandCommand(cmd []string, c *corev1.Container) []string {
	if c == nil || len(c.Env) == 0 {
		return cmd
	}
	vars := make(map[string]string, len(c.Env))
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			vars[e.Name] = e.Value
		}
	}
	out := make([]string, len(cmd))
	for i, arg := range cmd {
		out[i] = expand(arg, vars)
	}
	return out
}

func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
