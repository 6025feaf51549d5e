package core

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestResources(t *testing.T) {
	type want struct {
		kind, short, cats string
		namespaced        bool
		status, scale     bool
	}
	wants := map[string]want{
		"pods":                   {"Pod", "po", "all", true, true, false},
		"services":               {"Service", "svc", "all", true, true, false},
		"namespaces":             {"Namespace", "ns", "", false, true, false},
		"configmaps":             {"ConfigMap", "cm", "", true, false, false},
		"secrets":                {"Secret", "", "", true, false, false},
		"nodes":                  {"Node", "no", "", false, true, false},
		"events":                 {"Event", "ev", "", true, false, false},
		"endpoints":              {"Endpoints", "ep", "", true, false, false},
		"persistentvolumes":      {"PersistentVolume", "pv", "", false, true, false},
		"persistentvolumeclaims": {"PersistentVolumeClaim", "pvc", "", true, true, false},
		"serviceaccounts":        {"ServiceAccount", "sa", "", true, false, false},
		"resourcequotas":         {"ResourceQuota", "quota", "", true, true, false},
		"limitranges":            {"LimitRange", "limits", "", true, false, false},
		"podtemplates":           {"PodTemplate", "", "", true, false, false},
		"replicationcontrollers": {"ReplicationController", "rc", "all", true, true, true},
	}
	rs := Resources()
	if len(rs) != len(wants) {
		t.Errorf("%d resources, want %d", len(rs), len(wants))
	}
	for _, r := range rs {
		w, ok := wants[r.GVR.Resource]
		if !ok {
			t.Errorf("unexpected resource %s", r.GVR.Resource)
			continue
		}
		if r.GVR.Group != "" || r.GVR.Version != "v1" || r.Kind != w.kind || r.Singular != strings.ToLower(w.kind) ||
			strings.Join(r.ShortNames, ",") != w.short || strings.Join(r.Categories, ",") != w.cats ||
			r.Namespaced != w.namespaced || r.Status != w.status || (r.Scale != nil) != w.scale {
			t.Errorf("%s: got %+v", r.GVR.Resource, r)
		}
		obj := r.New()
		if obj.GetObjectKind() == nil || r.NewList() == nil {
			t.Errorf("%s: New/NewList", r.GVR.Resource)
		}
		// Every strategy must accept an empty object of its type.
		_ = r.Strategy.Fields(obj)
		if cells := r.Strategy.Cells(obj); len(cells) != len(r.Strategy.Columns()) {
			t.Errorf("%s: %d cells for %d columns", r.GVR.Resource, len(cells), len(r.Strategy.Columns()))
		}
	}
}

func TestNameRules(t *testing.T) {
	byName := map[string]func(string, bool) []string{}
	for _, r := range Resources() {
		byName[r.GVR.Resource] = r.ValidateName
	}
	tests := []struct {
		resource, name string
		valid          bool
	}{
		{"namespaces", "team-a", true},
		{"namespaces", "team.a", false},
		{"services", "web", true},
		{"services", "1web", false},
		{"persistentvolumes", "Pv_1", true},
		{"persistentvolumes", "a/b", false},
	}
	for _, tt := range tests {
		fn := byName[tt.resource]
		if fn == nil {
			t.Fatalf("%s has no name rule", tt.resource)
		}
		if got := len(fn(tt.name, false)) == 0; got != tt.valid {
			t.Errorf("%s name %q valid = %v, want %v", tt.resource, tt.name, got, tt.valid)
		}
	}
}

func TestEndpoints(t *testing.T) {
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: 80}, {Name: "https", Port: 443}}},
	}}
	endpointsStrategy{}.Default(ep)
	expectErrors(t, endpointsStrategy{}.Validate(ep))
	if got := formatEndpoints(ep); got != "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..." {
		t.Errorf("formatEndpoints = %q", got)
	}
	bad := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "127.0.0.1"}, {IP: "nope"}}, Ports: []corev1.EndpointPort{{Port: 0, Protocol: "TCP"}}},
		{},
	}}
	expectErrors(t, endpointsStrategy{}.Validate(bad), "subsets[0].addresses[0].ip: Invalid value",
		"subsets[0].addresses[1].ip: Invalid value", "subsets[0].ports[0].port: Invalid value", "subsets[1]: Required value")
	if got := formatEndpoints(&corev1.Endpoints{}); got != "<none>" {
		t.Errorf("empty endpoints = %q", got)
	}
}

func TestPersistentVolumes(t *testing.T) {
	pv := &corev1.PersistentVolume{Spec: corev1.PersistentVolumeSpec{
		Capacity:               corev1.ResourceList{corev1.ResourceStorage: resourceMust("1Gi")},
		AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany},
		PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/data"}},
		ClaimRef:               &corev1.ObjectReference{Namespace: "default", Name: "claim"},
	}}
	pvStrategy{}.PrepareForCreate(pv)
	pvStrategy{}.Default(pv)
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || *pv.Spec.VolumeMode != corev1.PersistentVolumeFilesystem ||
		pv.Status.Phase != corev1.VolumePending {
		t.Errorf("pv defaults: %+v", pv)
	}
	expectErrors(t, pvStrategy{}.Validate(pv))
	cells := pvStrategy{}.Cells(pv)
	if cells[0] != "1Gi" || cells[1] != "RWO,ROX" || cells[2] != "Retain" || cells[3] != "Pending" || cells[4] != "default/claim" ||
		cells[6] != "<unset>" || cells[9] != "Filesystem" {
		t.Errorf("pv cells = %v", cells)
	}
	empty := &corev1.PersistentVolume{}
	expectErrors(t, pvStrategy{}.Validate(empty), "spec.accessModes: Required value", "spec.capacity: Required value",
		"spec.capacity: Unsupported value", "spec: Required value")

	pvc := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resourceMust("1Gi")}},
	}}
	pvcStrategy{}.PrepareForCreate(pvc)
	pvcStrategy{}.Default(pvc)
	expectErrors(t, pvcStrategy{}.Validate(pvc))
	expectErrors(t, pvcStrategy{}.Validate(&corev1.PersistentVolumeClaim{}),
		"spec.accessModes: Required value", "spec.resources[storage]: Required value")
	bound := pvc.DeepCopy()
	bound.Spec.VolumeName = "pv-1"
	bound.Status.Phase = corev1.ClaimBound
	expectErrors(t, pvcStrategy{}.ValidateUpdate(bound, pvc))
	grown := bound.DeepCopy()
	grown.Spec.Resources.Requests[corev1.ResourceStorage] = resourceMust("2Gi")
	expectErrors(t, pvcStrategy{}.ValidateUpdate(grown, bound))
	changed := bound.DeepCopy()
	changed.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	expectErrors(t, pvcStrategy{}.ValidateUpdate(changed, bound), "spec: Forbidden")
	if cells := (pvcStrategy{}).Cells(pvc); cells[0] != "Pending" || cells[2] != "" || cells[7] != "Filesystem" {
		t.Errorf("pvc cells = %v", cells)
	}
}

func TestReplicationController(t *testing.T) {
	rc := &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{
		Template: &corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		},
	}}
	rcStrategy{}.Default(rc)
	if *rc.Spec.Replicas != 1 || rc.Spec.Selector["app"] != "web" || rc.Labels["app"] != "web" ||
		rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("rc defaults: %+v", rc)
	}
	expectErrors(t, rcStrategy{}.Validate(rc))
	bad := rc.DeepCopy()
	bad.Spec.Selector = map[string]string{"app": "other"}
	bad.Spec.Replicas = ptr(int32(-1))
	bad.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	expectErrors(t, rcStrategy{}.Validate(bad), "spec.template.metadata.labels: Invalid value",
		"spec.replicas: Invalid value", "spec.template.spec.restartPolicy: Unsupported value")
	rc.Status = corev1.ReplicationControllerStatus{Replicas: 1, ReadyReplicas: 2}
	expectErrors(t, rcStrategy{}.ValidateStatusUpdate(rc, rc), "status.readyReplicas: Invalid value")
	cells := rcStrategy{}.Cells(rc)
	if cells[0] != int64(1) || cells[1] != int64(1) || cells[4] != "web" || cells[5] != "nginx" || cells[6] != "app=web" {
		t.Errorf("rc cells = %v", cells)
	}
}

func TestPodTemplate(t *testing.T) {
	pt := &corev1.PodTemplate{Template: corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: "busybox"}, {Name: "b"}}},
	}}
	podTemplateStrategy{}.Default(pt)
	expectErrors(t, podTemplateStrategy{}.Validate(pt), "template.spec.containers[1].image: Required value")
	cells := podTemplateStrategy{}.Cells(pt)
	if cells[0] != "a,b" || cells[1] != "busybox," || cells[2] != "app=x" {
		t.Errorf("cells = %v", cells)
	}
}

func TestLimitRangeAndQuota(t *testing.T) {
	lr := &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer,
		Max:  corev1.ResourceList{corev1.ResourceCPU: resourceMust("2")},
		Min:  corev1.ResourceList{corev1.ResourceMemory: resourceMust("64Mi")},
	}}}}
	limitRangeStrategy{}.Default(lr)
	item := lr.Spec.Limits[0]
	if item.Default.Cpu().String() != "2" || item.DefaultRequest.Cpu().String() != "2" || item.DefaultRequest.Memory().String() != "64Mi" {
		t.Errorf("limit range defaults: %+v", item)
	}
	expectErrors(t, limitRangeStrategy{}.Validate(lr))
	lr.Spec.Limits[0].Min[corev1.ResourceCPU] = resourceMust("3")
	lr.Spec.Limits = append(lr.Spec.Limits, corev1.LimitRangeItem{Type: "Weird"})
	expectErrors(t, limitRangeStrategy{}.Validate(lr), "spec.limits[0].min[cpu]: Invalid value",
		"spec.limits[0].defaultRequest[cpu]: Invalid value", "spec.limits[0].default[cpu]: Invalid value",
		"spec.limits[1].type: Invalid value")

	q := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
		"pods": resourceMust("10"), "limits.cpu": resourceMust("4"), "widgets": resourceMust("1"), "count/deployments.apps": resourceMust("1.5"),
	}}}
	expectErrors(t, resourceQuotaStrategy{}.Validate(q), "spec.hard[widgets]: Invalid value", "spec.hard[count/deployments.apps]: Invalid value")
	q.Status = corev1.ResourceQuotaStatus{
		Hard: corev1.ResourceList{"pods": resourceMust("10"), "limits.cpu": resourceMust("4")},
		Used: corev1.ResourceList{"pods": resourceMust("3")},
	}
	cells := resourceQuotaStrategy{}.Cells(q)
	if cells[1] != "pods: 3/10" || cells[2] != "limits.cpu: 0/4" {
		t.Errorf("quota cells = %v", cells)
	}
}
