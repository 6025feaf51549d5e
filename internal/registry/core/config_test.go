package core

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestConfigMapValidate(t *testing.T) {
	tests := []struct {
		name string
		cm   corev1.ConfigMap
		want []string
	}{
		{"valid", corev1.ConfigMap{Data: map[string]string{"app.conf": "x"}, BinaryData: map[string][]byte{"b.bin": {1}}}, nil},
		{"bad key", corev1.ConfigMap{Data: map[string]string{"a/b": "x"}}, []string{"data[a/b]: Invalid value"}},
		{"key in both", corev1.ConfigMap{Data: map[string]string{"k": "x"}, BinaryData: map[string][]byte{"k": {1}}},
			[]string{"data[k]: Invalid value"}},
		{"too big", corev1.ConfigMap{Data: map[string]string{"k": strings.Repeat("x", maxSecretSize+1)}}, []string{"[]: Too long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectErrors(t, configMapStrategy{}.Validate(&tt.cm), tt.want...) })
	}
}

func TestConfigMapImmutable(t *testing.T) {
	old := &corev1.ConfigMap{Immutable: ptr(true), Data: map[string]string{"k": "v"}}
	cm := old.DeepCopy()
	cm.Data["k"] = "changed"
	cm.Immutable = nil
	expectErrors(t, configMapStrategy{}.ValidateUpdate(cm, old), "data: Forbidden", "immutable: Forbidden")
	mutable := &corev1.ConfigMap{Data: map[string]string{"k": "v"}}
	changed := mutable.DeepCopy()
	changed.Data["k"] = "w"
	expectErrors(t, configMapStrategy{}.ValidateUpdate(changed, mutable))
}

func TestSecretDefaultsAndValidate(t *testing.T) {
	s := &corev1.Secret{StringData: map[string]string{"password": "hunter2"}, Data: map[string][]byte{"user": []byte("me")}}
	secretStrategy{}.Default(s)
	if s.Type != corev1.SecretTypeOpaque || string(s.Data["password"]) != "hunter2" || s.StringData != nil {
		t.Errorf("defaults: %+v", s)
	}
	tests := []struct {
		name   string
		secret corev1.Secret
		want   []string
	}{
		{"opaque", corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"a": nil}}, nil},
		{"tls missing key", corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": {1}}},
			[]string{"data[tls.key]: Required value"}},
		{"dockerconfigjson bad json", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson,
			Data: map[string][]byte{".dockerconfigjson": []byte("{")}}, []string{"data[.dockerconfigjson]: Invalid value"}},
		{"dockerconfigjson missing", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson},
			[]string{"data[.dockerconfigjson]: Required value"}},
		{"basic auth", corev1.Secret{Type: corev1.SecretTypeBasicAuth},
			[]string{"data[password]: Required value", "data[username]: Required value"}},
		{"token without account", corev1.Secret{Type: corev1.SecretTypeServiceAccountToken},
			[]string{"metadata.annotations[kubernetes.io/service-account.name]: Required value"}},
		{"bad key", corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"no spaces": nil}},
			[]string{"data[no spaces]: Invalid value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectErrors(t, secretStrategy{}.Validate(&tt.secret), tt.want...) })
	}
}

func TestSecretUpdate(t *testing.T) {
	old := &corev1.Secret{Type: corev1.SecretTypeOpaque, Immutable: ptr(true), Data: map[string][]byte{"k": []byte("v")}}
	s := old.DeepCopy()
	s.Type = "example.com/other"
	s.Data["k"] = []byte("w")
	expectErrors(t, secretStrategy{}.ValidateUpdate(s, old), "type: Invalid value", "data: Forbidden")
	cells := secretStrategy{}.Cells(old)
	if cells[0] != "Opaque" || cells[1] != int64(1) {
		t.Errorf("cells = %v", cells)
	}
	if f := (secretStrategy{}).Fields(old); f["type"] != "Opaque" {
		t.Errorf("fields = %v", f)
	}
}

func TestNamespace(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}, Status: corev1.NamespaceStatus{Phase: "Weird"}}
	s := namespaceStrategy{}
	s.PrepareForCreate(ns)
	s.Default(ns)
	if ns.Status.Phase != corev1.NamespaceActive || len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("create: %+v", ns)
	}
	if ns.Labels["kubernetes.io/metadata.name"] != "team-a" {
		t.Errorf("name label missing: %v", ns.Labels)
	}
	expectErrors(t, s.Validate(ns))

	bad := ns.DeepCopy()
	bad.Spec.Finalizers = []corev1.FinalizerName{"custom"}
	expectErrors(t, s.Validate(bad), "spec.finalizers: Invalid value")

	now := metav1.Now()
	term := ns.DeepCopy()
	term.DeletionTimestamp = &now
	expectErrors(t, s.ValidateStatusUpdate(term, ns), "status.phase: Invalid value")
	term.Status.Phase = corev1.NamespaceTerminating
	expectErrors(t, s.ValidateStatusUpdate(term, ns))
	if cells := s.Cells(term); cells[0] != "Terminating" {
		t.Errorf("cells = %v", cells)
	}
}
