package history

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

var stsKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

func tmpl(image string) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}
}

func rev(t *testing.T, image string, n int64) *appsv1.ControllerRevision {
	t.Helper()
	data, err := TemplatePatch(tmpl(image))
	if err != nil {
		t.Fatal(err)
	}
	parent := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u"}}
	return New(parent, stsKind, map[string]string{"app": "web"}, data, n, nil)
}

func TestRevisionData(t *testing.T) {
	r := rev(t, "nginx:1", 1)
	if !strings.Contains(string(r.Data.Raw), `"$patch":"replace"`) || !strings.HasPrefix(string(r.Data.Raw), `{"spec":{"template":`) {
		t.Fatalf("data = %s", r.Data.Raw)
	}
	back, err := Template(r)
	if err != nil || back.Spec.Containers[0].Image != "nginx:1" || back.Labels["app"] != "web" {
		t.Fatalf("template back = %+v, %v", back, err)
	}
	if !strings.HasPrefix(r.Name, "web-") || r.Labels[HashLabel] == "" || r.OwnerReferences[0].Kind != "StatefulSet" {
		t.Fatalf("revision meta = %+v", r.ObjectMeta)
	}
	reformatted := r.DeepCopy()
	reformatted.Data = runtime.RawExtension{Raw: []byte(" " + strings.ReplaceAll(string(r.Data.Raw), ",", ", "))}
	if !Equal(r, reformatted) || Equal(r, rev(t, "nginx:2", 1)) {
		t.Fatal("Equal must compare decoded data")
	}
	if Hash(r.Data.Raw, nil) == Hash(r.Data.Raw, ptr.To[int32](1)) {
		t.Fatal("collision count must change the hash")
	}
}

func TestCurrent(t *testing.T) {
	v1, v2 := rev(t, "nginx:1", 1), rev(t, "nginx:2", 2)
	tests := []struct {
		name     string
		existing []*appsv1.ControllerRevision
		want     *appsv1.ControllerRevision
		wantName string
		wantRev  int64
	}{
		{"create first", nil, rev(t, "nginx:1", 1), v1.Name, 1},
		{"reuse newest equal", []*appsv1.ControllerRevision{v1, v2}, rev(t, "nginx:2", 3), v2.Name, 2},
		{"rollback renumbers the old revision", []*appsv1.ControllerRevision{v1, v2}, rev(t, "nginx:1", 3), v1.Name, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var objs []runtime.Object
			for _, r := range tc.existing {
				objs = append(objs, r.DeepCopy())
			}
			cs := fake.NewSimpleClientset(objs...)
			got, err := Current(context.Background(), cs, tc.existing, tc.want, ptr.To[int32](0))
			if err != nil || got.Name != tc.wantName || got.Revision != tc.wantRev {
				t.Fatalf("got %+v err %v, want %s rev %d", got, err, tc.wantName, tc.wantRev)
			}
		})
	}
}

func TestCurrentCollision(t *testing.T) {
	clash := rev(t, "nginx:1", 1)
	clash.Data = runtime.RawExtension{Raw: []byte(`{"other":true}`)}
	cs := fake.NewSimpleClientset(clash)
	count := ptr.To[int32](0)
	if _, err := Current(context.Background(), cs, nil, rev(t, "nginx:1", 1), count); err == nil || *count != 1 {
		t.Fatalf("collision: err %v count %d", err, *count)
	}
}
