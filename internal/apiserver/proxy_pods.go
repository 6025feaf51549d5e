package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Pod streams: pods/log, exec, attach and portforward. Each is checked
// here against the pod (its containers, node and status) with the texts
// Kubernetes answers, then forwarded to the agent path the kubelet serves
// (/containerLogs, /exec, /attach, /portForward).

// defaultContainerAnnotation names the container kubectl picks when none
// is given; the server honours it too.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// isPodStream is true for the pod subresources this file serves.
func isPodStream(sub string) bool {
	switch sub {
	case "log", "exec", "attach", "portforward":
		return true
	}
	return false
}

// podStream is what one pod subresource request asks of the agent.
type podStream struct {
	path  string
	query url.Values
	mode  forwardMode
	// upgrade says only a connection upgrade makes sense (exec, attach,
	// port-forward).
	upgrade bool
	// noHost is a log request for a pod not yet scheduled: an empty log.
	noHost bool
}

// servePodStream serves a pod stream subresource.
func (a *API) servePodStream(w http.ResponseWriter, r *http.Request, info requestInfo) error {
	allowed := info.Verb == "get" || (info.Verb == "create" && info.Subresource != "log")
	if !allowed {
		return statusError(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "the server does not allow this method on the requested resource")
	}
	pod, err := a.objects.pod(r.Context(), info.Namespace, info.Name, false)
	if err != nil {
		return err
	}
	st, err := planPodStream(pod, info.Subresource, r.URL.Query())
	if err != nil {
		return err
	}
	if st.noHost {
		writeBody(w, r, http.StatusOK, "text/plain", nil)
		return nil
	}
	if st.upgrade && !isUpgrade(r) {
		return apierrors.NewBadRequest("Upgrade request required")
	}
	node, err := a.objects.node(r.Context(), pod.Spec.NodeName, false)
	if err != nil {
		return err
	}
	target, err := kubeletURL(node)
	if err != nil {
		return err
	}
	target.Path, target.RawQuery = st.path, st.query.Encode()
	a.forward(w, r, node.Name, target, st.mode)
	return nil
}

// planPodStream decides what a request for subresource sub of pod asks of
// its agent, or why it cannot be served.
func planPodStream(pod *corev1.Pod, sub string, q url.Values) (podStream, error) {
	switch sub {
	case "log":
		return planLog(pod, q)
	case "exec", "attach":
		return planExec(pod, sub, q)
	case "portforward":
		return planPortForward(pod, q)
	}
	return podStream{}, notFoundPath()
}

func planLog(pod *corev1.Pod, q url.Values) (podStream, error) {
	opts, err := parseLogOptions(q)
	if err != nil {
		return podStream{}, apierrors.NewBadRequest(err.Error())
	}
	if errs := validateLogOptions(opts); len(errs) > 0 {
		return podStream{}, apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, pod.Name, errs)
	}
	container, err := podContainer(pod, opts.Container)
	if err != nil {
		return podStream{}, err
	}
	if pod.Spec.NodeName == "" {
		return podStream{noHost: true}, nil
	}
	if err := checkLogStatus(pod, container, opts.Previous); err != nil {
		return podStream{}, err
	}
	params := url.Values{}
	setFlag(params, "follow", opts.Follow, "true")
	setFlag(params, "previous", opts.Previous, "true")
	setFlag(params, "timestamps", opts.Timestamps, "true")
	if opts.SinceSeconds != nil {
		params.Set("sinceSeconds", strconv.FormatInt(*opts.SinceSeconds, 10))
	}
	if opts.SinceTime != nil {
		params.Set("sinceTime", opts.SinceTime.Format(time.RFC3339))
	}
	if opts.TailLines != nil {
		params.Set("tailLines", strconv.FormatInt(*opts.TailLines, 10))
	}
	if opts.LimitBytes != nil {
		params.Set("limitBytes", strconv.FormatInt(*opts.LimitBytes, 10))
	}
	return podStream{path: agentPath("containerLogs", pod, container), query: params, mode: forwardLog}, nil
}

func planExec(pod *corev1.Pod, sub string, q url.Values) (podStream, error) {
	container, err := podContainer(pod, q.Get("container"))
	if err != nil {
		return podStream{}, err
	}
	if p := pod.Status.Phase; p == corev1.PodSucceeded || p == corev1.PodFailed {
		what := "exec into"
		if sub == "attach" {
			what = "attach to"
		}
		return podStream{}, apierrors.NewBadRequest(fmt.Sprintf("cannot %s a container in a completed pod; current phase is %s", what, p))
	}
	if err := checkHost(pod); err != nil {
		return podStream{}, err
	}
	params := url.Values{}
	setFlag(params, "input", queryBool(q, "stdin"), "1")
	setFlag(params, "output", queryBool(q, "stdout"), "1")
	setFlag(params, "error", queryBool(q, "stderr"), "1")
	setFlag(params, "tty", queryBool(q, "tty"), "1")
	if sub == "exec" {
		params["command"] = q["command"]
	}
	return podStream{path: agentPath(sub, pod, container), query: params, upgrade: true}, nil
}

func planPortForward(pod *corev1.Pod, q url.Values) (podStream, error) {
	ports, err := parsePorts(q["ports"])
	if err != nil {
		return podStream{}, apierrors.NewBadRequest(err.Error())
	}
	if err := checkHost(pod); err != nil {
		return podStream{}, err
	}
	params := url.Values{}
	if len(ports) > 0 {
		params.Set("port", strings.Join(ports, ","))
	}
	return podStream{path: "/portForward/" + pod.Namespace + "/" + pod.Name, query: params, upgrade: true}, nil
}

func checkHost(pod *corev1.Pod) error {
	if pod.Spec.NodeName == "" {
		return apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	return nil
}

func agentPath(kind string, pod *corev1.Pod, container string) string {
	return "/" + kind + "/" + pod.Namespace + "/" + pod.Name + "/" + container
}

func setFlag(v url.Values, name string, on bool, value string) {
	if on {
		v.Set(name, value)
	}
}

// parseLogOptions reads PodLogOptions from a query the way Kubernetes'
// parameter conversion does (any boolean value but "false" and "0" is
// true).
func parseLogOptions(q url.Values) (*corev1.PodLogOptions, error) {
	opts := &corev1.PodLogOptions{
		Container:                    q.Get("container"),
		Follow:                       queryBool(q, "follow"),
		Previous:                     queryBool(q, "previous"),
		Timestamps:                   queryBool(q, "timestamps"),
		InsecureSkipTLSVerifyBackend: queryBool(q, "insecureSkipTLSVerifyBackend"),
	}
	ints := []struct {
		name string
		into **int64
	}{{"sinceSeconds", &opts.SinceSeconds}, {"tailLines", &opts.TailLines}, {"limitBytes", &opts.LimitBytes}}
	for _, p := range ints {
		if vals, ok := q[p.name]; ok {
			if err := runtime.Convert_Slice_string_To_Pointer_int64(&vals, p.into, nil); err != nil {
				return nil, err
			}
		}
	}
	if vals, ok := q["sinceTime"]; ok {
		if err := metav1.Convert_Slice_string_To_Pointer_v1_Time(&vals, &opts.SinceTime, nil); err != nil {
			return nil, err
		}
	}
	return opts, nil
}

func queryBool(q url.Values, name string) bool {
	vals := q[name]
	var b bool
	_ = runtime.Convert_Slice_string_To_bool(&vals, &b, nil) // never fails
	return b
}

// validateLogOptions: Kubernetes' ValidatePodLogOptions.
func validateLogOptions(o *corev1.PodLogOptions) field.ErrorList {
	var errs field.ErrorList
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *o.TailLines, "must be greater than or equal to 0"))
	}
	if o.LimitBytes != nil && *o.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *o.LimitBytes, "must be greater than 0"))
	}
	switch {
	case o.SinceSeconds != nil && o.SinceTime != nil:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case o.SinceSeconds != nil && *o.SinceSeconds < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *o.SinceSeconds, "must be greater than 0"))
	}
	return errs
}

// parsePorts reads the ports parameter: repeated, or comma-separated.
func parsePorts(vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(p, 10, 16)
			if err != nil {
				return nil, fmt.Errorf("cannot convert to []int32: %v", err)
			}
			out = append(out, strconv.FormatUint(n, 10))
		}
	}
	return out, nil
}

// podContainer resolves the container a request names: the named one,
// which must exist, or by default the one the default-container
// annotation names, or the pod's only container.
func podContainer(pod *corev1.Pod, name string) (string, error) {
	names := containerNames(pod)
	if name != "" {
		for _, n := range names {
			if n == name {
				return name, nil
			}
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
	}
	if def := pod.Annotations[defaultContainerAnnotation]; def != "" {
		for _, n := range names {
			if n == def {
				return def, nil
			}
		}
	}
	switch len(pod.Spec.Containers) {
	case 1:
		return pod.Spec.Containers[0].Name, nil
	case 0:
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, names))
}

// containerNames lists init, regular and ephemeral containers, in that
// order, as Kubernetes does in its messages.
func containerNames(pod *corev1.Pod) []string {
	var out []string
	for _, c := range pod.Spec.InitContainers {
		out = append(out, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		out = append(out, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		out = append(out, c.Name)
	}
	return out
}

// checkLogStatus refuses logs the container cannot have yet, from the
// status its agent last reported, with the kubelet's texts. A container
// the status does not mention yet is left to the agent.
func checkLogStatus(pod *corev1.Pod, container string, previous bool) error {
	st := containerStatus(pod, container)
	if st == nil {
		return nil
	}
	fail := func(format string, args ...any) error {
		return apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q ", container, pod.Name) + fmt.Sprintf(format, args...))
	}
	last := st.LastTerminationState.Terminated
	switch state := st.State; {
	case previous:
		if last == nil || last.ContainerID == "" {
			return apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", container, pod.Name))
		}
	case state.Running != nil:
	case state.Terminated != nil:
		if state.Terminated.ContainerID == "" && (last == nil || last.ContainerID == "") {
			return fail("is terminated")
		}
	case last != nil:
		if last.ContainerID == "" {
			return fail("is terminated")
		}
	case state.Waiting != nil:
		switch reason := state.Waiting.Reason; reason {
		case "ErrImagePull":
			return fail("is waiting to start: image can't be pulled")
		case "ImagePullBackOff":
			return fail("is waiting to start: trying and failing to pull image")
		default:
			return fail("is waiting to start: %s", reason)
		}
	default:
		return fail("is waiting to start - no logs yet")
	}
	return nil
}

func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}
