package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff/skiff/internal/pki"
)

// Authentication: a client is who its verified client certificate says,
// or, without one, who its service-account bearer token says. A request
// that presents a bearer token that does not verify is refused (401) even
// where anonymous requests would pass, as in Kubernetes. Authorization is
// not enforced yet: every authenticated user may do everything.

// userInfo is an authenticated identity.
type userInfo struct {
	name   string
	groups []string
}

type userKey struct{}

// tokenUser is the identity a bearer token established for r, if any.
func tokenUser(r *http.Request) (userInfo, bool) {
	u, ok := r.Context().Value(userKey{}).(userInfo)
	return u, ok
}

// authenticateBearer verifies the request's bearer token unless a client
// certificate already identifies it (certificates win, as the first
// authenticator of kube-apiserver's chain), and returns the request
// carrying the token's user. A request without a bearer token passes
// unchanged.
func (a *API) authenticateBearer(r *http.Request) (*http.Request, error) {
	token, ok := bearerToken(r)
	if !ok || (r.TLS != nil && len(r.TLS.VerifiedChains) > 0) {
		return r, nil
	}
	u, err := a.tokens.authenticate(r.Context(), token)
	if err != nil {
		a.log.Debug("bearer token refused", "err", err, "path", r.URL.Path)
		return r, apierrors.NewUnauthorized("Unauthorized")
	}
	return r.WithContext(context.WithValue(r.Context(), userKey{}, u)), nil
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// Service-account identities, as Kubernetes names them.
const (
	serviceAccountUserPrefix  = "system:serviceaccount:"
	serviceAccountsGroup      = "system:serviceaccounts"
	serviceAccountGroupPrefix = "system:serviceaccounts:"
	authenticatedGroup        = "system:authenticated"
)

func serviceAccountUser(namespace, name string) string {
	return serviceAccountUserPrefix + namespace + ":" + name
}

// invalidatedGrace is how long a token bound to an object being deleted
// keeps working, so that a pod shutting down can still talk to the API.
const invalidatedGrace = 60 * time.Second

// clockSkew is the leeway on a token's time claims.
const clockSkew = 60 * time.Second

var errTokenInvalidated = errors.New("service account token has been invalidated")

// authenticate verifies a service-account token: our signature and issuer,
// its lifetime, an audience of this server, and that the service account
// and the object the token is bound to still exist with the same UIDs.
func (t *tokenIssuer) authenticate(ctx context.Context, token string) (userInfo, error) {
	if t.key == nil {
		return userInfo{}, errors.New("this server verifies no service-account tokens")
	}
	var c tokenClaims
	if err := pki.VerifyJWT(token, t.key.Public(), &c); err != nil {
		return userInfo{}, err
	}
	if err := t.checkClaims(&c); err != nil {
		return userInfo{}, err
	}
	k := c.Kubernetes
	// The watch cache answers without a round trip to etcd, but may not
	// have seen an object created (or recreated) a moment ago: a token
	// it refuses is checked once more against storage.
	if err := t.checkObjects(ctx, k, true); err != nil {
		if err := t.checkObjects(ctx, k, false); err != nil {
			return userInfo{}, err
		}
	}
	return userInfo{
		name:   c.Subject,
		groups: []string{serviceAccountsGroup, serviceAccountGroupPrefix + k.Namespace, authenticatedGroup},
	}, nil
}

// checkClaims checks what needs no lookup.
func (t *tokenIssuer) checkClaims(c *tokenClaims) error {
	if c.Issuer != t.issuer {
		return fmt.Errorf("issuer %q is not this server's", c.Issuer)
	}
	now := t.now()
	if c.Expiry == 0 || now.After(time.Unix(c.Expiry, 0).Add(clockSkew)) {
		return errors.New("token has expired")
	}
	if c.NotBefore != 0 && now.Add(clockSkew).Before(time.Unix(c.NotBefore, 0)) {
		return errors.New("token is not valid yet")
	}
	if !slices.Contains(c.Audience, t.issuer) {
		return fmt.Errorf("token audiences %q are invalid for the target audiences [%q]", []string(c.Audience), t.issuer)
	}
	k := c.Kubernetes
	if k == nil || k.Namespace == "" || k.ServiceAccount.Name == "" || k.ServiceAccount.UID == "" {
		return errors.New("token lacks the kubernetes.io service account claims")
	}
	if c.Subject != serviceAccountUser(k.Namespace, k.ServiceAccount.Name) {
		return fmt.Errorf("subject %q does not name service account %s/%s", c.Subject, k.Namespace, k.ServiceAccount.Name)
	}
	return nil
}

// checkObjects checks that the token's service account and the object it
// is bound to still exist with the same UIDs.
func (t *tokenIssuer) checkObjects(ctx context.Context, k *kubernetesClaims, cached bool) error {
	sa, err := t.objects.serviceAccount(ctx, k.Namespace, k.ServiceAccount.Name, cached)
	if err != nil {
		return boundMissing(err)
	}
	if err := t.checkBound("service account", sa.UID, sa.DeletionTimestamp, k.ServiceAccount); err != nil {
		return err
	}
	return t.checkBoundObject(ctx, k, cached)
}

// checkBoundObject checks the pod, secret or node a token is bound to.
func (t *tokenIssuer) checkBoundObject(ctx context.Context, k *kubernetesClaims, cached bool) error {
	switch {
	case k.Pod != nil:
		pod, err := t.objects.pod(ctx, k.Namespace, k.Pod.Name, cached)
		if err != nil {
			return boundMissing(err)
		}
		return t.checkBound("pod", pod.UID, pod.DeletionTimestamp, *k.Pod)
	case k.Secret != nil:
		s, err := t.objects.secret(ctx, k.Namespace, k.Secret.Name, cached)
		if err != nil {
			return boundMissing(err)
		}
		return t.checkBound("secret", s.UID, s.DeletionTimestamp, *k.Secret)
	case k.Node != nil:
		n, err := t.objects.node(ctx, k.Node.Name, cached)
		if err != nil {
			return boundMissing(err)
		}
		return t.checkBound("node", n.UID, n.DeletionTimestamp, *k.Node)
	}
	return nil
}

// checkBound compares a live object with the token's reference to it: a
// different UID means the object was recreated; one deleted more than
// invalidatedGrace ago no longer vouches for the token.
func (t *tokenIssuer) checkBound(what string, uid types.UID, deletion *metav1.Time, ref objectRef) error {
	if string(uid) != ref.UID {
		return fmt.Errorf("%s UID (%s) does not match service account token claim (%s)", what, uid, ref.UID)
	}
	if deletion != nil && deletion.Time.Before(t.now().Add(-invalidatedGrace)) {
		return errTokenInvalidated
	}
	return nil
}

func boundMissing(err error) error {
	if apierrors.IsNotFound(err) {
		return errTokenInvalidated
	}
	return err
}
