package core

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newService(mutate func(*corev1.Service)) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Port: 80}},
		},
	}
	if mutate != nil {
		mutate(svc)
	}
	serviceStrategy{}.Default(svc)
	return svc
}

func TestServiceDefaults(t *testing.T) {
	svc := newService(nil)
	s := svc.Spec
	if s.Type != corev1.ServiceTypeClusterIP || s.SessionAffinity != corev1.ServiceAffinityNone {
		t.Errorf("type/affinity defaults: %s %s", s.Type, s.SessionAffinity)
	}
	if s.Ports[0].Protocol != corev1.ProtocolTCP || s.Ports[0].TargetPort != intstr.FromInt32(80) {
		t.Errorf("port defaults: %+v", s.Ports[0])
	}
	if *s.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster || s.ExternalTrafficPolicy != "" {
		t.Errorf("traffic policies: %v %q", *s.InternalTrafficPolicy, s.ExternalTrafficPolicy)
	}
	if *s.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack || len(s.IPFamilies) != 1 || s.IPFamilies[0] != corev1.IPv4Protocol {
		t.Errorf("ip families: %v %v", *s.IPFamilyPolicy, s.IPFamilies)
	}
	if s.ClusterIP != "" {
		t.Errorf("defaulting allocated a cluster IP %q", s.ClusterIP)
	}
	np := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer })
	if np.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster || !*np.Spec.AllocateLoadBalancerNodePorts {
		t.Errorf("load balancer defaults: %+v", np.Spec)
	}
	en := newService(func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeExternalName
		s.Spec.ExternalName = "example.com"
	})
	if en.Spec.InternalTrafficPolicy != nil || en.Spec.IPFamilyPolicy != nil {
		t.Errorf("ExternalName got cluster IP defaults: %+v", en.Spec)
	}
}

func TestServiceValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Service)
		want   []string
	}{
		{"valid", nil, nil},
		{"no ports", func(s *corev1.Service) { s.Spec.Ports = nil }, []string{"spec.ports: Required value"}},
		{"headless without ports", func(s *corev1.Service) { s.Spec.Ports = nil; s.Spec.ClusterIP = "None" }, nil},
		{"external name", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.Ports = nil
			s.Spec.ExternalName = "db.example.com."
		}, nil},
		{"external name missing", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName },
			[]string{"spec.externalName: Required value"}},
		{"two unnamed ports", func(s *corev1.Service) { s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 443}) },
			[]string{"spec.ports[0].name: Required value", "spec.ports[1].name: Required value"}},
		{"duplicate names and ports", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "a", Port: 80}, {Name: "a", Port: 80}}
		}, []string{"spec.ports[1].name: Duplicate value", "spec.ports[1]: Duplicate value"}},
		{"port range", func(s *corev1.Service) { s.Spec.Ports[0].Port = 0; s.Spec.Ports[0].TargetPort = intstr.FromInt32(80) },
			[]string{"spec.ports[0].port: Invalid value"}},
		{"bad type", func(s *corev1.Service) { s.Spec.Type = "Magic" }, []string{"spec.type: Unsupported value"}},
		{"bad selector", func(s *corev1.Service) { s.Spec.Selector = map[string]string{"a b": "c"} },
			[]string{"spec.selector: Invalid value"}},
		{"node port on ClusterIP", func(s *corev1.Service) { s.Spec.Ports[0].NodePort = 30080 },
			[]string{"spec.ports[0].nodePort: Forbidden"}},
		{"headless NodePort", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort; s.Spec.ClusterIP = "None" },
			[]string{"spec.clusterIP: Invalid value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectErrors(t, serviceStrategy{}.Validate(newService(tt.mutate)), tt.want...)
		})
	}
}

func TestServiceUpdate(t *testing.T) {
	old := newService(func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.ClusterIP = "10.96.0.10"
		s.Spec.Ports[0].NodePort = 30080
	})
	// kubectl apply sends the service without its allocated values.
	svc := newService(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	serviceStrategy{}.PrepareForUpdate(svc, old)
	if svc.Spec.ClusterIP != "10.96.0.10" || len(svc.Spec.ClusterIPs) != 1 || svc.Spec.Ports[0].NodePort != 30080 {
		t.Errorf("allocated values not kept: %+v", svc.Spec)
	}
	expectErrors(t, serviceStrategy{}.ValidateUpdate(svc, old))

	changed := svc.DeepCopy()
	changed.Spec.ClusterIP = "10.96.0.11"
	changed.Spec.ClusterIPs = []string{"10.96.0.11"}
	expectErrors(t, serviceStrategy{}.ValidateUpdate(changed, old), "spec.clusterIPs[0]: Invalid value")

	// Turning into ClusterIP drops the node port the client left in place.
	toClusterIP := svc.DeepCopy()
	toClusterIP.Spec.Type = corev1.ServiceTypeClusterIP
	serviceStrategy{}.PrepareForUpdate(toClusterIP, old)
	serviceStrategy{}.Default(toClusterIP)
	if toClusterIP.Spec.Ports[0].NodePort != 0 || toClusterIP.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("node port fields kept: %+v", toClusterIP.Spec)
	}
	expectErrors(t, serviceStrategy{}.ValidateUpdate(toClusterIP, old))
}

func TestServiceCells(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*corev1.Service)
		want   []string // TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), SELECTOR
	}{
		{"cluster ip", func(s *corev1.Service) { s.Spec.ClusterIP = "10.96.0.1" },
			[]string{"ClusterIP", "10.96.0.1", "<none>", "80/TCP", "app=web"}},
		{"node port", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.ClusterIP = "10.96.0.2"
			s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, NodePort: 30080}, {Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, NodePort: 30053}}
		}, []string{"NodePort", "10.96.0.2", "<none>", "80:30080/TCP,53:30053/UDP", "app=web"}},
		{"pending lb", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeLoadBalancer; s.Spec.ClusterIP = "10.96.0.3" },
			[]string{"LoadBalancer", "10.96.0.3", "<pending>", "80/TCP", "app=web"}},
		{"lb with ingress", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeLoadBalancer
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.1"}, {Hostname: "lb.example.com"}}
		}, []string{"LoadBalancer", "<none>", "192.0.2.1,lb.example.com", "80/TCP", "app=web"}},
		{"external name", func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeExternalName
			s.Spec.ExternalName = "db.example.com"
			s.Spec.Ports = nil
			s.Spec.Selector = nil
		}, []string{"ExternalName", "<none>", "db.example.com", "<none>", "<none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := serviceStrategy{}.Cells(newService(tt.mutate))
			got := []interface{}{cells[0], cells[1], cells[2], cells[3], cells[5]}
			for i, w := range tt.want {
				if got[i] != w {
					t.Errorf("cell %d = %v, want %q", i, got[i], w)
				}
			}
			if len(cells) != len(serviceStrategy{}.Columns()) {
				t.Errorf("%d cells for %d columns", len(cells), len(serviceStrategy{}.Columns()))
			}
		})
	}
}
