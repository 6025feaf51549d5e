package kubelet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// minGrace is the least time a container gets between its stop signal and
// the kill, after its preStop hook (the kubelet's minimum).
const minGrace = 2 * time.Second

// killAll stops containers within grace: regular containers in parallel,
// then sidecars one by one in reverse order, each with what is left of the
// grace period, as the kubelet stops a pod.
func (a *Agent) killAll(ctx context.Context, pod *corev1.Pod, podIP string, kills []killAction, grace time.Duration) {
	if len(kills) == 0 {
		return
	}
	start := a.clock.Now()
	var regular, sidecars []killAction
	for _, k := range kills {
		if k.spec != nil && isSidecar(k.spec) {
			sidecars = append(sidecars, k)
		} else {
			regular = append(regular, k)
		}
	}
	var wg sync.WaitGroup
	for _, k := range regular {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := grace
			if k.grace != nil {
				g = *k.grace
			}
			a.killOne(ctx, pod, podIP, k, g)
		}()
	}
	wg.Wait()
	slices.SortFunc(sidecars, func(x, y killAction) int { return sidecarIndex(pod, y.spec.Name) - sidecarIndex(pod, x.spec.Name) })
	for _, k := range sidecars {
		a.killOne(ctx, pod, podIP, k, max(0, grace-a.clock.Since(start)))
	}
}

func sidecarIndex(pod *corev1.Pod, name string) int {
	if pod == nil {
		return 0
	}
	return slices.IndexFunc(pod.Spec.InitContainers, func(c corev1.Container) bool { return c.Name == name })
}

// killOne runs the container's preStop hook within grace, then stops it
// with what is left (at least minGrace) before the kill.
func (a *Agent) killOne(ctx context.Context, pod *corev1.Pod, podIP string, k killAction, grace time.Duration) {
	if pod != nil {
		a.event(pod, k.c.name, corev1.EventTypeNormal, "Killing", k.msg)
	}
	start := a.clock.Now()
	if pod != nil && k.spec != nil && k.spec.Lifecycle != nil && k.spec.Lifecycle.PreStop != nil && grace > 0 {
		hctx, cancel := context.WithTimeout(ctx, grace)
		msg, err := a.probes.RunHandler(hctx, podIP, k.c.id, k.spec.Lifecycle.PreStop)
		cancel()
		if err != nil {
			if msg == "" {
				msg = err.Error()
			}
			a.event(pod, k.c.name, corev1.EventTypeWarning, "FailedPreStopHook", msg)
		}
	}
	left := grace - a.clock.Since(start)
	if grace > 0 && left < minGrace {
		left = minGrace
	}
	if err := a.rt.StopContainer(ctx, k.c.id, max(0, left)); err != nil && !isNotFound(err) {
		a.log.Warn("stop container", "pod", podKey(pod), "container", k.c.name, "id", k.c.id, "err", err)
	}
}

func dedupeKills(kills []killAction) []killAction {
	seen := map[string]bool{}
	out := kills[:0:0]
	for _, k := range kills {
		if !seen[k.c.id] {
			seen[k.c.id] = true
			out = append(out, k)
		}
	}
	return out
}

// runningKills plans the stop of every running container of rt.
func runningKills(pod *corev1.Pod, rt *podRuntime) []killAction {
	var out []killAction
	for _, c := range rt.containers {
		if c.running() || c.state == stateUnknown {
			out = append(out, killAction{c: c, spec: specOf(pod, c.name), msg: "Stopping container " + c.name})
		}
	}
	return out
}

// terminatePod finishes a graceful deletion, in the kubelet's order:
// preStop hooks and stop signals within the grace period, the final
// status, the sandbox stopped and removed, volumes torn down, and the
// pod object deleted for good (grace 0, only this UID).
func (a *Agent) terminatePod(ctx context.Context, w *podWorker, pod *corev1.Pod) error {
	rt, err := a.obs.observe(ctx, pod.UID)
	if err != nil {
		return err
	}
	a.killAll(ctx, pod, firstIP(currentSandbox(pod, rt)), runningKills(pod, rt), podGrace(pod))
	a.probes.Remove(pod.UID)
	if rt, err = a.obs.observe(ctx, pod.UID); err != nil {
		return err
	}
	a.readMessages(pod, rt)
	if !terminalPhase(pod.Status.Phase) {
		if err := a.report(ctx, w, pod, rt, true); err != nil {
			a.log.Warn("final pod status", "pod", podKey(pod), "err", err)
		}
	}
	if err := a.removeRuntime(ctx, rt); err != nil {
		return err
	}
	if err := a.removeFiles(ctx, pod.UID); err != nil {
		return err
	}
	uid := pod.UID
	err = a.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptrTo(int64(0)), Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod %s: %w", podKey(pod), err)
	}
	return nil
}

// finishPod keeps a pod that reached Succeeded or Failed stopped: its
// containers (sidecars) and sandbox stop and its volumes go, while its
// exited containers stay for their logs until the pod is deleted.
func (a *Agent) finishPod(ctx context.Context, w *podWorker, pod *corev1.Pod) error {
	if w.finished {
		return nil
	}
	rt, err := a.obs.observe(ctx, pod.UID)
	if err != nil {
		return err
	}
	a.killAll(ctx, pod, firstIP(currentSandbox(pod, rt)), runningKills(pod, rt), podGrace(pod))
	a.probes.Remove(pod.UID)
	var errs []error
	for _, sb := range rt.sandboxes {
		if sb.ready {
			if err := a.rt.StopPodSandbox(ctx, sb.id); err != nil && !isNotFound(err) {
				errs = append(errs, err)
			}
		}
	}
	if err := a.cfg.Volumes.Teardown(ctx, pod.UID); err != nil {
		errs = append(errs, fmt.Errorf("volumes: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	a.collectGarbage(ctx, pod, rt)
	w.finished = true
	return nil
}

// cleanupPod removes what is left of a pod the API no longer has (deleted
// by force, or while the agent was down): its containers are stopped with
// the grace period last seen, then everything goes. It reports whether
// the pod is gone for good.
func (a *Agent) cleanupPod(ctx context.Context, w *podWorker) (bool, error) {
	rt, err := a.obs.observe(ctx, w.uid)
	if err != nil {
		return false, err
	}
	if !rt.empty() {
		a.log.Info("removing pod the API no longer has", "pod", podName(nil, w), "uid", w.uid, "runtime", rt)
	}
	grace := minGrace
	if w.lastPod != nil {
		grace = podGrace(w.lastPod)
	}
	a.killAll(ctx, w.lastPod, firstIP(rt.readySandbox()), runningKills(w.lastPod, rt), grace)
	a.probes.Remove(w.uid)
	if err := a.removeRuntime(ctx, rt); err != nil {
		return false, err
	}
	if err := a.removeFiles(ctx, w.uid); err != nil {
		return false, err
	}
	return true, nil
}

// removeRuntime stops and removes every sandbox and container of rt.
func (a *Agent) removeRuntime(ctx context.Context, rt *podRuntime) error {
	var errs []error
	inSandbox := map[string]bool{}
	for _, sb := range rt.sandboxes {
		inSandbox[sb.id] = true
		if err := a.rt.StopPodSandbox(ctx, sb.id); err != nil && !isNotFound(err) {
			errs = append(errs, err)
			continue
		}
		if err := a.rt.RemovePodSandbox(ctx, sb.id); err != nil && !isNotFound(err) {
			errs = append(errs, err)
			continue
		}
		a.obs.forget(sb.id)
	}
	for _, c := range rt.containers {
		if !inSandbox[c.sandboxID] {
			if err := a.rt.RemoveContainer(ctx, c.id); err != nil && !isNotFound(err) {
				errs = append(errs, err)
			}
		}
		a.obs.forget(c.id)
	}
	return errors.Join(errs...)
}

// removeFiles tears down the pod's volumes and removes its directory and
// logs.
func (a *Agent) removeFiles(ctx context.Context, uid types.UID) error {
	if err := a.cfg.Volumes.Teardown(ctx, uid); err != nil {
		return fmt.Errorf("volumes: %w", err)
	}
	dir := filepath.Join(a.podsDir(), string(uid))
	if mounts, err := mountsBelow(dir); err != nil || len(mounts) > 0 {
		return fmt.Errorf("pod dir %s still has mounts %v (%v); not removing it", dir, mounts, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("pod dir: %w", err)
	}
	logs, _ := filepath.Glob(filepath.Join(a.logsDir(), "*_"+string(uid)))
	for _, dir := range logs {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("pod logs: %w", err)
		}
	}
	return nil
}

func podKey(pod *corev1.Pod) string {
	if pod == nil {
		return ""
	}
	return pod.Namespace + "/" + pod.Name
}
