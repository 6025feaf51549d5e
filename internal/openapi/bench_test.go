package openapi

import "testing"

// BenchmarkBuild measures start-up cost for the whole API; figures are in
// the package report (docs/performance.md).
func BenchmarkBuild(b *testing.B) {
	resources := allResources()
	info := Info{Title: "Kubernetes", Version: "v1.32.0"}
	if _, err := Build(resources, info); err != nil { // warm client-go's schema parse
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Build(resources, info); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildWithProtobuf adds compiling every protobuf form, which
// Build defers to the first request that asks for one.
func BenchmarkBuildWithProtobuf(b *testing.B) {
	resources := allResources()
	for i := 0; i < b.N; i++ {
		d, err := Build(resources, Info{Title: "Kubernetes", Version: "v1.32.0"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.v2.protobuf(); err != nil {
			b.Fatal(err)
		}
		for _, doc := range d.v3 {
			if _, err := doc.protobuf(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
