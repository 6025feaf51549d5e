package criconfig

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

// objects is an in-memory Objects; fetches counts calls.
type objects struct {
	cms         map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
	allocatable corev1.ResourceList
	fail        error
	fetches     int
}

func (o *objects) ConfigMap(_ context.Context, ns, name string) (*corev1.ConfigMap, error) {
	o.fetches++
	if o.fail != nil {
		return nil, o.fail
	}
	if cm, ok := o.cms[ns+"/"+name]; ok {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
}

func (o *objects) Secret(_ context.Context, ns, name string) (*corev1.Secret, error) {
	o.fetches++
	if s, ok := o.secrets[ns+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

// withAllocatable is objects that also knows the node's allocatable.
type withAllocatable struct{ *objects }

func (w withAllocatable) NodeAllocatable() corev1.ResourceList { return w.allocatable }

func testObjects() *objects {
	return &objects{
		cms: map[string]*corev1.ConfigMap{"ns/cfg": {
			ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "ns"},
			Data:       map[string]string{"B": "b", "A": "a", "bad=key": "x", "log.level": "debug"},
		}},
		secrets: map[string]*corev1.Secret{"ns/creds": {
			ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "ns"},
			Data:       map[string][]byte{"user": []byte("admin"), "pass": []byte("s3cr$(et)")},
		}},
		allocatable: list("cpu=4,memory=8Gi,ephemeral-storage=100Gi"),
	}
}

func TestResolveEnv(t *testing.T) {
	cmKey := func(name, key string, optional bool) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: &optional}}
	}
	secretKey := func(name, key string, optional bool) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: &optional}}
	}
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}
	}
	res := func(r, divisor, container string) *corev1.EnvVarSource {
		s := &corev1.ResourceFieldSelector{Resource: r, ContainerName: container}
		if divisor != "" {
			s.Divisor = list("d=" + divisor)["d"]
		}
		return &corev1.EnvVarSource{ResourceFieldRef: s}
	}
	cmRef := func(name, prefix string, optional bool) corev1.EnvFromSource {
		return corev1.EnvFromSource{Prefix: prefix, ConfigMapRef: &corev1.ConfigMapEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Optional: &optional}}
	}
	secretRef := func(name, prefix string) corev1.EnvFromSource {
		return corev1.EnvFromSource{Prefix: prefix, SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}
	}
	cases := []struct {
		name     string
		env      []corev1.EnvVar
		envFrom  []corev1.EnvFromSource
		noAlloc  bool
		want     []corev1.EnvVar
		err      string
		notFound bool
	}{{
		name: "values expand earlier variables only",
		env: []corev1.EnvVar{{Name: "A", Value: "x"}, {Name: "B", Value: "$(A)-$(C)-$$(A)"}, {Name: "C", Value: "c"},
			{Name: "A", Value: "y"}},
		want: []corev1.EnvVar{{Name: "A", Value: "y"}, {Name: "B", Value: "x-$(C)-$(A)"}, {Name: "C", Value: "c"}},
	}, {
		name:    "envFrom sorted and prefixed, invalid keys skipped, env overrides in place",
		envFrom: []corev1.EnvFromSource{cmRef("cfg", "", false), secretRef("creds", "DB_")},
		env:     []corev1.EnvVar{{Name: "A", Value: "override $(B)"}, {Name: "Z", Value: "$(DB_pass)"}},
		want: []corev1.EnvVar{{Name: "A", Value: "override b"}, {Name: "B", Value: "b"}, {Name: "log.level", Value: "debug"},
			{Name: "DB_pass", Value: "s3cr$(et)"}, {Name: "DB_user", Value: "admin"}, {Name: "Z", Value: "s3cr$(et)"}},
	}, {
		name:    "optional envFrom that does not exist adds nothing",
		envFrom: []corev1.EnvFromSource{cmRef("nope", "", true)},
		want:    []corev1.EnvVar{},
	}, {
		name:     "required envFrom that does not exist",
		envFrom:  []corev1.EnvFromSource{cmRef("nope", "", false)},
		err:      `configmap "nope" not found`,
		notFound: true,
	}, {
		name: "configMap and secret keys, not expanded",
		env: []corev1.EnvVar{{Name: "A", ValueFrom: cmKey("cfg", "A", false)}, {Name: "P", ValueFrom: secretKey("creds", "pass", false)},
			{Name: "O1", ValueFrom: cmKey("cfg", "missing", true)}, {Name: "O2", ValueFrom: cmKey("nope", "k", true)},
			{Name: "O3", ValueFrom: secretKey("nope", "k", true)}},
		want: []corev1.EnvVar{{Name: "A", Value: "a"}, {Name: "P", Value: "s3cr$(et)"}},
	}, {
		name:     "missing configMap",
		env:      []corev1.EnvVar{{Name: "A", ValueFrom: cmKey("nope", "A", false)}},
		err:      `configmap "nope" not found`,
		notFound: true,
	}, {
		name: "missing configMap key",
		env:  []corev1.EnvVar{{Name: "A", ValueFrom: cmKey("cfg", "nokey", false)}},
		err:  "couldn't find key nokey in ConfigMap ns/cfg",
	}, {
		name:     "missing secret",
		env:      []corev1.EnvVar{{Name: "A", ValueFrom: secretKey("nope", "k", false)}},
		err:      `secret "nope" not found`,
		notFound: true,
	}, {
		name: "missing secret key",
		env:  []corev1.EnvVar{{Name: "A", ValueFrom: secretKey("creds", "k", false)}},
		err:  "couldn't find key k in Secret ns/creds",
	}, {
		name: "fieldRefs",
		env: []corev1.EnvVar{{Name: "N", ValueFrom: field("metadata.name")}, {Name: "NS", ValueFrom: field("metadata.namespace")},
			{Name: "U", ValueFrom: field("metadata.uid")}, {Name: "L", ValueFrom: field("metadata.labels['app']")},
			{Name: "AN", ValueFrom: field("metadata.annotations['team']")}, {Name: "NODE", ValueFrom: field("spec.nodeName")},
			{Name: "SA", ValueFrom: field("spec.serviceAccountName")}, {Name: "H", ValueFrom: field("status.hostIP")},
			{Name: "HS", ValueFrom: field("status.hostIPs")}, {Name: "IP", ValueFrom: field("status.podIP")},
			{Name: "IPS", ValueFrom: field("status.podIPs")}, {Name: "X", Value: "$(IP)"}},
		want: []corev1.EnvVar{{Name: "N", Value: "web"}, {Name: "NS", Value: "ns"}, {Name: "U", Value: "u-1"}, {Name: "L", Value: "web"},
			{Name: "AN", Value: "a"}, {Name: "NODE", Value: "n1"}, {Name: "SA", Value: "default"}, {Name: "H", Value: "192.168.1.5"},
			{Name: "HS", Value: "192.168.1.5"}, {Name: "IP", Value: "10.42.0.7"}, {Name: "IPS", Value: "10.42.0.7,fd00::7"},
			{Name: "X", Value: "10.42.0.7"}},
	}, {
		name: "unsupported fieldRef",
		env:  []corev1.EnvVar{{Name: "P", ValueFrom: field("status.phase")}},
		err:  "field label not supported: status.phase",
	}, {
		name: "resourceFieldRefs: rounded up, divisors, another container, limits default to allocatable",
		env: []corev1.EnvVar{{Name: "RC", ValueFrom: res("requests.cpu", "", "")}, {Name: "RCM", ValueFrom: res("requests.cpu", "1m", "")},
			{Name: "LM", ValueFrom: res("limits.memory", "1Mi", "")}, {Name: "LC", ValueFrom: res("limits.cpu", "", "")},
			{Name: "LE", ValueFrom: res("limits.ephemeral-storage", "1Gi", "")}, {Name: "SC", ValueFrom: res("requests.memory", "1k", "side")},
			{Name: "HP", ValueFrom: res("limits.hugepages-2Mi", "", "")}},
		want: []corev1.EnvVar{{Name: "RC", Value: "1"}, {Name: "RCM", Value: "250"}, {Name: "LM", Value: "128"}, {Name: "LC", Value: "4"},
			{Name: "LE", Value: "100"}, {Name: "SC", Value: "2"}, {Name: "HP", Value: "0"}},
	}, {
		name:    "unset limit and no allocatable",
		env:     []corev1.EnvVar{{Name: "LC", ValueFrom: res("limits.cpu", "", "")}},
		noAlloc: true,
		err:     `resourceFieldRef limits.cpu: container "app" sets no cpu limit and the node's allocatable cpu is not known`,
	}, {
		name: "unknown container",
		env:  []corev1.EnvVar{{Name: "X", ValueFrom: res("limits.cpu", "", "nope")}},
		err:  "container nope not found",
	}, {
		name: "unsupported resource",
		env:  []corev1.EnvVar{{Name: "X", ValueFrom: res("limits.gpu", "", "")}},
		err:  "unsupported container resource : limits.gpu",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod(func(p *corev1.Pod) {
				p.Labels, p.Annotations = map[string]string{"app": "web"}, map[string]string{"team": "a"}
				p.Spec.ServiceAccountName = "default"
				p.Spec.Containers[0].Env, p.Spec.Containers[0].EnvFrom = tc.env, tc.envFrom
				p.Spec.Containers[0].Resources = resources("cpu=250m,memory=100Mi", "memory=128Mi")
				p.Spec.InitContainers = []corev1.Container{{Name: "side", Resources: resources("memory=1500", "")}}
			})
			var objs Objects = withAllocatable{testObjects()}
			if tc.noAlloc {
				objs = testObjects()
			}
			got, err := ResolveEnv(context.Background(), objs, pod, &pod.Spec.Containers[0], "192.168.1.5", []string{"fd00::7", "10.42.0.7"})
			if tc.notFound && !apierrors.IsNotFound(err) {
				t.Errorf("error %v is not NotFound", err)
			}
			if wantErr(t, err, tc.err) {
				return
			}
			sameAs(t, got, tc.want)
		})
	}
}

func TestResolveEnvFetchesOnceAndWrapsFailures(t *testing.T) {
	objs := testObjects()
	pod := testPod(func(p *corev1.Pod) {
		src := &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Key: "A"}}
		p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", ValueFrom: src}, {Name: "B", ValueFrom: src}}
		p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}}
	})
	if _, err := ResolveEnv(context.Background(), objs, pod, &pod.Spec.Containers[0], "", nil); err != nil {
		t.Fatal(err)
	}
	if objs.fetches != 1 {
		t.Errorf("fetched %d times, want 1", objs.fetches)
	}
	boom := errors.New("connection refused")
	objs.fail = boom
	_, err := ResolveEnv(context.Background(), objs, pod, &pod.Spec.Containers[0], "", nil)
	if !errors.Is(err, boom) || err.Error() != `get configmap "cfg": connection refused` {
		t.Errorf("err = %v", err)
	}
	optional := testPod(func(p *corev1.Pod) {
		p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Optional: ptr.To(true)}}}
	})
	if _, err := ResolveEnv(context.Background(), objs, optional, &optional.Spec.Containers[0], "", nil); !errors.Is(err, boom) {
		t.Errorf("optional source, failing fetch: err = %v, want the failure (only NotFound is optional)", err)
	}
}

func TestPodFieldValue(t *testing.T) {
	pod := testPod(func(p *corev1.Pod) {
		p.Labels = map[string]string{"b": "2", "a": `q"1`}
		p.Annotations = map[string]string{"x": "y"}
	})
	cases := []struct {
		version, path, want, err string
	}{
		{"", "metadata.labels", "a=\"q\\\"1\"\nb=\"2\"", ""},
		{"v1", "metadata.annotations", `x="y"`, ""},
		{"v1", "metadata.labels['missing']", "", ""},
		{"v1", "spec.nodeName", "n1", ""},
		{"v1", "status.podIP", "", ""},
		{"v2", "metadata.name", "", "unsupported pod version: v2"},
		{"v1", "spec.restartPolicy", "", "field label not supported: spec.restartPolicy"},
		{"v1", "metadata.foo['x']", "", "field label not supported"},
	}
	for _, tc := range cases {
		got, err := PodFieldValue(pod, tc.version, tc.path, "10.0.0.1", nil)
		if wantErr(t, err, tc.err) {
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestSortIPs(t *testing.T) {
	cases := []struct {
		ips    []string
		nodeIP string
		want   []string
	}{
		{[]string{"fd00::1", "10.0.0.1"}, "192.168.0.1", []string{"10.0.0.1", "fd00::1"}},
		{[]string{"10.0.0.1", "fd00::1"}, "fd00::9", []string{"fd00::1", "10.0.0.1"}},
		{[]string{"fd00::1", "10.0.0.1"}, "", []string{"fd00::1", "10.0.0.1"}},
	}
	for _, tc := range cases {
		sameAs(t, sortIPs(tc.ips, tc.nodeIP), tc.want)
	}
}
