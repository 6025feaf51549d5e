package criconfig

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestExpand(t *testing.T) {
	env := envLookup([]corev1.EnvVar{{Name: "A", Value: "a"}, {Name: "EMPTY"}, {Name: "B", Value: "$(A)"}, {Name: "A", Value: "last"}})
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"$(A)", "last"},
		{"x$(A)y$(A)", "xlastylast"},
		{"$(EMPTY)-", "-"},
		{"$(B)", "$(A)"}, // values are not expanded twice
		{"$(MISSING)", "$(MISSING)"},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$last"},
		{"$$", "$"},
		{"$", "$"},
		{"a$", "a$"},
		{"$x", "$x"},
		{"$(A", "$(A"},
		{"$(", "$("},
		{"$()", "$()"},
		{"$(A)$(", "last$("},
		{"$$$$", "$$"},
	}
	for _, tc := range cases {
		if got := expand(tc.in, env); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExpandAllKeepsNil(t *testing.T) {
	if got := expandAll(nil, envLookup(nil)); got != nil {
		t.Errorf("expandAll(nil) = %#v, want nil", got)
	}
}
