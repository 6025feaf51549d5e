package scheduler

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

// schemeForEvents is the scheme the recorder uses to name involved
// objects; client-go's has every built-in kind.
func schemeForEvents() *runtime.Scheme { return scheme.Scheme }
