package runtime

import (
	"sort"
	"strings"
	"testing"
)

// flattenTOML reduces TOML text (the subset encodeTOML writes) to sorted
// "table.key = value" lines, so golden files compare by structure: order,
// blank lines and indentation do not matter, every key and value does.
func flattenTOML(t *testing.T, text string) string {
	t.Helper()
	var out []string
	header := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			header = strings.TrimSuffix(strings.TrimPrefix(line, "["), "]") + "."
		default:
			k, v, ok := strings.Cut(line, " = ")
			if !ok {
				t.Fatalf("not a key = value line: %q", line)
			}
			out = append(out, header+strings.TrimSpace(k)+" = "+strings.TrimSpace(v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func TestEncodeTOML(t *testing.T) {
	cases := []struct {
		name string
		in   table
		want string
	}{{
		name: "scalars before tables, sorted",
		in:   table{"b": true, "a": 2, "t": table{"x": "y"}, "s": "v"},
		want: "a = 2\nb = true\ns = \"v\"\n\n[t]\nx = \"y\"\n",
	}, {
		name: "dotted keys are quoted in headers and keys",
		in:   table{"plugins": table{"io.containerd.x": table{"k.v": "1"}}},
		want: "\n[plugins]\n\n[plugins.\"io.containerd.x\"]\n\"k.v\" = \"1\"\n",
	}, {
		name: "arrays and escapes",
		in:   table{"a": []string{"x", "y\"z"}, "c": [][]string{{"c", "k"}}, "p": "a\\b\tc"},
		want: "a = [\"x\", \"y\\\"z\"]\nc = [[\"c\", \"k\"]]\np = \"a\\\\b\\u0009c\"\n",
	}, {
		name: "empty table still gets its header",
		in:   table{"e": table{}},
		want: "\n[e]\n",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encodeTOML(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestEncodeTOMLRejectsUnknownTypes(t *testing.T) {
	if _, err := encodeTOML(table{"t": table{"f": 1.5}}); err == nil || !strings.Contains(err.Error(), "t.f") {
		t.Fatalf("err = %v, want an error naming key t.f", err)
	}
}
