package criconfig

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Objects gives ResolveEnv the ConfigMaps and Secrets a container's env
// names, from the pod's namespace. A missing object is an error for which
// apierrors.IsNotFound is true; ResolveEnv turns it into the kubelet's
// `configmap "x" not found` / `secret "x" not found`.
type Objects interface {
	ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error)
	Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
}

// NodeAllocatable is implemented by an Objects that knows the node's
// allocatable resources (node.Node.Allocatable). A resourceFieldRef to a
// cpu, memory or ephemeral-storage limit the container does not set then
// resolves to it, as in Kubernetes; without it that is an error.
type NodeAllocatable interface {
	NodeAllocatable() corev1.ResourceList
}

// ResolveEnv is the environment of container c: envFrom sources first (each
// source's keys in sorted order, with its prefix; keys that are no valid
// variable name are skipped, optional sources that do not exist add
// nothing), then env in order, a later definition of a name replacing the
// value but keeping the first one's place. An env value expands $(NAME) of
// the variables before it; values from configMapKeyRef, secretKeyRef,
// fieldRef and resourceFieldRef are taken as they are. nodeIP is
// status.hostIP; podIPs are status.podIPs.
//
// Service variables ({SVC}_SERVICE_HOST, ...) are not added: the cluster
// has no Services yet.
func ResolveEnv(ctx context.Context, objs Objects, pod *corev1.Pod, c *corev1.Container, nodeIP string, podIPs []string) ([]corev1.EnvVar, error) {
	r := &resolver{ctx: ctx, objs: objs, pod: pod, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}}
	if na, ok := objs.(NodeAllocatable); ok {
		r.allocatable = na.NodeAllocatable()
	}
	env := &envSet{values: map[string]string{}}
	for _, from := range c.EnvFrom {
		data, err := r.source(from)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if name := from.Prefix + k; len(validation.IsRelaxedEnvVarName(name)) == 0 {
				env.set(name, data[k])
			}
		}
	}
	for i := range c.Env {
		v := &c.Env[i]
		value, ok, err := r.value(v, c, env, nodeIP, podIPs)
		if err != nil {
			return nil, err
		}
		if ok {
			env.set(v.Name, value)
		}
	}
	return env.list(), nil
}

// envSet keeps variables in the order they were first defined.
type envSet struct {
	names  []string
	values map[string]string
}

func (e *envSet) set(name, value string) {
	if _, ok := e.values[name]; !ok {
		e.names = append(e.names, name)
	}
	e.values[name] = value
}

func (e *envSet) lookup(name string) (string, bool) {
	v, ok := e.values[name]
	return v, ok
}

func (e *envSet) list() []corev1.EnvVar {
	out := make([]corev1.EnvVar, len(e.names))
	for i, n := range e.names {
		out[i] = corev1.EnvVar{Name: n, Value: e.values[n]}
	}
	return out
}

// resolver fetches each ConfigMap and Secret once per call.
type resolver struct {
	ctx         context.Context
	objs        Objects
	pod         *corev1.Pod
	allocatable corev1.ResourceList
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
}

// source is an envFrom source's data; nil for an optional source that does
// not exist.
func (r *resolver) source(from corev1.EnvFromSource) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := r.configMap(from.ConfigMapRef.Name, from.ConfigMapRef.Optional)
		if err != nil || cm == nil {
			return nil, err
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		s, err := r.secret(from.SecretRef.Name, from.SecretRef.Optional)
		if err != nil || s == nil {
			return nil, err
		}
		data := make(map[string]string, len(s.Data))
		for k, v := range s.Data {
			data[k] = string(v)
		}
		return data, nil
	}
	return nil, nil
}

// value is one env var's value; ok is false when an optional reference
// is missing and the variable is left out.
func (r *resolver) value(v *corev1.EnvVar, c *corev1.Container, env *envSet, nodeIP string, podIPs []string) (string, bool, error) {
	from := v.ValueFrom
	if from == nil {
		return expand(v.Value, env.lookup), true, nil
	}
	switch {
	case from.FieldRef != nil:
		s, err := PodFieldValue(r.pod, from.FieldRef.APIVersion, from.FieldRef.FieldPath, nodeIP, podIPs)
		return s, err == nil, err
	case from.ResourceFieldRef != nil:
		s, err := ResourceFieldValue(r.pod, c, from.ResourceFieldRef, r.allocatable)
		return s, err == nil, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := r.configMap(ref.Name, ref.Optional)
		if err != nil || cm == nil {
			return "", false, err
		}
		s, ok := cm.Data[ref.Key]
		if !ok && !isTrue(ref.Optional) {
			return "", false, fmt.Errorf("couldn't find key %v in ConfigMap %v/%v", ref.Key, r.pod.Namespace, ref.Name)
		}
		return s, ok, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		sec, err := r.secret(ref.Name, ref.Optional)
		if err != nil || sec == nil {
			return "", false, err
		}
		b, ok := sec.Data[ref.Key]
		if !ok && !isTrue(ref.Optional) {
			return "", false, fmt.Errorf("couldn't find key %v in Secret %v/%v", ref.Key, r.pod.Namespace, ref.Name)
		}
		return string(b), ok, nil
	}
	return "", false, fmt.Errorf("env var %q: valueFrom names no source", v.Name)
}

// configMap fetches a ConfigMap once; nil, nil for a missing optional one.
func (r *resolver) configMap(name string, optional *bool) (*corev1.ConfigMap, error) {
	if cm, ok := r.configMaps[name]; ok {
		return cm, nil
	}
	cm, err := r.objs.ConfigMap(r.ctx, r.pod.Namespace, name)
	if err != nil {
		return nil, missing(err, "configmap", name, optional)
	}
	r.configMaps[name] = cm
	return cm, nil
}

func (r *resolver) secret(name string, optional *bool) (*corev1.Secret, error) {
	if s, ok := r.secrets[name]; ok {
		return s, nil
	}
	s, err := r.objs.Secret(r.ctx, r.pod.Namespace, name)
	if err != nil {
		return nil, missing(err, "secret", name, optional)
	}
	r.secrets[name] = s
	return s, nil
}

// missing is the error for a failed fetch: none for an optional object
// that does not exist, the kubelet's `configmap "x" not found` for a
// required one (still IsNotFound), else the fetch's own error.
func missing(err error, resource, name string, optional *bool) error {
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("get %s %q: %w", resource, name, err)
	}
	if isTrue(optional) {
		return nil
	}
	return apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
}

func isTrue(b *bool) bool { return b != nil && *b }
