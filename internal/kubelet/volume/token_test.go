package volume

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"
)

// tokenServer answers TokenRequests for the fake clientset like the API
// server: token-N, valid from the fixture's clock for the requested time.
type tokenServer struct {
	f    *fixture
	mu   sync.Mutex
	reqs []*authv1.TokenRequest
	sas  []string
	fail error
}

func serveTokens(f *fixture) *tokenServer {
	s := &tokenServer{f: f}
	f.client.PrependReactor("create", "serviceaccounts", func(a clienttesting.Action) (bool, runtime.Object, error) {
		ca, ok := a.(clienttesting.CreateAction)
		if !ok || ca.GetSubresource() != "token" {
			return false, nil, nil
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.fail != nil {
			return true, nil, s.fail
		}
		req := ca.GetObject().(*authv1.TokenRequest).DeepCopy()
		s.reqs = append(s.reqs, req)
		s.sas = append(s.sas, a.(clienttesting.CreateActionImpl).Name)
		resp := req.DeepCopy()
		resp.Status.Token = fmt.Sprintf("token-%d", len(s.reqs))
		resp.Status.ExpirationTimestamp = metav1.NewTime(f.clock.Now().Add(time.Duration(*req.Spec.ExpirationSeconds) * time.Second))
		return true, resp, nil
	})
	return s
}

func (s *tokenServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

func TestTokenRequest(t *testing.T) {
	f := newFixture(t)
	srv := serveTokens(f)
	pod := newPod()
	tok, err := f.m.tokens.get(context.Background(), pod, &corev1.ServiceAccountTokenProjection{
		Audience: "vault", ExpirationSeconds: ptr(int64(7200)), Path: "token"})
	if err != nil || tok != "token-1" {
		t.Fatalf("get = %q, %v", tok, err)
	}
	req := srv.reqs[0]
	if srv.sas[0] != "sa" || len(req.Spec.Audiences) != 1 || req.Spec.Audiences[0] != "vault" ||
		*req.Spec.ExpirationSeconds != 7200 {
		t.Errorf("request for %s: %+v", srv.sas[0], req.Spec)
	}
	want := authv1.BoundObjectReference{APIVersion: "v1", Kind: "Pod", Name: "web", UID: "uid-1"}
	if req.Spec.BoundObjectRef == nil || *req.Spec.BoundObjectRef != want {
		t.Errorf("boundObjectRef = %+v, want %+v", req.Spec.BoundObjectRef, want)
	}

	// No audience, no expiration, no service account: the defaults.
	pod.Spec.ServiceAccountName = ""
	if _, err := f.m.tokens.get(context.Background(), pod, &corev1.ServiceAccountTokenProjection{Path: "t"}); err != nil {
		t.Fatal(err)
	}
	if req := srv.reqs[1]; srv.sas[1] != "default" || req.Spec.Audiences != nil || *req.Spec.ExpirationSeconds != 3600 {
		t.Errorf("defaults: sa %s, spec %+v", srv.sas[1], req.Spec)
	}

	_, err = f.m.tokens.get(context.Background(), pod, &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr(int64(599))})
	if err == nil || !strings.Contains(err.Error(), "less than 600") {
		t.Errorf("599 s: %v", err)
	}
}

func TestTokenRefresh(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seconds int64
		after   time.Duration // since the first token was issued
		renew   bool
	}{
		{"fresh", 3600, 0, false},
		{"79% of an hour", 3600, 2844 * time.Second, false},
		{"80% of an hour", 3600, 2880 * time.Second, true},
		{"expired", 3600, 2 * time.Hour, true},
		{"two days, 23h", 172800, 23 * time.Hour, false},
		{"two days, a day", 172800, 24 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			srv := serveTokens(f)
			tp := &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &tc.seconds, Path: "token"}
			ctx := context.Background()
			if _, err := f.m.tokens.get(ctx, newPod(), tp); err != nil {
				t.Fatal(err)
			}
			f.clock.SetTime(t0.Add(tc.after))
			tok, err := f.m.tokens.get(ctx, newPod(), tp)
			if err != nil {
				t.Fatal(err)
			}
			want, calls := "token-1", 1
			if tc.renew {
				want, calls = "token-2", 2
			}
			if tok != want || srv.count() != calls {
				t.Errorf("after %v got %s with %d requests, want %s with %d", tc.after, tok, srv.count(), want, calls)
			}
		})
	}
}

func TestTokenRefreshFailure(t *testing.T) {
	f := newFixture(t)
	srv := serveTokens(f)
	ctx := context.Background()
	tp := &corev1.ServiceAccountTokenProjection{Path: "token"}
	if _, err := f.m.tokens.get(ctx, newPod(), tp); err != nil {
		t.Fatal(err)
	}
	srv.fail = errors.New("apiserver down")
	// Due for renewal but not expired: the old token is still served.
	f.clock.SetTime(t0.Add(50 * time.Minute))
	if tok, err := f.m.tokens.get(ctx, newPod(), tp); err != nil || tok != "token-1" {
		t.Errorf("renewal failed before expiry: %q, %v; want token-1", tok, err)
	}
	f.clock.SetTime(t0.Add(61 * time.Minute))
	if _, err := f.m.tokens.get(ctx, newPod(), tp); err == nil || !strings.Contains(err.Error(), "failed to fetch token: apiserver down") {
		t.Errorf("renewal failed after expiry: %v", err)
	}
	srv.fail = nil
	if tok, _ := f.m.tokens.get(ctx, newPod(), tp); tok != "token-2" {
		t.Errorf("after recovery: %q", tok)
	}
	f.m.tokens.forgetPod("uid-1")
	if tok, _ := f.m.tokens.get(ctx, newPod(), tp); tok != "token-3" {
		t.Errorf("after forgetPod: %q, want a new token", tok)
	}
}
