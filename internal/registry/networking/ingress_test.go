package networking

import (
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func svcBackend(name string, port int32) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
		Name: name, Port: networkingv1.ServiceBackendPort{Number: port},
	}}
}

func ingressWithPath(host, path string, pt *networkingv1.PathType, b networkingv1.IngressBackend) *networkingv1.Ingress {
	return &networkingv1.Ingress{Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
		Host: host,
		IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: pt, Backend: b}},
		}},
	}}}}
}

func TestIngressValidate(t *testing.T) {
	prefix := ptr(networkingv1.PathTypePrefix)
	impl := ptr(networkingv1.PathTypeImplementationSpecific)
	ok := svcBackend("web", 80)
	paths := "spec.rules[0].http.paths[0]"
	cases := []struct {
		name string
		ing  *networkingv1.Ingress
		want []string
	}{
		{"valid", ingressWithPath("foo.example.com", "/", prefix, ok), nil},
		{"wildcard host", ingressWithPath("*.example.com", "/", prefix, ok), nil},
		{"empty", &networkingv1.Ingress{}, []string{"FieldValueInvalid spec"}},
		{"default backend only", &networkingv1.Ingress{Spec: networkingv1.IngressSpec{DefaultBackend: &ok}}, nil},
		{"ip host", ingressWithPath("1.2.3.4", "/", prefix, ok), []string{"FieldValueInvalid spec.rules[0].host"}},
		{"bad host", ingressWithPath("Foo_bar", "/", prefix, ok), []string{"FieldValueInvalid spec.rules[0].host"}},
		{"no pathType", ingressWithPath("", "/", nil, ok), []string{"FieldValueRequired " + paths + ".pathType"}},
		{"bad pathType", ingressWithPath("", "/", ptr(networkingv1.PathType("Regex")), ok), []string{"FieldValueNotSupported " + paths + ".pathType"}},
		{"relative prefix", ingressWithPath("", "foo", prefix, ok), []string{"FieldValueInvalid " + paths + ".path"}},
		{"double slash", ingressWithPath("", "/a//b", prefix, ok), []string{"FieldValueInvalid " + paths + ".path"}},
		{"impl specific empty path", ingressWithPath("", "", impl, ok), nil},
		{"no backend", ingressWithPath("", "/", prefix, networkingv1.IngressBackend{}), []string{"FieldValueInvalid " + paths + ".backend"}},
		{"both backends", ingressWithPath("", "/", prefix, networkingv1.IngressBackend{
			Service:  ok.Service,
			Resource: &corev1Ref,
		}), []string{"FieldValueInvalid " + paths + ".backend"}},
		{"port name and number", ingressWithPath("", "/", prefix, networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
			Name: "web", Port: networkingv1.ServiceBackendPort{Name: "http", Number: 80},
		}}), []string{"FieldValueInvalid " + paths + ".backend"}},
		{"no port", ingressWithPath("", "/", prefix, networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web"}}),
			[]string{"FieldValueRequired " + paths + ".backend"}},
		{"bad port", ingressWithPath("", "/", prefix, svcBackend("web", 70000)), []string{"FieldValueInvalid " + paths + ".backend.service.port.number"}},
		{"bad service name", ingressWithPath("", "/", prefix, svcBackend("1web", 80)), []string{"FieldValueInvalid " + paths + ".backend.service.name"}},
		{"no service name", ingressWithPath("", "/", prefix, svcBackend("", 80)), []string{"FieldValueRequired " + paths + ".backend.service.name"}},
		{"empty paths", &networkingv1.Ingress{Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}},
		}}}}, []string{"FieldValueRequired spec.rules[0].http.paths"}},
		{"class mismatch", func() *networkingv1.Ingress {
			ing := ingressWithPath("", "/", prefix, ok)
			ing.Annotations = map[string]string{ingressClassAnnotation: "a"}
			ing.Spec.IngressClassName = ptr("b")
			return ing
		}(), []string{"FieldValueInvalid annotations.kubernetes.io/ingress.class"}},
		{"bad tls host", &networkingv1.Ingress{Spec: networkingv1.IngressSpec{DefaultBackend: &ok,
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"a..b"}}}}}, []string{"FieldValueInvalid spec.tls[0].hosts[0]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErrs(t, IngressStrategy{}.Validate(c.ing), c.want...)
		})
	}
}

var corev1Ref = corev1TypedRef()

func TestIngressStatusValidate(t *testing.T) {
	ing := &networkingv1.Ingress{Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{
		Ingress: []networkingv1.IngressLoadBalancerIngress{{IP: "10.0.0.1"}, {IP: "nope"}, {Hostname: "1.2.3.4"}},
	}}}
	wantErrs(t, IngressStrategy{}.ValidateStatusUpdate(ing, ing),
		"FieldValueInvalid status.loadBalancer.ingress[1].ip",
		"FieldValueInvalid status.loadBalancer.ingress[2].hostname")
}

func TestIngressPrepare(t *testing.T) {
	ing := ingressWithPath("a.com", "/", ptr(networkingv1.PathTypePrefix), svcBackend("web", 80))
	ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "1.1.1.1"}}
	IngressStrategy{}.PrepareForCreate(ing)
	if len(ing.Status.LoadBalancer.Ingress) != 0 || ing.Generation != 1 {
		t.Fatalf("create kept status or generation %d", ing.Generation)
	}
	same := ing.DeepCopy()
	IngressStrategy{}.PrepareForUpdate(same, ing)
	changed := ing.DeepCopy()
	changed.Spec.Rules[0].Host = "b.com"
	IngressStrategy{}.PrepareForUpdate(changed, ing)
	if same.Generation != 1 || changed.Generation != 2 {
		t.Fatalf("generations = %d, %d; want 1, 2", same.Generation, changed.Generation)
	}
}

func TestIngressCells(t *testing.T) {
	ok := svcBackend("web", 80)
	rules := func(hosts ...string) []networkingv1.IngressRule {
		var r []networkingv1.IngressRule
		for _, h := range hosts {
			r = append(r, networkingv1.IngressRule{Host: h})
		}
		return r
	}
	cases := []struct {
		name string
		spec networkingv1.IngressSpec
		lb   []networkingv1.IngressLoadBalancerIngress
		want []interface{}
	}{
		{"default backend", networkingv1.IngressSpec{DefaultBackend: &ok}, nil, []interface{}{"<none>", "*", "", "80"}},
		{"class tls", networkingv1.IngressSpec{IngressClassName: ptr("nginx"), Rules: rules("a.com"),
			TLS: []networkingv1.IngressTLS{{}}}, []networkingv1.IngressLoadBalancerIngress{{IP: "10.0.0.2"}, {Hostname: "lb.example.com"}, {IP: "10.0.0.2"}},
			[]interface{}{"nginx", "a.com", "10.0.0.2,lb.example.com", "80, 443"}},
		{"many hosts", networkingv1.IngressSpec{Rules: rules("a", "", "b", "c", "d")}, nil,
			[]interface{}{"<none>", "a,b,c + 2 more...", "", "80"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ing := &networkingv1.Ingress{Spec: c.spec}
			ing.CreationTimestamp = metav1.NewTime(time.Now().Add(-time.Hour))
			ing.Status.LoadBalancer.Ingress = c.lb
			s := IngressStrategy{}
			cells := s.Cells(ing)
			if len(cells) != len(s.Columns()) {
				t.Fatalf("%d cells for %d columns", len(cells), len(s.Columns()))
			}
			want := append(c.want, "60m")
			for i := range want {
				if cells[i] != want[i] {
					t.Fatalf("cells = %#v, want %#v", cells, want)
				}
			}
		})
	}
}
