package criconfig

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// expand replaces each $(NAME) in s by what lookup gives for NAME, with
// Kubernetes' rules for command, args, env values and subPathExpr: "$$" is
// a literal "$"; a reference to a name lookup does not know stays as
// written; a "$" that starts no reference, and an unclosed "$(", are kept.
func expand(s string, lookup func(name string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$': // escaped operator
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 { // no closer: the text is literal
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default: // a lone "$": the next byte is read as usual
			b.WriteByte('$')
		}
	}
	return b.String()
}

// envLookup looks names up in a resolved env list; a later entry of a name
// wins, as it does in the container's environment.
func envLookup(env []corev1.EnvVar) func(string) (string, bool) {
	m := make(map[string]string, len(env))
	for _, e := range env {
		m[e.Name] = e.Value
	}
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// expandAll expands every string of in; nil stays nil, so an absent
// command keeps the image's entrypoint.
func expandAll(in []string, lookup func(string) (string, bool)) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = expand(s, lookup)
	}
	return out
}
