package discovery

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func ptr[T any](v T) *T { return &v }

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

func slice(t discoveryv1.AddressType, addrs ...string) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{AddressType: t, Endpoints: []discoveryv1.Endpoint{{Addresses: addrs}}}
}

func TestEndpointSliceValidate(t *testing.T) {
	tooMany := &discoveryv1.EndpointSlice{AddressType: discoveryv1.AddressTypeIPv4, Endpoints: make([]discoveryv1.Endpoint, 1001)}
	cases := []struct {
		name  string
		slice *discoveryv1.EndpointSlice
		want  []string
	}{
		{"valid v4", slice(discoveryv1.AddressTypeIPv4, "10.0.0.1"), nil},
		{"valid fqdn", slice(discoveryv1.AddressTypeFQDN, "db.example.com"), nil},
		{"no type", slice("", "10.0.0.1"), []string{"FieldValueRequired addressType"}},
		{"bad type", slice("IPX", "10.0.0.1"), []string{"FieldValueNotSupported addressType"}},
		{"v6 in v4 slice", slice(discoveryv1.AddressTypeIPv4, "fd00::1"), []string{"FieldValueInvalid endpoints[0].addresses[0]"}},
		{"loopback", slice(discoveryv1.AddressTypeIPv4, "127.0.0.1"), []string{"FieldValueInvalid endpoints[0].addresses[0]"}},
		{"no addresses", slice(discoveryv1.AddressTypeIPv4), []string{"FieldValueRequired endpoints[0].addresses"}},
		{"too many endpoints", tooMany, []string{"FieldValueTooMany endpoints"}},
		{"duplicate ports", &discoveryv1.EndpointSlice{AddressType: discoveryv1.AddressTypeIPv4,
			Ports: []discoveryv1.EndpointPort{{Name: ptr("http")}, {Name: ptr("http")}}},
			[]string{"FieldValueDuplicate ports[1].name"}},
		{"bad protocol", &discoveryv1.EndpointSlice{AddressType: discoveryv1.AddressTypeIPv4,
			Ports: []discoveryv1.EndpointPort{{Protocol: ptr(corev1.Protocol("ICMP"))}}},
			[]string{"FieldValueNotSupported ports[0].protocol"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			EndpointSliceStrategy{}.Default(c.slice)
			wantErrs(t, EndpointSliceStrategy{}.Validate(c.slice), c.want...)
		})
	}
}

func TestEndpointSliceUpdate(t *testing.T) {
	old := slice(discoveryv1.AddressTypeIPv4, "10.0.0.1")
	EndpointSliceStrategy{}.PrepareForCreate(old)
	neu := slice(discoveryv1.AddressTypeIPv6, "fd00::1")
	neu.Generation = 1
	wantErrs(t, EndpointSliceStrategy{}.ValidateUpdate(neu, old), "FieldValueInvalid addressType")

	same := old.DeepCopy()
	EndpointSliceStrategy{}.PrepareForUpdate(same, old)
	moved := old.DeepCopy()
	moved.Endpoints[0].Addresses[0] = "10.0.0.2"
	EndpointSliceStrategy{}.PrepareForUpdate(moved, old)
	if same.Generation != 1 || moved.Generation != 2 {
		t.Fatalf("generations = %d, %d", same.Generation, moved.Generation)
	}
}

func TestEndpointSliceDefaultAndCells(t *testing.T) {
	s := &discoveryv1.EndpointSlice{AddressType: discoveryv1.AddressTypeIPv4,
		Ports:     []discoveryv1.EndpointPort{{Port: ptr(int32(80))}, {Name: ptr("dns")}, {Port: ptr(int32(443))}, {Port: ptr(int32(8080))}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1", "10.0.0.2"}}, {Addresses: []string{"10.0.0.3", "10.0.0.4"}}}}
	cases := []struct {
		slice *discoveryv1.EndpointSlice
		want  []interface{}
	}{
		{s, []interface{}{"IPv4", "80,dns,443 + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...", "<unknown>"}},
		{&discoveryv1.EndpointSlice{AddressType: "FQDN", Ports: []discoveryv1.EndpointPort{{}}}, []interface{}{"FQDN", "*", "<unset>", "<unknown>"}},
	}
	for _, c := range cases {
		got := EndpointSliceStrategy{}.Cells(c.slice)
		for i := range c.want {
			if got[i] != c.want[i] {
				t.Fatalf("cells = %#v, want %#v", got, c.want)
			}
		}
	}
	EndpointSliceStrategy{}.Default(s)
	if *s.Ports[0].Protocol != corev1.ProtocolTCP || *s.Ports[0].Name != "" {
		t.Fatalf("port defaults = %+v", s.Ports[0])
	}
}
