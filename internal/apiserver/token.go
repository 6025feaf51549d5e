package apiserver

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff/skiff/internal/pki"
)

// TokenRequest (serviceaccounts/token) issues service-account tokens:
// JWTs signed with the cluster's service-account key (ES256), optionally
// bound to a pod, secret or node so that they die with it. authn.go
// verifies them on the way back in.

// DefaultServiceAccountIssuer is the iss claim of tokens when the
// configuration names none, and their default audience.
const DefaultServiceAccountIssuer = "https://kubernetes.default.svc." + pki.DefaultClusterDomain

// Token lifetimes, as Kubernetes validates them.
const (
	defaultTokenSeconds = 3600
	minTokenSeconds     = 600
	maxTokenSeconds     = 1 << 32
)

var gvkTokenRequest = authenticationv1.SchemeGroupVersion.WithKind("TokenRequest")

// tokenIssuer signs and verifies service-account tokens.
type tokenIssuer struct {
	// key signs tokens; nil means this server issues and accepts none.
	key     crypto.Signer
	issuer  string
	jwksURI string
	objects clusterObjects
	now     func() time.Time
}

// tokenClaims is the payload of a service-account token.
type tokenClaims struct {
	Issuer     string            `json:"iss"`
	Subject    string            `json:"sub"`
	Audience   audiences         `json:"aud"`
	Expiry     int64             `json:"exp"`
	IssuedAt   int64             `json:"iat"`
	NotBefore  int64             `json:"nbf"`
	ID         string            `json:"jti,omitempty"`
	Kubernetes *kubernetesClaims `json:"kubernetes.io,omitempty"`
}

// kubernetesClaims are the private claims naming the service account and
// the object the token is bound to.
type kubernetesClaims struct {
	Namespace      string     `json:"namespace"`
	ServiceAccount objectRef  `json:"serviceaccount"`
	Pod            *objectRef `json:"pod,omitempty"`
	Secret         *objectRef `json:"secret,omitempty"`
	Node           *objectRef `json:"node,omitempty"`
}

type objectRef struct {
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// audiences is the aud claim: JWT allows a single string or a list; we
// write lists.
type audiences []string

func (a *audiences) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*a = audiences{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("aud: %w", err)
	}
	*a = many
	return nil
}

func newTokenIssuer(cfg Config, objects clusterObjects) *tokenIssuer {
	t := &tokenIssuer{key: cfg.ServiceAccountKey, issuer: cfg.ServiceAccountIssuer, objects: objects, now: time.Now}
	if t.issuer == "" {
		t.issuer = DefaultServiceAccountIssuer
	}
	// Verifiers fetch the key set from where other hosts reach this
	// server, as kube-apiserver publishes it by default.
	t.jwksURI = strings.TrimSuffix(t.issuer, "/") + oidcJWKSPath
	if cfg.AdvertiseIP != "" && cfg.AdvertisePort > 0 {
		t.jwksURI = "https://" + net.JoinHostPort(cfg.AdvertiseIP, strconv.Itoa(cfg.AdvertisePort)) + oidcJWKSPath
	}
	return t
}

// createToken serves POST serviceaccounts/<name>/token.
func (a *API) createToken(w http.ResponseWriter, r *http.Request, info requestInfo) error {
	if a.tokens.key == nil {
		return statusError(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "this server has no service-account signing key and issues no tokens")
	}
	// dryRun needs nothing special: a token request stores nothing.
	p, err := parseWriteParams(r)
	if err != nil {
		return err
	}
	data, err := readBody(r)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return apierrors.NewBadRequest("the request body is empty")
	}
	dec, err := a.decoderFor(r)
	if err != nil {
		return err
	}
	obj, err := a.decodeInto(w, dec, data, gvkTokenRequest, &authenticationv1.TokenRequest{}, p.validation)
	if err != nil {
		return err
	}
	out, err := a.tokens.issue(r.Context(), info.Namespace, info.Name, obj.(*authenticationv1.TokenRequest))
	if err != nil {
		return err
	}
	a.writeObject(w, r, http.StatusCreated, authenticationv1.SchemeGroupVersion, out)
	return nil
}

// issue checks a token request for service account namespace/name and
// returns it with its token, as Kubernetes' TokenREST does.
func (t *tokenIssuer) issue(ctx context.Context, namespace, name string, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	gk := gvkTokenRequest.GroupKind()
	if req.Name != "" && req.Name != name {
		return nil, apierrors.NewInvalid(gk, name, field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), req.Name, "must match the service account name if specified")})
	}
	if req.Namespace != "" && req.Namespace != namespace {
		return nil, apierrors.NewInvalid(gk, name, field.ErrorList{field.Invalid(field.NewPath("metadata", "namespace"), req.Namespace, "must match the service account namespace if specified")})
	}
	sa, err := t.objects.serviceAccount(ctx, namespace, name, false)
	if err != nil {
		return nil, err
	}
	out := req.DeepCopy()
	out.Name, out.Namespace = sa.Name, sa.Namespace
	if len(out.Spec.Audiences) == 0 {
		out.Spec.Audiences = []string{t.issuer}
	}
	if out.Spec.ExpirationSeconds == nil {
		out.Spec.ExpirationSeconds = ptrTo(int64(defaultTokenSeconds))
	}
	now := t.now()
	out.CreationTimestamp = metav1.NewTime(now)
	out.Status = authenticationv1.TokenRequestStatus{}
	if errs := validateTokenRequestSpec(&out.Spec); len(errs) > 0 {
		return nil, apierrors.NewInvalid(gk, "", errs)
	}
	claims := t.claims(sa, out.Spec, now)
	if ref := out.Spec.BoundObjectRef; ref != nil {
		if err := t.bind(ctx, claims.Kubernetes, sa, ref); err != nil {
			return nil, err
		}
	}
	token, err := pki.SignJWT(t.key, claims)
	if err != nil {
		return nil, fmt.Errorf("sign token: %w", err)
	}
	out.Status = authenticationv1.TokenRequestStatus{
		Token:               token,
		ExpirationTimestamp: metav1.NewTime(now.Add(time.Duration(*out.Spec.ExpirationSeconds) * time.Second)),
	}
	return out, nil
}

func validateTokenRequestSpec(spec *authenticationv1.TokenRequestSpec) field.ErrorList {
	p := field.NewPath("spec", "expirationSeconds")
	switch exp := *spec.ExpirationSeconds; {
	case exp < minTokenSeconds:
		return field.ErrorList{field.Invalid(p, exp, "may not specify a duration less than 10 minutes")}
	case exp > maxTokenSeconds:
		return field.ErrorList{field.Invalid(p, exp, "may not specify a duration larger than 2^32 seconds")}
	}
	return nil
}

func (t *tokenIssuer) claims(sa *corev1.ServiceAccount, spec authenticationv1.TokenRequestSpec, now time.Time) *tokenClaims {
	return &tokenClaims{
		Issuer:    t.issuer,
		Subject:   serviceAccountUser(sa.Namespace, sa.Name),
		Audience:  audiences(spec.Audiences),
		IssuedAt:  now.Unix(),
		NotBefore: now.Unix(),
		Expiry:    now.Add(time.Duration(*spec.ExpirationSeconds) * time.Second).Unix(),
		ID:        string(uuid.NewUUID()),
		Kubernetes: &kubernetesClaims{
			Namespace:      sa.Namespace,
			ServiceAccount: objectRef{Name: sa.Name, UID: string(sa.UID)},
		},
	}
}

// bind ties the token to the object ref names, which must exist (with
// ref's UID when one is given). A pod-bound token also names the pod's
// node, as Kubernetes 1.32 does.
func (t *tokenIssuer) bind(ctx context.Context, k *kubernetesClaims, sa *corev1.ServiceAccount, ref *authenticationv1.BoundObjectReference) error {
	gvk := schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind)
	var uid types.UID
	switch {
	case gvk.Group == "" && gvk.Kind == "Pod":
		pod, err := t.objects.pod(ctx, sa.Namespace, ref.Name, false)
		if err != nil {
			return err
		}
		if pod.Spec.ServiceAccountName != sa.Name {
			return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to pod running with different serviceaccount name.", sa.Name))
		}
		uid = pod.UID
		k.Pod = &objectRef{Name: pod.Name, UID: string(pod.UID)}
		if pod.Spec.NodeName != "" {
			if node, err := t.objects.node(ctx, pod.Spec.NodeName, false); err == nil {
				k.Node = &objectRef{Name: node.Name, UID: string(node.UID)}
			}
		}
	case gvk.Group == "" && gvk.Kind == "Secret":
		s, err := t.objects.secret(ctx, sa.Namespace, ref.Name, false)
		if err != nil {
			return err
		}
		uid = s.UID
		k.Secret = &objectRef{Name: s.Name, UID: string(s.UID)}
	case gvk.Group == "" && gvk.Kind == "Node":
		n, err := t.objects.node(ctx, ref.Name, false)
		if err != nil {
			return err
		}
		uid = n.UID
		k.Node = &objectRef{Name: n.Name, UID: string(n.UID)}
	default:
		return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token to object of type %s", gvk.String()))
	}
	if ref.UID != "" && uid != ref.UID {
		return apierrors.NewConflict(schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind}, ref.Name,
			fmt.Errorf("the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated", ref.UID))
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }
