package sim

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The env a container uses to script its simulated life.
const (
	// EnvExit is the exit code the container ends with; without it the
	// container runs until deleted.
	EnvExit = "SKIFF_SIM_EXIT"
	// EnvRun is how long it runs before it exits (a Go duration, default 0).
	EnvRun = "SKIFF_SIM_RUN"
)

// script is one container's simulated life.
type script struct {
	exits bool
	code  int32
	run   time.Duration
}

// scriptOf reads the container's literal env values (valueFrom is not
// resolved). A malformed value is an error the kubelet-like status shows.
func scriptOf(c *corev1.Container) (script, error) {
	var s script
	for _, e := range c.Env {
		switch e.Name {
		case EnvExit:
			code, err := strconv.ParseInt(e.Value, 10, 32)
			if err != nil {
				return s, fmt.Errorf("%s=%q is not an exit code", EnvExit, e.Value)
			}
			s.exits, s.code = true, int32(code)
		case EnvRun:
			d, err := time.ParseDuration(e.Value)
			if err != nil || d < 0 {
				return s, fmt.Errorf("%s=%q is not a duration", EnvRun, e.Value)
			}
			s.run = d
		}
	}
	return s, nil
}

// restarts says whether the kubelet restarts a container that exited with
// code under the pod's restart policy.
func restarts(policy corev1.RestartPolicy, code int32) bool {
	switch policy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return code != 0
	default:
		return true
	}
}
