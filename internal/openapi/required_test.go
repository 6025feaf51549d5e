package openapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestOptionalTableMatchesSources re-derives optionalWithoutOmitempty from
// the +optional markers in the module sources of k8s.io/api and
// apimachinery, so the table cannot drift from the pinned versions.
func TestOptionalTableMatchesSources(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Dir}}", "k8s.io/api", "k8s.io/apimachinery").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	found := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		mod, dir, _ := strings.Cut(line, " ")
		roots := []string{dir}
		if mod == "k8s.io/apimachinery" {
			roots = []string{filepath.Join(dir, "pkg/apis/meta/v1"), filepath.Join(dir, "pkg/runtime"), filepath.Join(dir, "pkg/version")}
		}
		for _, root := range roots {
			scanOptional(t, mod, dir, root, found)
		}
	}
	for key := range found {
		if !optionalWithoutOmitempty[key] {
			t.Errorf("%s is +optional without omitempty but missing from the table", key)
		}
	}
	for key := range optionalWithoutOmitempty {
		if !found[key] {
			t.Errorf("%s is in the table but not +optional without omitempty in the sources", key)
		}
	}
}

// scanOptional records "<package>.<Type>.<json>" for every struct field
// under root whose comment says +optional and whose json tag lacks
// omitempty.
func scanOptional(t *testing.T, mod, modDir, root string, found map[string]bool) {
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, "generated") || strings.Contains(p, "testdata") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(modDir, filepath.Dir(p))
		pkg := mod + "/" + filepath.ToSlash(rel)
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				for _, fl := range st.Fields.List {
					if key := optionalKey(pkg, ts.Name.Name, fl); key != "" {
						found[key] = true
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func optionalKey(pkg, typeName string, fl *ast.Field) string {
	if fl.Tag == nil || len(fl.Names) == 0 || fl.Doc == nil || !strings.Contains(fl.Doc.Text(), "+optional") {
		return ""
	}
	tag := reflect.StructTag(strings.Trim(fl.Tag.Value, "`")).Get("json")
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" || name == "-" || strings.Contains(opts, "omitempty") || strings.Contains(opts, "inline") {
		return ""
	}
	return pkg + "." + typeName + "." + name
}
