package apiserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/registry/store"
)

// The ServiceAccount admission of kube-apiserver, for pods on create: the
// pod runs as a service account that exists ("default" unless it names
// one), gets that account's image pull secrets when it has none, and,
// unless automounting is turned off, a projected volume with a token for
// the account, the cluster CA and its namespace, mounted in every
// container where applications look for their API credentials. The node
// agent fills the volume (the token through serviceaccounts/token).
//
// Not done, as in a default kube-apiserver: the account's
// kubernetes.io/enforce-mountable-secrets annotation is not enforced.
// Mirror pods are left alone, and so are updates: a pod's volumes cannot
// change once it exists.

// Names and values Kubernetes uses for the API credentials volume.
const (
	defaultServiceAccountName = "default"
	apiAccessVolumePrefix     = "kube-api-access-"
	apiAccessMountPath        = "/var/run/secrets/kubernetes.io/serviceaccount"
	rootCAConfigMapName       = "kube-root-ca.crt"
	rootCAKey                 = "ca.crt"
	// apiAccessTokenSeconds is an hour and seven seconds: Kubernetes
	// recognises tokens of this lifetime as automounted ones.
	apiAccessTokenSeconds = int64(3607)
)

// Kubernetes looks a missing "default" account up again for a while: the
// serviceaccount controller creates it just after its namespace, and a
// pod may come sooner.
const (
	defaultAccountAttempts = 10
	accountRetryMin        = 100 * time.Millisecond
)

var grServiceAccount = schema.GroupResource{Resource: "serviceaccount"}

// accountGetter reads a service account; cached reads come from the watch
// cache (clusterObjects.serviceAccount).
type accountGetter func(ctx context.Context, namespace, name string, cached bool) (*corev1.ServiceAccount, error)

// serviceAccountAdmission admits pods on create (store.Hooks.Admit).
type serviceAccountAdmission struct {
	accounts accountGetter
	// namespaces answers first when an account is missing, so that a pod
	// in a missing or terminating namespace is refused for that, as
	// Kubernetes' NamespaceLifecycle admission, which runs before, does.
	namespaces store.NamespaceChecker
	// retry is the pause between lookups of a missing "default" account;
	// zero picks 100-200ms at random, as Kubernetes does.
	retry time.Duration
	// suffix names the volume (5 random characters when nil).
	suffix func() string
}

// podHooks admits pods on create, unless the configuration turns the
// admission off.
func (s *Server) podHooks(namespaces store.NamespaceChecker) store.Hooks {
	if s.cfg.DisableServiceAccountAdmission {
		return store.Hooks{}
	}
	return store.Hooks{Admit: newServiceAccountAdmission(s.api.objects.serviceAccount, namespaces).admit}
}

func newServiceAccountAdmission(accounts accountGetter, namespaces store.NamespaceChecker) *serviceAccountAdmission {
	return &serviceAccountAdmission{accounts: accounts, namespaces: namespaces}
}

// admit is the hook: it looks the pod's account up once in the watch
// cache and applies it to the pod.
func (s *serviceAccountAdmission) admit(ctx context.Context, obj runtime.Object) error {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	if _, mirror := pod.Annotations[corev1.MirrorPodAnnotationKey]; mirror {
		return nil
	}
	defaultServiceAccount(&pod.Spec)
	sa, err := s.account(ctx, pod)
	if err != nil {
		return err
	}
	applyServiceAccount(pod, sa, s.volumeName)
	return nil
}

// account returns the pod's service account or the error that refuses the
// pod.
func (s *serviceAccountAdmission) account(ctx context.Context, pod *corev1.Pod) (*corev1.ServiceAccount, error) {
	ns, name := pod.Namespace, pod.Spec.ServiceAccountName
	sa, err := s.accounts(ctx, ns, name, true)
	if err == nil {
		return sa, nil
	}
	if apierrors.IsNotFound(err) {
		if s.namespaces != nil {
			if err := s.namespaces.CheckCreate(ctx, ns, gvrPods.GroupResource(), admissionName(pod)); err != nil {
				return nil, err
			}
		}
		// The cache may lag an account created a moment ago.
		sa, err = s.lookupFresh(ctx, ns, name)
	}
	if err != nil {
		return nil, apierrors.NewForbidden(gvrPods.GroupResource(), admissionName(pod),
			fmt.Errorf("error looking up service account %s/%s: %w", ns, name, err))
	}
	return sa, nil
}

// lookupFresh reads the account from storage, a few times for "default".
func (s *serviceAccountAdmission) lookupFresh(ctx context.Context, ns, name string) (*corev1.ServiceAccount, error) {
	attempts := 1
	if name == defaultServiceAccountName {
		attempts = defaultAccountAttempts
	}
	pause := s.retry
	if pause == 0 {
		pause = accountRetryMin + rand.N(accountRetryMin)
	}
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := waitFor(ctx, pause); err != nil {
				return nil, err
			}
		}
		sa, err := s.accounts(ctx, ns, name, false)
		if !apierrors.IsNotFound(err) {
			return sa, err
		}
	}
	return nil, apierrors.NewNotFound(grServiceAccount, name)
}

func waitFor(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (s *serviceAccountAdmission) volumeName() string {
	if s.suffix != nil {
		return apiAccessVolumePrefix + s.suffix()
	}
	return apiAccessVolumePrefix + utilrand.String(5)
}

// admissionName names the pod in errors: admission runs before a
// generated name is chosen, so Kubernetes names the prefix.
func admissionName(pod *corev1.Pod) string {
	if pod.Name != "" {
		return pod.Name
	}
	if pod.GenerateName != "" {
		return pod.GenerateName
	}
	return "Unknown"
}

// defaultServiceAccount names the account a pod runs as: the one it names
// in either field (serviceAccountName wins), else "default"; the
// deprecated field mirrors the other, as the v1 API does.
func defaultServiceAccount(spec *corev1.PodSpec) {
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = spec.DeprecatedServiceAccount
	}
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = defaultServiceAccountName
	}
	spec.DeprecatedServiceAccount = spec.ServiceAccountName
}

// applyServiceAccount adds to a pod what its account gives it: the
// credentials volume and its mounts (unless automounting is off or every
// container mounts something there already) and image pull secrets (when
// the pod has none). newName names a new volume.
func applyServiceAccount(pod *corev1.Pod, sa *corev1.ServiceAccount, newName func() string) {
	if automount(&pod.Spec, sa) {
		mountAPIAccess(&pod.Spec, newName)
	}
	if len(pod.Spec.ImagePullSecrets) == 0 && len(sa.ImagePullSecrets) > 0 {
		pod.Spec.ImagePullSecrets = make([]corev1.LocalObjectReference, len(sa.ImagePullSecrets))
		for i, ref := range sa.ImagePullSecrets {
			pod.Spec.ImagePullSecrets[i] = corev1.LocalObjectReference{Name: ref.Name}
		}
	}
}

// automount: the pod's choice wins, then the account's, else yes.
func automount(spec *corev1.PodSpec, sa *corev1.ServiceAccount) bool {
	if v := spec.AutomountServiceAccountToken; v != nil {
		return *v
	}
	if v := sa.AutomountServiceAccountToken; v != nil {
		return *v
	}
	return true
}

// mountAPIAccess mounts the credentials volume in each init and app
// container that has no mount at its path, and adds the volume if any
// container needs it and the pod has none yet (a volume with the
// kube-api-access- prefix is taken to be it, as in Kubernetes).
// Ephemeral containers cannot exist at create.
func mountAPIAccess(spec *corev1.PodSpec, newName func() string) {
	name := ""
	for _, v := range spec.Volumes {
		if strings.HasPrefix(v.Name, apiAccessVolumePrefix) {
			name = v.Name
			break
		}
	}
	have := name != ""
	if !have {
		name = newName()
	}
	mounted := mountIn(spec.InitContainers, name)
	if mountIn(spec.Containers, name) {
		mounted = true
	}
	if mounted && !have {
		spec.Volumes = append(spec.Volumes, apiAccessVolume(name))
	}
}

// mountIn adds the mount to the containers that lack one at its path and
// reports whether it added any.
func mountIn(cs []corev1.Container, volume string) bool {
	added := false
	for i := range cs {
		if hasMountAt(cs[i].VolumeMounts, apiAccessMountPath) {
			continue
		}
		cs[i].VolumeMounts = append(cs[i].VolumeMounts, corev1.VolumeMount{
			Name: volume, ReadOnly: true, MountPath: apiAccessMountPath,
		})
		added = true
	}
	return added
}

func hasMountAt(ms []corev1.VolumeMount, path string) bool {
	for _, m := range ms {
		if m.MountPath == path {
			return true
		}
	}
	return false
}

// apiAccessVolume is the projected volume Kubernetes mounts: the token,
// the cluster CA from the kube-root-ca.crt ConfigMap the serviceaccount
// controller keeps in every namespace, and the pod's namespace.
func apiAccessVolume(name string) corev1.Volume {
	return corev1.Volume{
		Name: name,
		VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			DefaultMode: ptr.To(corev1.ProjectedVolumeSourceDefaultMode),
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
					ExpirationSeconds: ptr.To(apiAccessTokenSeconds), Path: "token",
				}},
				{ConfigMap: &corev1.ConfigMapProjection{
					LocalObjectReference: corev1.LocalObjectReference{Name: rootCAConfigMapName},
					Items:                []corev1.KeyToPath{{Key: rootCAKey, Path: rootCAKey}},
				}},
				{DownwardAPI: &corev1.DownwardAPIProjection{
					Items: []corev1.DownwardAPIVolumeFile{{
						Path:     "namespace",
						FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
					}},
				}},
			},
		}},
	}
}
