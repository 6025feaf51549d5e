package apiserver

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff/skiff/internal/pki"
)

// tokenFixture: namespace ns with service accounts default and other, pod
// web (running as default on node n1), a secret and the node.
func tokenFixture(t *testing.T, now func() time.Time) *testServer {
	t.Helper()
	objs := newFakeObjects().add(
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "default", UID: "sa-uid"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "other", UID: "other-uid"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "s", UID: "secret-uid"}},
		runningPod("ns", "web", "n1", "c"), testNode("n1", 10250),
	)
	return newTestServer(t, objs, testServerOptions{now: now})
}

// requestToken posts a TokenRequest as kubectl create token does.
func requestToken(t *testing.T, ts *testServer, sa string, spec authenticationv1.TokenRequestSpec) (int, *authenticationv1.TokenRequest, string) {
	t.Helper()
	body, _ := json.Marshal(authenticationv1.TokenRequest{
		TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenRequest"}, Spec: spec,
	})
	resp, err := ts.client.Post(ts.srv.URL+"/api/v1/namespaces/ns/serviceaccounts/"+sa+"/token", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var tr authenticationv1.TokenRequest
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode, &tr, string(data)
}

func mustToken(t *testing.T, ts *testServer, sa string, spec authenticationv1.TokenRequestSpec) string {
	t.Helper()
	code, tr, body := requestToken(t, ts, sa, spec)
	if code != http.StatusCreated {
		t.Fatalf("token request: %d %s", code, body)
	}
	return tr.Status.Token
}

func decodeClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTokenRequestIssues(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	ts := tokenFixture(t, func() time.Time { return now })
	code, tr, body := requestToken(t, ts, "default", authenticationv1.TokenRequestSpec{})
	if code != http.StatusCreated {
		t.Fatalf("got %d %s", code, body)
	}
	if tr.Kind != "TokenRequest" || tr.APIVersion != "authentication.k8s.io/v1" || tr.Name != "default" || tr.Namespace != "ns" {
		t.Errorf("answer %s", body)
	}
	if !tr.Status.ExpirationTimestamp.Time.Equal(now.Add(time.Hour)) || *tr.Spec.ExpirationSeconds != 3600 {
		t.Errorf("expiration %v (%d s)", tr.Status.ExpirationTimestamp, *tr.Spec.ExpirationSeconds)
	}
	if !slices.Equal(tr.Spec.Audiences, []string{DefaultServiceAccountIssuer}) {
		t.Errorf("audiences %v", tr.Spec.Audiences)
	}
	c := decodeClaims(t, tr.Status.Token)
	want := map[string]any{
		"iss": "https://kubernetes.default.svc.cluster.local", "sub": "system:serviceaccount:ns:default",
		"aud": []any{"https://kubernetes.default.svc.cluster.local"},
		"iat": float64(now.Unix()), "nbf": float64(now.Unix()), "exp": float64(now.Add(time.Hour).Unix()),
		"kubernetes.io": map[string]any{"namespace": "ns", "serviceaccount": map[string]any{"name": "default", "uid": "sa-uid"}},
	}
	for k, v := range want {
		if got, _ := json.Marshal(c[k]); string(got) != mustJSON(v) {
			t.Errorf("claim %s = %s, want %s", k, got, mustJSON(v))
		}
	}
	if id, _ := c["jti"].(string); id == "" {
		t.Error("no jti")
	}
}

func mustJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func TestTokenRequestBoundToPod(t *testing.T) {
	ts := tokenFixture(t, nil)
	token := mustToken(t, ts, "default", authenticationv1.TokenRequestSpec{
		Audiences: []string{"vault", DefaultServiceAccountIssuer}, ExpirationSeconds: ptrTo(int64(3607)),
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "web", UID: "pod-uid-1"},
	})
	k := decodeClaims(t, token)["kubernetes.io"]
	want := `{"namespace":"ns","node":{"name":"n1","uid":"node-uid-1"},"pod":{"name":"web","uid":"pod-uid-1"},"serviceaccount":{"name":"default","uid":"sa-uid"}}`
	if got := mustJSON(k); got != want {
		t.Errorf("kubernetes.io = %s\nwant %s", got, want)
	}
}

func TestTokenRequestErrors(t *testing.T) {
	ts := tokenFixture(t, nil)
	pod := func(name, uid string) *authenticationv1.BoundObjectReference {
		return &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: name, UID: types.UID(uid)}
	}
	tests := []struct {
		name, sa string
		spec     authenticationv1.TokenRequestSpec
		wantCode int
		wantMsg  string
	}{
		{"too short", "default", authenticationv1.TokenRequestSpec{ExpirationSeconds: ptrTo(int64(60))}, 422,
			`TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes`},
		{"too long", "default", authenticationv1.TokenRequestSpec{ExpirationSeconds: ptrTo(int64(1<<32 + 1))}, 422,
			"may not specify a duration larger than 2^32 seconds"},
		{"missing service account", "ghost", authenticationv1.TokenRequestSpec{}, 404, `serviceaccounts \"ghost\" not found`},
		{"missing pod", "default", authenticationv1.TokenRequestSpec{BoundObjectRef: pod("nope", "")}, 404, `pods \"nope\" not found`},
		{"pod of another account", "other", authenticationv1.TokenRequestSpec{BoundObjectRef: pod("web", "")}, 400,
			`cannot bind token for serviceaccount \"other\" to pod running with different serviceaccount name.`},
		{"stale pod UID", "default", authenticationv1.TokenRequestSpec{BoundObjectRef: pod("web", "old")}, 409,
			"the UID in the bound object reference (old) does not match the UID in record"},
		{"unsupported kind", "default", authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Name: "d"}}, 400,
			"cannot bind token to object of type apps/v1, Kind=Deployment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := requestToken(t, ts, tt.sa, tt.spec)
			if code != tt.wantCode || !strings.Contains(body, tt.wantMsg) {
				t.Errorf("got %d %s\nwant %d %q", code, body, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

// bearerGet asks for path with a bearer token and no client certificate.
func bearerGet(t *testing.T, ts *testServer, path, token string) (int, string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ts.bundle.CAPEM())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequest("GET", ts.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestBearerTokenAuthentication(t *testing.T) {
	clock := time.Now()
	now := func() time.Time { return clock }
	ts := tokenFixture(t, now)
	plain := mustToken(t, ts, "default", authenticationv1.TokenRequestSpec{})
	podBound := mustToken(t, ts, "default", authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: "web"}})
	secretBound := mustToken(t, ts, "default", authenticationv1.TokenRequestSpec{
		BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: "s"}})
	otherAudience := mustToken(t, ts, "default", authenticationv1.TokenRequestSpec{Audiences: []string{"vault"}})
	foreign := mustToken(t, tokenFixture(t, now), "default", authenticationv1.TokenRequestSpec{})

	if code, body := bearerGet(t, ts, "/api", plain); code != 200 {
		t.Fatalf("valid token: %d %s", code, body)
	}
	if code, _ := bearerGet(t, ts, "/api", ""); code != 401 {
		t.Errorf("no credentials: %d", code)
	}
	for name, token := range map[string]string{
		"garbage": "abc", "other audience": otherAudience, "other server's key": foreign,
		"tampered": plain[:len(plain)-4] + "AAAA",
	} {
		if code, body := bearerGet(t, ts, "/api", token); code != 401 || !strings.Contains(body, `"reason":"Unauthorized"`) {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	// A bad token is refused even on a path anonymous clients may read.
	if code, _ := bearerGet(t, ts, "/api", "abc"); code != 401 {
		t.Errorf("bad token: %d", code)
	}

	// The bound pod goes away: its token stops working, the others not.
	ts.objects.remove("pods", "ns/web")
	if code, _ := bearerGet(t, ts, "/api", podBound); code != 401 {
		t.Errorf("token of a deleted pod: %d", code)
	}
	if code, _ := bearerGet(t, ts, "/api", secretBound); code != 200 {
		t.Errorf("secret-bound token: %d", code)
	}
	// The service account is recreated: same name, new UID.
	ts.objects.add(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "default", UID: "new-uid"}})
	if code, _ := bearerGet(t, ts, "/api", plain); code != 401 {
		t.Errorf("token of a recreated service account: %d", code)
	}
	fresh := mustToken(t, ts, "default", authenticationv1.TokenRequestSpec{})
	if code, _ := bearerGet(t, ts, "/api", fresh); code != 200 {
		t.Errorf("fresh token: %d", code)
	}
	clock = clock.Add(time.Hour + 2*clockSkew)
	if code, _ := bearerGet(t, ts, "/api", fresh); code != 401 {
		t.Errorf("expired token: %d", code)
	}
}

func TestBearerTokenUser(t *testing.T) {
	ts := tokenFixture(t, nil)
	token := mustToken(t, ts, "default", authenticationv1.TokenRequestSpec{})
	req, _ := http.NewRequest("GET", "/api", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	got, err := ts.api.authenticateBearer(req)
	if err != nil {
		t.Fatal(err)
	}
	user, groups := requestUser(got)
	if user != "system:serviceaccount:ns:default" || !slices.Equal(groups, []string{"system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"}) {
		t.Errorf("user %q groups %v", user, groups)
	}
}

func TestServiceAccountIssuerDiscovery(t *testing.T) {
	ts := tokenFixture(t, nil)
	get := func(path string) (string, string) {
		resp, err := ts.client.Get(ts.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return resp.Header.Get("Content-Type"), string(body)
	}
	_, doc := get("/.well-known/openid-configuration")
	var cfg oidcConfig
	if err := json.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != DefaultServiceAccountIssuer || !strings.HasSuffix(cfg.JWKSURI, "/openid/v1/jwks") || !slices.Equal(cfg.SigningAlgValues, []string{"ES256"}) {
		t.Errorf("discovery %s", doc)
	}
	ct, jwks := get("/openid/v1/jwks")
	if ct != "application/jwk-set+json" {
		t.Errorf("Content-Type %q", ct)
	}
	var set struct{ Keys []pki.JWK }
	if err := json.Unmarshal([]byte(jwks), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %s: %v", jwks, err)
	}
	kid, _ := pki.KeyID(ts.bundle.ServiceAccountKey().Public())
	if set.Keys[0].KeyID != kid || set.Keys[0].KeyType != "EC" {
		t.Errorf("key %+v", set.Keys[0])
	}
	// An anonymous client gets 401, as from kube-apiserver by default.
	if code, _ := bearerGet(t, ts, "/openid/v1/jwks", ""); code != 401 {
		t.Errorf("anonymous jwks: %d", code)
	}
}

func TestAudiencesClaimForms(t *testing.T) {
	for in, want := range map[string][]string{`"a"`: {"a"}, `["a","b"]`: {"a", "b"}} {
		var a audiences
		if err := json.Unmarshal([]byte(in), &a); err != nil || !slices.Equal(a, want) {
			t.Errorf("%s: %v %v", in, a, err)
		}
	}
	var a audiences
	if err := json.Unmarshal([]byte(`5`), &a); err == nil {
		t.Error("a number became audiences")
	}
}
