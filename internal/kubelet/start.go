package kubelet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// runningSandbox is the sandbox containers start in, with the config it
// was made from (CRI wants it again for every container).
type runningSandbox struct {
	id  string
	cfg *criapi.PodSandboxConfig
	ips []string
}

// createSandbox runs a new sandbox for the pod and writes its /etc/hosts.
func (a *Agent) createSandbox(ctx context.Context, pod *corev1.Pod, attempt uint32) (*runningSandbox, error) {
	if err := mkdirAll(a.podLogDir(pod)); err != nil {
		return nil, err
	}
	cfg, err := a.sandboxConfig(pod, attempt)
	if err != nil {
		return nil, err
	}
	handler, err := a.runtimeHandler(ctx, pod)
	if err != nil {
		return nil, err
	}
	id, err := a.rt.RunPodSandbox(ctx, cfg, handler)
	if err != nil {
		return nil, err
	}
	a.obs.own(id, pod.UID)
	st, err := a.rt.PodSandboxStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	sb := &runningSandbox{id: id, cfg: cfg, ips: sandboxIPs(st)}
	if err := a.writeEtcHosts(pod, sb.ips); err != nil {
		return nil, err
	}
	return sb, nil
}

// sandboxConfig is criconfig's sandbox config with the labels the agent
// finds pods by and the attempt.
func (a *Agent) sandboxConfig(pod *corev1.Pod, attempt uint32) (*criapi.PodSandboxConfig, error) {
	cfg, err := a.cfg.Configs.Sandbox(pod, SandboxOptions{LogDirectory: a.podLogDir(pod), Hostname: pod.Spec.Hostname, PodCIDRs: a.cfg.PodCIDRs()})
	if err != nil {
		return nil, fmt.Errorf("sandbox config: %w", err)
	}
	if cfg.Metadata == nil {
		cfg.Metadata = &criapi.PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID)}
	}
	cfg.Metadata.Attempt = attempt
	cfg.Labels = withLabels(cfg.Labels, podLabels(pod))
	return cfg, nil
}

// runtimeHandler is the handler of the pod's RuntimeClass ("" = default).
func (a *Agent) runtimeHandler(ctx context.Context, pod *corev1.Pod) (string, error) {
	if pod.Spec.RuntimeClassName == nil || *pod.Spec.RuntimeClassName == "" {
		return "", nil
	}
	rc, err := a.cfg.Client.NodeV1().RuntimeClasses().Get(ctx, *pod.Spec.RuntimeClassName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("runtime class %q: %w", *pod.Spec.RuntimeClassName, err)
	}
	return rc.Handler, nil
}

// startContainer starts one instance of a container, as the kubelet: the
// image, the environment and config, create, start, then the postStart
// hook. A failure is kept as the container's waiting reason and told in
// an event.
func (a *Agent) startContainer(ctx context.Context, w *podWorker, pod *corev1.Pod, sb *runningSandbox, s startAction, mounts map[string]Mount) error {
	c := s.spec
	if sb == nil {
		return errors.New("no sandbox to start " + c.Name + " in")
	}
	if s.after != nil {
		w.backoff.next(c.Name, s.after.finishedAt, a.clock.Now())
	}
	fail := func(reason, msg string, err error) error {
		w.startErrs[c.Name] = startError{reason: reason, message: msg}
		a.event(pod, c.Name, corev1.EventTypeWarning, "Failed", "Error: "+reasonOrMessage(reason, msg))
		return fmt.Errorf("container %s: %s: %w", c.Name, reason, err)
	}
	image, err := a.ensureImage(ctx, w, pod, c, sb.cfg)
	if err != nil {
		var se *imageError
		if errors.As(err, &se) {
			w.startErrs[c.Name] = startError{reason: se.reason, message: se.msg}
			a.event(pod, c.Name, corev1.EventTypeWarning, "Failed", "Error: "+se.reason)
		}
		return err
	}
	env, err := a.cfg.Configs.ResolveEnv(ctx, pod, c, a.cfg.NodeIP, sb.ips)
	if err != nil {
		return fail("CreateContainerConfigError", err.Error(), err)
	}
	opts, err := a.containerFiles(pod, c, s.attempt)
	if err != nil {
		return fail("CreateContainerConfigError", err.Error(), err)
	}
	opts.Volumes, opts.Env, opts.Image = mounts, env, image
	cfg, err := a.cfg.Configs.Container(pod, c, opts)
	if err != nil {
		return fail("CreateContainerConfigError", err.Error(), err)
	}
	if cfg.Metadata == nil {
		cfg.Metadata = &criapi.ContainerMetadata{Name: c.Name}
	}
	cfg.Metadata.Attempt = uint32(s.attempt)
	cfg.Labels = withLabels(cfg.Labels, podLabels(pod), map[string]string{labelContainerName: c.Name})
	cfg.Annotations = withLabels(cfg.Annotations, map[string]string{annotRestartCount: strconv.Itoa(s.attempt)})
	id, err := a.rt.CreateContainer(ctx, sb.id, cfg, sb.cfg)
	if err != nil {
		return fail("CreateContainerError", grpcMessage(err), err)
	}
	a.obs.own(id, pod.UID)
	a.event(pod, c.Name, corev1.EventTypeNormal, "Created", "Created container "+c.Name)
	if err := a.rt.StartContainer(ctx, id); err != nil {
		return fail("RunContainerError", grpcMessage(err), err)
	}
	a.event(pod, c.Name, corev1.EventTypeNormal, "Started", "Started container "+c.Name)
	delete(w.startErrs, c.Name)
	if c.Lifecycle != nil && c.Lifecycle.PostStart != nil {
		return a.postStart(ctx, w, pod, c, id, firstOf(sb.ips))
	}
	return nil
}

// postStart runs the hook; when it fails the container is killed and
// restarted under the pod's restartPolicy, as in Kubernetes.
func (a *Agent) postStart(ctx context.Context, w *podWorker, pod *corev1.Pod, c *corev1.Container, id, podIP string) error {
	msg, err := a.probes.RunHandler(ctx, podIP, id, c.Lifecycle.PostStart)
	if err == nil {
		return nil
	}
	if msg == "" {
		msg = err.Error()
	}
	a.event(pod, c.Name, corev1.EventTypeWarning, "FailedPostStartHook", msg)
	w.startErrs[c.Name] = startError{reason: "PostStartHookError", message: msg}
	a.killOne(ctx, pod, podIP, killAction{c: &containerState{id: id, name: c.Name}, spec: c, msg: "FailedPostStartHook"}, podGrace(pod))
	return fmt.Errorf("container %s: postStart hook: %w", c.Name, err)
}

// containerFiles makes the container's log directory and termination-log
// file and names them in the options.
func (a *Agent) containerFiles(pod *corev1.Pod, c *corev1.Container, attempt int) (ContainerOptions, error) {
	o := ContainerOptions{RestartCount: attempt, LogPath: filepath.Join(c.Name, strconv.Itoa(attempt)+".log"), EtcHostsPath: a.etcHostsPath(pod.UID)}
	if err := mkdirAll(filepath.Join(a.podLogDir(pod), c.Name)); err != nil {
		return o, err
	}
	if c.TerminationMessagePath == "" {
		return o, nil
	}
	path := a.terminationLogPath(pod.UID, c.Name, attempt)
	if err := mkdirAll(filepath.Dir(path)); err != nil {
		return o, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o666)
	if err != nil {
		return o, fmt.Errorf("termination log: %w", err)
	}
	f.Close()
	// The container's user may be anyone; the umask must not narrow it.
	if err := os.Chmod(path, 0o666); err != nil {
		return o, fmt.Errorf("termination log: %w", err)
	}
	o.TerminationLogPath = path
	return o, nil
}

func podLabels(pod *corev1.Pod) map[string]string {
	return map[string]string{labelPodUID: string(pod.UID), labelPodName: pod.Name, labelPodNamespace: pod.Namespace}
}

// withLabels adds the entries of extra to m (allocating it if needed).
func withLabels(m map[string]string, extra ...map[string]string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	for _, e := range extra {
		for k, v := range e {
			m[k] = v
		}
	}
	return m
}

func reasonOrMessage(reason, msg string) string {
	if msg != "" {
		return msg
	}
	return reason
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
