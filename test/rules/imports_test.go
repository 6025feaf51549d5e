// Package rules checks architectural rules of the code base that the
// compiler cannot: rule one of the design says only the API server touches
// storage.
package rules

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/skiff/skiff"

// storageImporters are the packages allowed to import internal/storage:
// the API server, its registry, the watch cache, and the wiring that
// opens a backend and hands it to the API server.
var storageImporters = []string{
	module + "/internal/apiserver",
	module + "/internal/registry/",
	module + "/internal/watchcache",
	module + "/internal/controlplane",
	module + "/internal/storage",
	module + "/test/integration",
}

func allowed(pkg string) bool {
	for _, p := range storageImporters {
		if pkg == p || strings.HasPrefix(pkg, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

func TestOnlyTheAPIServerImportsStorage(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg := fields[0]
		checked++
		for _, imp := range fields[1:] {
			if (imp == module+"/internal/storage" || strings.HasPrefix(imp, module+"/internal/storage/")) && !allowed(pkg) {
				t.Errorf("%s imports %s: only the API server may touch storage", pkg, imp)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("go list reported only %d packages; the check did not run", checked)
	}
}

func TestAllowedListIsNotEverything(t *testing.T) {
	for _, pkg := range []string{module + "/cmd/skiff", module + "/internal/pki", module + "/internal/openapi"} {
		if allowed(pkg) {
			t.Errorf("%s should not be allowed to import storage", pkg)
		}
	}
}
