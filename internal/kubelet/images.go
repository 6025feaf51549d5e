package kubelet

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// imageError is a failure to get a container's image, with its waiting
// reason (ErrImagePull, ImagePullBackOff, ErrImageNeverPull, ...).
type imageError struct {
	reason, msg string
}

func (e *imageError) Error() string { return e.reason + ": " + e.msg }

// ensureImage makes sure the container's image is present under its pull
// policy and returns the image ID to run, with the kubelet's events:
// Pulling, Pulled, Failed, BackOff, ErrImageNeverPull.
func (a *Agent) ensureImage(ctx context.Context, w *podWorker, pod *corev1.Pod, c *corev1.Container, sbCfg *criapi.PodSandboxConfig) (string, error) {
	img, err := a.rt.ImageStatus(ctx, c.Image)
	if err != nil {
		msg := fmt.Sprintf("Failed to inspect image %q: %v", c.Image, grpcMessage(err))
		a.event(pod, c.Name, corev1.EventTypeWarning, "InspectFailed", msg)
		return "", &imageError{reason: "ImageInspectError", msg: msg}
	}
	policy := pullPolicy(c)
	if img != nil && policy != corev1.PullAlways {
		a.event(pod, c.Name, corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", c.Image))
		return img.Id, nil
	}
	if policy == corev1.PullNever {
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", c.Image)
		a.event(pod, c.Name, corev1.EventTypeWarning, "ErrImageNeverPull", msg)
		return "", &imageError{reason: "ErrImageNeverPull", msg: msg}
	}
	now := a.clock.Now()
	if wait := w.pulls.wait(c.Image, w.pullErr[c.Image], now); wait > 0 {
		msg := fmt.Sprintf("Back-off pulling image %q", c.Image)
		a.event(pod, c.Name, corev1.EventTypeNormal, "BackOff", msg)
		return "", &imageError{reason: "ImagePullBackOff", msg: msg}
	}
	a.event(pod, c.Name, corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", c.Image))
	ref, err := a.rt.PullImage(ctx, c.Image, nil, sbCfg)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		w.pulls.next(c.Image, now, a.clock.Now())
		w.pullErr[c.Image] = a.clock.Now()
		msg := fmt.Sprintf("Failed to pull image %q: %s", c.Image, grpcMessage(err))
		if a.cfg.InRegistry != nil {
			if found, lerr := a.cfg.InRegistry(ctx, c.Image); lerr == nil && !found {
				msg = fmt.Sprintf("Failed to pull image %q: not found: the cluster's registry has no %s (push it with skiff image push); the runtime said: %s",
					c.Image, c.Image, grpcMessage(err))
			}
		}
		a.event(pod, c.Name, corev1.EventTypeWarning, "Failed", msg)
		return "", &imageError{reason: "ErrImagePull", msg: msg}
	}
	w.pulls.forget(c.Image)
	delete(w.pullErr, c.Image)
	took := a.clock.Since(now).Round(time.Millisecond)
	a.event(pod, c.Name, corev1.EventTypeNormal, "Pulled",
		fmt.Sprintf("Successfully pulled image %q in %v (%v including waiting)", c.Image, took, took))
	return ref, nil
}

// pullPolicy is the container's imagePullPolicy, or the API's default:
// Always for an image tagged latest or not tagged, else IfNotPresent.
func pullPolicy(c *corev1.Container) corev1.PullPolicy {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy
	}
	if imageTag(c.Image) == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag is the image reference's tag: "latest" when it has none and no
// digest either, "" for a digest reference.
func imageTag(ref string) string {
	if strings.Contains(ref, "@") {
		return ""
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		return last[i+1:]
	}
	return "latest"
}
