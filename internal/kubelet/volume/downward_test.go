package volume

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFieldValue(t *testing.T) {
	pod := newPod()
	for _, tc := range []struct {
		path, want, err string
		apiVersion      string
	}{
		{path: "metadata.name", want: "web"},
		{path: "metadata.namespace", want: "ns"},
		{path: "metadata.uid", want: "uid-1"},
		{path: "metadata.labels", want: "app=\"web\"\ntier=\"front\""},
		{path: "metadata.annotations", want: `note="a \"quoted\"\nline"`},
		{path: "metadata.labels['tier']", want: "front"},
		{path: "metadata.labels['absent']", want: ""},
		{path: "metadata.annotations['note']", want: "a \"quoted\"\nline"},
		{path: "spec.x", err: "field label not supported: spec.x"},
		{path: "spec.x['y']", err: "field label not supported"},
		{path: "metadata.name", apiVersion: "v2", err: "unsupported pod version: v2"},
	} {
		got, err := fieldValue(pod, &corev1.ObjectFieldSelector{FieldPath: tc.path, APIVersion: tc.apiVersion})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
}

func TestResourceValue(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node1"}, Status: corev1.NodeStatus{
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: qty("2"), corev1.ResourceMemory: qty("4Gi"),
			corev1.ResourceEphemeralStorage: qty("10Gi")}}}
	pod := newPod()
	pod.Spec.InitContainers = []corev1.Container{{Name: "init"}}
	for _, tc := range []struct {
		container, res, divisor, want, err string
	}{
		{container: "main", res: "limits.cpu", want: "1"},
		{container: "main", res: "limits.cpu", divisor: "1m", want: "250"},
		{container: "main", res: "requests.cpu", divisor: "1m", want: "100"},
		{container: "main", res: "limits.memory", want: "67108864"},
		{container: "main", res: "limits.memory", divisor: "1Mi", want: "64"},
		{container: "main", res: "requests.memory", divisor: "1Mi", want: "32"},
		{container: "main", res: "limits.memory", divisor: "1Gi", want: "1"},
		{container: "main", res: "limits.ephemeral-storage", divisor: "1Gi", want: "10"},
		{container: "main", res: "requests.ephemeral-storage", want: "0"},
		{container: "init", res: "limits.cpu", divisor: "1m", want: "2000"},
		{container: "init", res: "limits.memory", divisor: "1Mi", want: "4096"},
		{container: "main", res: "limits.hugepages-2Mi", want: "0"},
		{container: "main", res: "limits.nvidia.com/gpu", err: "unsupported container resource"},
		{container: "main", res: "cpu", err: "unsupported container resource"},
		{container: "nope", res: "limits.cpu", err: "container nope not found"},
	} {
		f := newFixture(t, node)
		sel := &corev1.ResourceFieldSelector{ContainerName: tc.container, Resource: tc.res}
		if tc.divisor != "" {
			sel.Divisor = qty(tc.divisor)
		}
		var alloc corev1.ResourceList
		got, err := f.m.resourceValue(context.Background(), pod, sel, &alloc)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s %s: err %v, want %q", tc.container, tc.res, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %s /%s = %q, %v; want %q", tc.container, tc.res, tc.divisor, got, err, tc.want)
		}
	}
}

func TestDownwardAPIVolume(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pod := newPod(corev1.Volume{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
		DefaultMode: ptr(int32(0o444)),
		Items: []corev1.DownwardAPIVolumeFile{
			{Path: "name", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}},
			{Path: "meta/labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}, Mode: ptr(int32(0o400))},
			{Path: "cpu", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "main", Resource: "limits.cpu", Divisor: qty("1m")}},
		},
	}}})
	mounts, err := f.m.Setup(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	dir := mounts["info"].HostPath
	want := map[string]string{"name": "web", "meta/labels": "app=\"web\"\ntier=\"front\"", "cpu": "250"}
	if got := readVolume(t, dir); !reflect.DeepEqual(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	if m := fileMode(t, filepath.Join(dir, "name")).Perm(); m != 0o444 {
		t.Errorf("name mode %o, want 444", m)
	}
	if m := fileMode(t, filepath.Join(dir, "meta/labels")).Perm(); m != 0o400 {
		t.Errorf("labels mode %o, want 400", m)
	}

	// A label change shows at the next Setup.
	pod.Labels["tier"] = "back"
	if _, err := f.m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if got := readVolume(t, dir)["meta/labels"]; got != "app=\"web\"\ntier=\"back\"" {
		t.Errorf("labels after update = %q", got)
	}

	// A limit that is not set needs the node, which does not exist here.
	pod.Spec.Containers[0].Resources.Limits = nil
	_, err = f.m.Setup(ctx, pod)
	if err == nil || !strings.Contains(err.Error(), `nodes "node1" not found`) {
		t.Errorf("Setup without node = %v, want the node's not found", err)
	}
}
