package integration

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

const apiAccessPath = "/var/run/secrets/kubernetes.io/serviceaccount"

// TestServiceAccountAdmission checks what the ServiceAccount admission
// gives pods on create, through client-go, on a server that runs no
// serviceaccount controller (the test creates the accounts).
func TestServiceAccountAdmission(t *testing.T) {
	c := startCluster(t, embedded().fresh(t))
	ns := bareNamespace(t, c)
	pods := c.Client.CoreV1().Pods(ns)

	t.Run("missing account", func(t *testing.T) {
		_, err := pods.Create(testContext(t), newPod("early"), metav1.CreateOptions{})
		want := `pods "early" is forbidden: error looking up service account ` + ns + `/default: serviceaccount "default" not found`
		if !apierrors.IsForbidden(err) || err.Error() != want {
			t.Fatalf("error %v, want 403 %q", err, want)
		}
	})
	t.Run("missing namespace", func(t *testing.T) {
		_, err := c.Client.CoreV1().Pods("no-such-ns").Create(testContext(t), newPod("p"), metav1.CreateOptions{})
		if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), `namespaces "no-such-ns" not found`) {
			t.Fatalf("error %v, want the namespace's NotFound", err)
		}
	})
	t.Run("mirror pod", func(t *testing.T) {
		pod := newPod("static-n1")
		pod.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "hash"}
		pod.Spec.NodeName = "n1"
		got, err := pods.Create(testContext(t), pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Spec.Volumes) != 0 || len(got.Spec.Containers[0].VolumeMounts) != 0 {
			t.Errorf("mirror pod got %v, mounts %v", got.Spec.Volumes, got.Spec.Containers[0].VolumeMounts)
		}
	})

	createAccount(t, c, ns, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}})
	createAccount(t, c, ns, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "quiet"}, AutomountServiceAccountToken: ptr.To(false)})

	t.Run("defaults", func(t *testing.T) {
		pod := newPod("web")
		pod.Spec.InitContainers = []corev1.Container{{Name: "init", Image: "busybox"}}
		got, err := pods.Create(testContext(t), pod, metav1.CreateOptions{FieldManager: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.ServiceAccountName != "default" || got.Spec.DeprecatedServiceAccount != "default" {
			t.Errorf("serviceAccountName %q, serviceAccount %q", got.Spec.ServiceAccountName, got.Spec.DeprecatedServiceAccount)
		}
		checkAPIAccess(t, got)
		for _, mf := range got.ManagedFields {
			if mf.FieldsV1 != nil && strings.Contains(string(mf.FieldsV1.Raw), "kube-api-access") {
				t.Errorf("manager %s owns the admission's volume: %s", mf.Manager, mf.FieldsV1.Raw)
			}
		}
		// Updates keep the volume as it is and add none.
		got.Labels["updated"] = "yes"
		upd, err := pods.Update(testContext(t), got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(upd.Spec.Volumes) != 1 || upd.Spec.Volumes[0].Name != got.Spec.Volumes[0].Name {
			t.Errorf("update changed volumes: %v", upd.Spec.Volumes)
		}
	})
	t.Run("dry run", func(t *testing.T) {
		got, err := pods.Create(testContext(t), newPod("dry"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		checkAPIAccess(t, got)
	})
	t.Run("server-side apply", func(t *testing.T) {
		cfg, _ := json.Marshal(map[string]any{
			"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "applied"},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "busybox"}}},
		})
		got, err := pods.Patch(testContext(t), "applied", types.ApplyPatchType, cfg, metav1.PatchOptions{FieldManager: "test"})
		if err != nil {
			t.Fatal(err)
		}
		checkAPIAccess(t, got)
	})
	t.Run("automount off on the account", func(t *testing.T) {
		pod := newPod("quiet")
		pod.Spec.ServiceAccountName = "quiet"
		got, err := pods.Create(testContext(t), pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Spec.Volumes) != 0 || len(got.Spec.Containers[0].VolumeMounts) != 0 {
			t.Errorf("got %v, mounts %v", got.Spec.Volumes, got.Spec.Containers[0].VolumeMounts)
		}
	})
	t.Run("automount off on the pod", func(t *testing.T) {
		pod := newPod("off")
		pod.Spec.AutomountServiceAccountToken = ptr.To(false)
		got, err := pods.Create(testContext(t), pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Spec.Volumes) != 0 {
			t.Errorf("got %v", got.Spec.Volumes)
		}
	})
	t.Run("missing named account", func(t *testing.T) {
		pod := newPod("robot")
		pod.Spec.ServiceAccountName = "robot"
		_, err := pods.Create(testContext(t), pod, metav1.CreateOptions{})
		want := `pods "robot" is forbidden: error looking up service account ` + ns + `/robot: serviceaccount "robot" not found`
		if !apierrors.IsForbidden(err) || err.Error() != want {
			t.Fatalf("error %v, want 403 %q", err, want)
		}
	})
}

// A pod created just before its namespace's default account waits for it,
// as it does in Kubernetes (where the account comes from a controller).
func TestServiceAccountAdmissionWaitsForDefault(t *testing.T) {
	c := startCluster(t, embedded().fresh(t))
	ns := bareNamespace(t, c)
	created := make(chan error, 1)
	go func() {
		_, err := c.Client.CoreV1().Pods(ns).Create(testContext(t), newPod("eager"), metav1.CreateOptions{})
		created <- err
	}()
	createAccount(t, c, ns, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}})
	if err := <-created; err != nil {
		t.Fatalf("create before the default account: %v", err)
	}
}

// bareNamespace creates a namespace with no service accounts in it, whatever
// newNamespace may put there.
func bareNamespace(t *testing.T, c *Cluster) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "sa-admission-"}}
	got, err := c.Client.CoreV1().Namespaces().Create(testContext(t), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return got.Name
}

func createAccount(t *testing.T, c *Cluster, ns string, sa *corev1.ServiceAccount) {
	t.Helper()
	if _, err := c.Client.CoreV1().ServiceAccounts(ns).Create(testContext(t), sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// checkAPIAccess checks the kube-api-access volume and its mount in every
// container, as Kubernetes adds them.
func checkAPIAccess(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	if len(pod.Spec.Volumes) != 1 {
		t.Fatalf("volumes %v, want one", pod.Spec.Volumes)
	}
	v := pod.Spec.Volumes[0]
	if !strings.HasPrefix(v.Name, "kube-api-access-") || len(v.Name) != len("kube-api-access-")+5 {
		t.Errorf("volume name %q", v.Name)
	}
	p := v.Projected
	if p == nil || p.DefaultMode == nil || *p.DefaultMode != 420 || len(p.Sources) != 3 {
		t.Fatalf("volume %+v", v.VolumeSource)
	}
	tok, cm, dapi := p.Sources[0].ServiceAccountToken, p.Sources[1].ConfigMap, p.Sources[2].DownwardAPI
	if tok == nil || tok.Path != "token" || tok.ExpirationSeconds == nil || *tok.ExpirationSeconds != 3607 || tok.Audience != "" {
		t.Errorf("token source %+v", tok)
	}
	if cm == nil || cm.Name != "kube-root-ca.crt" || len(cm.Items) != 1 || cm.Items[0] != (corev1.KeyToPath{Key: "ca.crt", Path: "ca.crt"}) {
		t.Errorf("config map source %+v", cm)
	}
	if dapi == nil || len(dapi.Items) != 1 || dapi.Items[0].Path != "namespace" || dapi.Items[0].FieldRef == nil ||
		*dapi.Items[0].FieldRef != (corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}) {
		t.Errorf("downward API source %+v", dapi)
	}
	want := corev1.VolumeMount{Name: v.Name, ReadOnly: true, MountPath: apiAccessPath}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, ctr := range cs {
			if len(ctr.VolumeMounts) != 1 || ctr.VolumeMounts[0] != want {
				t.Errorf("container %s mounts %+v, want %+v", ctr.Name, ctr.VolumeMounts, want)
			}
		}
	}
}
