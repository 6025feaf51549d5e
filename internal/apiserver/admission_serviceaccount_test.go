package apiserver

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// fakeAccounts serves service accounts from a map and counts lookups.
// Accounts in late appear only after that many uncached lookups, as one
// the serviceaccount controller creates a moment after a pod arrives.
type fakeAccounts struct {
	mu       sync.Mutex
	accounts map[string]*corev1.ServiceAccount
	late     map[string]int
	cached   int
	fresh    int
	fail     error
}

func (f *fakeAccounts) get(_ context.Context, ns, name string, cached bool) (*corev1.ServiceAccount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := ns + "/" + name
	if cached {
		f.cached++
	} else {
		f.fresh++
		if n, ok := f.late[key]; ok && f.fresh >= n {
			f.accounts[key] = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		}
	}
	if f.fail != nil {
		return nil, f.fail
	}
	if sa, ok := f.accounts[key]; ok {
		return sa, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "serviceaccounts"}, name)
}

// fakeNamespaces knows which namespaces exist.
type fakeNamespaces map[string]bool

func (n fakeNamespaces) CheckCreate(_ context.Context, ns string, _ schema.GroupResource, _ string) error {
	if !n[ns] {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, ns)
	}
	return nil
}

func account(name string, mutate ...func(*corev1.ServiceAccount)) *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	for _, m := range mutate {
		m(sa)
	}
	return sa
}

func admissionPod(mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "x"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

// The volume and mount as `kubectl get pod -o yaml` shows them on a
// Kubernetes cluster.
var (
	wantVolume = corev1.Volume{
		Name: "kube-api-access-abcde",
		VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			DefaultMode: ptr.To[int32](420),
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr.To[int64](3607), Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{
					LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
					Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
				}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
					Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
				}}}},
			},
		}},
	}
	wantMount = corev1.VolumeMount{Name: "kube-api-access-abcde", ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}
)

func TestServiceAccountAdmission(t *testing.T) {
	userMount := corev1.VolumeMount{Name: "mine", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}
	mineVolume := corev1.Volume{Name: "mine", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		accounts []*corev1.ServiceAccount
		want     *corev1.Pod // nil: only the error is checked
		wantErr  string
		wantCode int32
	}{{
		name:     "defaults to the default account and mounts the credentials",
		pod:      admissionPod(),
		accounts: []*corev1.ServiceAccount{account("default")},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.Volumes = []corev1.Volume{wantVolume}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{wantMount}
		}),
	}, {
		name: "the deprecated field names the account when the new one is empty",
		pod: admissionPod(func(p *corev1.Pod) {
			p.Spec.DeprecatedServiceAccount = "robot"
			p.Spec.AutomountServiceAccountToken = ptr.To(false)
		}),
		accounts: []*corev1.ServiceAccount{account("robot")},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "robot", "robot"
			p.Spec.AutomountServiceAccountToken = ptr.To(false)
		}),
	}, {
		name: "automount false on the pod",
		pod:  admissionPod(func(p *corev1.Pod) { p.Spec.AutomountServiceAccountToken = ptr.To(false) }),
		accounts: []*corev1.ServiceAccount{account("default", func(sa *corev1.ServiceAccount) {
			sa.AutomountServiceAccountToken = ptr.To(true)
		})},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.AutomountServiceAccountToken = ptr.To(false)
		}),
	}, {
		name: "automount false on the account",
		pod:  admissionPod(),
		accounts: []*corev1.ServiceAccount{account("default", func(sa *corev1.ServiceAccount) {
			sa.AutomountServiceAccountToken = ptr.To(false)
		})},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
		}),
	}, {
		name: "the pod's automount true wins over the account's false",
		pod:  admissionPod(func(p *corev1.Pod) { p.Spec.AutomountServiceAccountToken = ptr.To(true) }),
		accounts: []*corev1.ServiceAccount{account("default", func(sa *corev1.ServiceAccount) {
			sa.AutomountServiceAccountToken = ptr.To(false)
		})},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.AutomountServiceAccountToken = ptr.To(true)
			p.Spec.Volumes = []corev1.Volume{wantVolume}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{wantMount}
		}),
	}, {
		name: "a mount of its own at the path: no volume",
		pod: admissionPod(func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{mineVolume}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{userMount}
		}),
		accounts: []*corev1.ServiceAccount{account("default")},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.Volumes = []corev1.Volume{mineVolume}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{userMount}
		}),
	}, {
		name: "only containers without a mount at the path get one",
		pod: admissionPod(func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{mineVolume}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{userMount}
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "d", Image: "busybox"})
		}),
		accounts: []*corev1.ServiceAccount{account("default")},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.Volumes = []corev1.Volume{mineVolume, wantVolume}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{userMount}
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "d", Image: "busybox",
				VolumeMounts: []corev1.VolumeMount{wantMount}})
		}),
	}, {
		name: "init containers are mounted too",
		pod: admissionPod(func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i", Image: "busybox"}, {Name: "j", Image: "busybox"}}
		}),
		accounts: []*corev1.ServiceAccount{account("default")},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.InitContainers = []corev1.Container{
				{Name: "i", Image: "busybox", VolumeMounts: []corev1.VolumeMount{wantMount}},
				{Name: "j", Image: "busybox", VolumeMounts: []corev1.VolumeMount{wantMount}},
			}
			p.Spec.Volumes = []corev1.Volume{wantVolume}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{wantMount}
		}),
	}, {
		name: "a kube-api-access volume already there is mounted, not added again",
		pod: admissionPod(func(p *corev1.Pod) {
			v := wantVolume.DeepCopy()
			v.Name = "kube-api-access-given"
			p.Spec.Volumes = []corev1.Volume{*v}
		}),
		accounts: []*corev1.ServiceAccount{account("default")},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			v := wantVolume.DeepCopy()
			v.Name = "kube-api-access-given"
			p.Spec.Volumes = []corev1.Volume{*v}
			m := wantMount
			m.Name = "kube-api-access-given"
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{m}
		}),
	}, {
		name: "the account's image pull secrets, when the pod has none",
		pod:  admissionPod(func(p *corev1.Pod) { p.Spec.AutomountServiceAccountToken = ptr.To(false) }),
		accounts: []*corev1.ServiceAccount{account("default", func(sa *corev1.ServiceAccount) {
			sa.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
		})},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.AutomountServiceAccountToken = ptr.To(false)
			p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
		}),
	}, {
		name: "the pod's own image pull secrets stay",
		pod: admissionPod(func(p *corev1.Pod) {
			p.Spec.AutomountServiceAccountToken = ptr.To(false)
			p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "mine"}}
		}),
		accounts: []*corev1.ServiceAccount{account("default", func(sa *corev1.ServiceAccount) {
			sa.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "regcred"}}
		})},
		want: admissionPod(func(p *corev1.Pod) {
			p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = "default", "default"
			p.Spec.AutomountServiceAccountToken = ptr.To(false)
			p.Spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "mine"}}
		}),
	}, {
		name: "mirror pods are left alone",
		pod: admissionPod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "hash"}
		}),
		want: admissionPod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "hash"}
		}),
	}, {
		name:     "a missing default account refuses the pod",
		pod:      admissionPod(),
		wantErr:  `pods "x" is forbidden: error looking up service account ns/default: serviceaccount "default" not found`,
		wantCode: 403,
	}, {
		name:     "a missing named account refuses the pod",
		pod:      admissionPod(func(p *corev1.Pod) { p.Spec.ServiceAccountName = "robot" }),
		accounts: []*corev1.ServiceAccount{account("default")},
		wantErr:  `pods "x" is forbidden: error looking up service account ns/robot: serviceaccount "robot" not found`,
		wantCode: 403,
	}, {
		name: "a pod with a generated name is named by its prefix",
		pod: admissionPod(func(p *corev1.Pod) {
			p.Name, p.GenerateName = "", "web-5d8f-"
		}),
		wantErr:  `pods "web-5d8f-" is forbidden: error looking up service account ns/default: serviceaccount "default" not found`,
		wantCode: 403,
	}, {
		name:     "a missing namespace answers before the account",
		pod:      admissionPod(func(p *corev1.Pod) { p.Namespace = "gone" }),
		wantErr:  `namespaces "gone" not found`,
		wantCode: 404,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAccounts{accounts: map[string]*corev1.ServiceAccount{}}
			for _, sa := range tt.accounts {
				f.accounts[sa.Namespace+"/"+sa.Name] = sa
			}
			adm := newServiceAccountAdmission(f.get, fakeNamespaces{"ns": true})
			adm.retry = time.Millisecond
			adm.suffix = func() string { return "abcde" }
			pod := tt.pod.DeepCopy()
			err := adm.admit(context.Background(), pod)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if code := apiCode(err); code != tt.wantCode {
					t.Errorf("code %d, want %d", code, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tt.want, pod) {
				got, _ := yaml.Marshal(pod)
				want, _ := yaml.Marshal(tt.want)
				t.Errorf("pod:\n%s\nwant:\n%s", got, want)
			}
			if f.cached > 1 || f.fresh > 0 {
				t.Errorf("%d cached and %d storage lookups, want at most one cached", f.cached, f.fresh)
			}
		})
	}
}

func apiCode(err error) int32 {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().Code
	}
	return 0
}

// The default account is looked up in storage a few times before the pod
// is refused; other accounts once.
func TestServiceAccountAdmissionRetries(t *testing.T) {
	tests := []struct {
		name      string
		account   string
		late      int // the account appears at this storage lookup; 0 never
		wantFresh int
		wantErr   bool
	}{
		{name: "default appears while waiting", account: "default", late: 3, wantFresh: 3},
		{name: "default never appears", account: "default", wantFresh: defaultAccountAttempts, wantErr: true},
		{name: "a named account is read once", account: "robot", late: 2, wantFresh: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAccounts{accounts: map[string]*corev1.ServiceAccount{}, late: map[string]int{}}
			if tt.late > 0 {
				f.late["ns/"+tt.account] = tt.late
			}
			adm := newServiceAccountAdmission(f.get, fakeNamespaces{"ns": true})
			adm.retry = time.Millisecond
			pod := admissionPod(func(p *corev1.Pod) { p.Spec.ServiceAccountName = tt.account })
			err := adm.admit(context.Background(), pod)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if f.cached != 1 || f.fresh != tt.wantFresh {
				t.Errorf("%d cached and %d storage lookups, want 1 and %d", f.cached, f.fresh, tt.wantFresh)
			}
		})
	}
}

// A failing lookup refuses the pod with the cause, as Kubernetes does; a
// cancelled request stops waiting for the default account.
func TestServiceAccountAdmissionLookupErrors(t *testing.T) {
	f := &fakeAccounts{accounts: map[string]*corev1.ServiceAccount{}, fail: fmt.Errorf("etcd is down")}
	adm := newServiceAccountAdmission(f.get, fakeNamespaces{"ns": true})
	err := adm.admit(context.Background(), admissionPod())
	want := `pods "x" is forbidden: error looking up service account ns/default: etcd is down`
	if err == nil || err.Error() != want || !apierrors.IsForbidden(err) {
		t.Errorf("error %v, want %q", err, want)
	}

	f = &fakeAccounts{accounts: map[string]*corev1.ServiceAccount{}}
	adm = newServiceAccountAdmission(f.get, fakeNamespaces{"ns": true})
	adm.retry = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := adm.admit(ctx, admissionPod()); err == nil || f.fresh != 1 {
		t.Errorf("cancelled: error %v after %d storage lookups, want an error after 1", err, f.fresh)
	}
}

// The random part of the volume's name is five characters of those
// Kubernetes uses for generated names.
func TestServiceAccountVolumeName(t *testing.T) {
	adm := newServiceAccountAdmission(nil, nil)
	for range 20 {
		n := adm.volumeName()
		if len(n) != len("kube-api-access-")+5 || n[:16] != "kube-api-access-" {
			t.Fatalf("volume name %q", n)
		}
		for _, r := range n[16:] {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
				t.Fatalf("volume name %q has %q", n, r)
			}
		}
	}
}

func TestServiceAccountAdmissionSwitch(t *testing.T) {
	for _, off := range []bool{false, true} {
		s := &Server{cfg: Config{DisableServiceAccountAdmission: off}, api: &API{objects: newFakeObjects()}}
		if got := s.podHooks(fakeNamespaces{}).Admit != nil; got == off {
			t.Errorf("DisableServiceAccountAdmission %v: admission on %v", off, got)
		}
	}
}
