package rbac

import (
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func wantErrs(t *testing.T, got field.ErrorList, want ...string) {
	t.Helper()
	var keys []string
	for _, e := range got {
		keys = append(keys, string(e.Type)+" "+e.Field)
	}
	if len(keys) != len(want) {
		t.Fatalf("errors = %v, want %v", keys, want)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("errors = %v, want %v", keys, want)
		}
	}
}

func TestRoleValidate(t *testing.T) {
	cases := []struct {
		name string
		rule rbacv1.PolicyRule
		want []string
	}{
		{"valid", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, nil},
		{"no verbs", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}}, []string{"FieldValueRequired rules[0].verbs"}},
		{"no groups or resources", rbacv1.PolicyRule{Verbs: []string{"get"}},
			[]string{"FieldValueRequired rules[0].apiGroups", "FieldValueRequired rules[0].resources"}},
		{"non-resource in role", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}},
			[]string{"FieldValueInvalid rules[0].nonResourceURLs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErrs(t, RoleStrategy{}.Validate(&rbacv1.Role{Rules: []rbacv1.PolicyRule{c.rule}}), c.want...)
		})
	}
}

func TestClusterRoleValidate(t *testing.T) {
	cases := []struct {
		name string
		role rbacv1.ClusterRole
		want []string
	}{
		{"non-resource", rbacv1.ClusterRole{Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}}}, nil},
		{"mixed", rbacv1.ClusterRole{Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/x"}, Resources: []string{"pods"}}}},
			[]string{"FieldValueInvalid rules[0].nonResourceURLs"}},
		{"empty aggregation", rbacv1.ClusterRole{AggregationRule: &rbacv1.AggregationRule{}},
			[]string{"FieldValueRequired aggregationRule.clusterRoleSelectors"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErrs(t, ClusterRoleStrategy{}.Validate(&c.role), c.want...)
		})
	}
}

func TestBindingDefaultAndValidate(t *testing.T) {
	cases := []struct {
		name    string
		ref     rbacv1.RoleRef
		subject rbacv1.Subject
		want    []string
		wantCRB []string
	}{
		{"user", rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}, rbacv1.Subject{Kind: "User", Name: "alice"}, nil, nil},
		{"role kind", rbacv1.RoleRef{Kind: "Role", Name: "r"}, rbacv1.Subject{Kind: "Group", Name: "devs"}, nil,
			[]string{"FieldValueNotSupported roleRef.kind"}},
		{"sa without namespace", rbacv1.RoleRef{Kind: "ClusterRole", Name: "r"}, rbacv1.Subject{Kind: "ServiceAccount", Name: "default"}, nil,
			[]string{"FieldValueRequired subjects[0].namespace"}},
		{"bad kind", rbacv1.RoleRef{Kind: "ClusterRole", Name: "r"}, rbacv1.Subject{Kind: "Robot", Name: "x"},
			[]string{"FieldValueNotSupported subjects[0].kind"}, []string{"FieldValueNotSupported subjects[0].kind"}},
		{"no names", rbacv1.RoleRef{Kind: "ClusterRole"}, rbacv1.Subject{Kind: "User"},
			[]string{"FieldValueRequired roleRef.name", "FieldValueRequired subjects[0].name"},
			[]string{"FieldValueRequired roleRef.name", "FieldValueRequired subjects[0].name"}},
		{"bad group", rbacv1.RoleRef{APIGroup: "example.com", Kind: "ClusterRole", Name: "a"}, rbacv1.Subject{Kind: "ServiceAccount", Name: "x", APIGroup: "rbac.authorization.k8s.io", Namespace: "ns"},
			[]string{"FieldValueNotSupported roleRef.apiGroup", "FieldValueNotSupported subjects[0].apiGroup"},
			[]string{"FieldValueNotSupported roleRef.apiGroup", "FieldValueNotSupported subjects[0].apiGroup"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rb := &rbacv1.RoleBinding{RoleRef: c.ref, Subjects: []rbacv1.Subject{c.subject}}
			RoleBindingStrategy{}.Default(rb)
			wantErrs(t, RoleBindingStrategy{}.Validate(rb), c.want...)
			crb := &rbacv1.ClusterRoleBinding{RoleRef: c.ref, Subjects: []rbacv1.Subject{c.subject}}
			ClusterRoleBindingStrategy{}.Default(crb)
			wantErrs(t, ClusterRoleBindingStrategy{}.Validate(crb), c.wantCRB...)
		})
	}
}

func TestBindingRoleRefImmutable(t *testing.T) {
	old := &rbacv1.RoleBinding{RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"}}
	neu := old.DeepCopy()
	neu.RoleRef.Name = "edit"
	errs := RoleBindingStrategy{}.ValidateUpdate(neu, old)
	wantErrs(t, errs, "FieldValueInvalid roleRef")
	if errs[0].Detail != "cannot change roleRef" {
		t.Fatalf("detail = %q", errs[0].Detail)
	}
	wantErrs(t, RoleBindingStrategy{}.ValidateUpdate(old.DeepCopy(), old))
}

func TestTables(t *testing.T) {
	created := metav1.NewTime(time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("x", 3600)))
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: created}}
	if got := (RoleStrategy{}).Cells(role); got[0] != "2024-05-01T09:00:00Z" {
		t.Fatalf("created at = %v", got)
	}
	if c := (ClusterRoleStrategy{}).Columns(); len(c) != 1 || c[0].Type != "date" {
		t.Fatalf("columns = %+v", c)
	}
	rb := &rbacv1.RoleBinding{
		RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"},
		Subjects: []rbacv1.Subject{
			{Kind: "User", Name: "alice"}, {Kind: "User", Name: "bob"},
			{Kind: "Group", Name: "devs"}, {Kind: "ServiceAccount", Namespace: "ns", Name: "sa"},
		},
	}
	want := []interface{}{"ClusterRole/view", "<unknown>", "alice, bob", "devs", "ns/sa"}
	got := RoleBindingStrategy{}.Cells(rb)
	if len(got) != len((RoleBindingStrategy{}).Columns()) {
		t.Fatalf("%d cells", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("cells = %#v, want %#v", got, want)
		}
	}
}

func TestResourcesUsePathSegmentNames(t *testing.T) {
	for _, r := range Resources() {
		if len(r.ValidateName("system:controller:x", false)) != 0 {
			t.Errorf("%s rejects a colon name", r.GVR.Resource)
		}
		if len(r.ValidateName("a/b", false)) == 0 {
			t.Errorf("%s accepts a slash", r.GVR.Resource)
		}
	}
}
