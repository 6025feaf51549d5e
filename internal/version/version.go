// Package version says which Kubernetes API skiff serves and which skiff
// build this is.
package version

import (
	"fmt"
	"runtime"

	apiversion "k8s.io/apimachinery/pkg/version"
)

// Kubernetes is the Kubernetes release whose API types (k8s.io/api) skiff
// serves; kubectl compares its own version with it.
const Kubernetes = "v1.32.13"

// Skiff is this build's own version, set at link time with
// -ldflags "-X github.com/skiff/skiff/internal/version.Skiff=...".
var Skiff = "dev"

// Info is what /version answers.
func Info() apiversion.Info {
	return apiversion.Info{
		Major:        "1",
		Minor:        "32",
		GitVersion:   Kubernetes + "+skiff",
		GitCommit:    Skiff,
		GitTreeState: "clean",
		BuildDate:    "1970-01-01T00:00:00Z",
		GoVersion:    runtime.Version(),
		Compiler:     runtime.Compiler,
		Platform:     fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH),
	}
}
