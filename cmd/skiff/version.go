package main

import (
	"context"
	"fmt"

	"github.com/skiff/skiff/internal/version"
)

func runVersion(_ context.Context, _ []string) error {
	v := version.Info()
	fmt.Printf("skiff %s (Kubernetes API %s, %s, %s)\n", version.Skiff, v.GitVersion, v.GoVersion, v.Platform)
	return nil
}
