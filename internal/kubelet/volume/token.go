package volume

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

const (
	// defaultTokenSeconds and minTokenSeconds are the API's default and
	// least expirationSeconds of a serviceAccountToken projection.
	defaultTokenSeconds = 3600
	minTokenSeconds     = 600
	// maxTokenAge is when a token is renewed however long it would live.
	maxTokenAge = 24 * time.Hour
)

// tokenCache keeps the service account tokens of projected volumes, bound
// to their pods, and renews them as the kubelet's token manager does: when
// 80% of their life has passed, or after a day.
type tokenCache struct {
	client kubernetes.Interface
	clock  clock.PassiveClock
	log    *slog.Logger

	mu     sync.Mutex
	tokens map[tokenKey]*authv1.TokenRequest
}

type tokenKey struct {
	namespace, serviceAccount, audience string
	seconds                             int64
	pod                                 types.UID
}

func newTokenCache(client kubernetes.Interface, clk clock.PassiveClock, log *slog.Logger) *tokenCache {
	return &tokenCache{client: client, clock: clk, log: log, tokens: map[tokenKey]*authv1.TokenRequest{}}
}

// get returns a token for the projection, from the cache while it is fresh.
// If renewing fails, a token that has not expired yet is still returned.
func (c *tokenCache) get(ctx context.Context, pod *corev1.Pod, tp *corev1.ServiceAccountTokenProjection) (string, error) {
	seconds := int64(defaultTokenSeconds)
	if tp.ExpirationSeconds != nil {
		seconds = *tp.ExpirationSeconds
	}
	if seconds < minTokenSeconds {
		return "", fmt.Errorf("serviceAccountToken expirationSeconds %d is less than %d", seconds, minTokenSeconds)
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	key := tokenKey{namespace: pod.Namespace, serviceAccount: sa, audience: tp.Audience, seconds: seconds, pod: pod.UID}

	now := c.clock.Now()
	c.mu.Lock()
	c.dropExpired(now)
	cached := c.tokens[key]
	c.mu.Unlock()
	if cached != nil && !needsRefresh(cached, now) {
		return cached.Status.Token, nil
	}

	tr, err := c.request(ctx, pod, sa, tp.Audience, seconds, now)
	if err != nil {
		if cached != nil {
			// Still valid (dropExpired kept it): use it and try again at
			// the next sync.
			c.log.Warn("renewing service account token failed; using the current one",
				"pod", pod.Namespace+"/"+pod.Name, "serviceAccount", sa, "err", err)
			return cached.Status.Token, nil
		}
		return "", err
	}
	c.mu.Lock()
	c.tokens[key] = tr
	c.mu.Unlock()
	return tr.Status.Token, nil
}

func (c *tokenCache) request(ctx context.Context, pod *corev1.Pod, sa, audience string, seconds int64, now time.Time) (*authv1.TokenRequest, error) {
	req := &authv1.TokenRequest{Spec: authv1.TokenRequestSpec{
		ExpirationSeconds: &seconds,
		BoundObjectRef: &authv1.BoundObjectReference{
			APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID,
		},
	}}
	if audience != "" {
		req.Spec.Audiences = []string{audience}
	}
	tr, err := c.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("failed to fetch token: %w", err)
	}
	if tr == nil || tr.Status.Token == "" {
		return nil, fmt.Errorf("failed to fetch token: the API server returned none for service account %s/%s", pod.Namespace, sa)
	}
	tr = tr.DeepCopy()
	// The server may shorten the life it grants; without an answer the
	// requested one stands.
	if tr.Spec.ExpirationSeconds == nil {
		tr.Spec.ExpirationSeconds = &seconds
	}
	if tr.Status.ExpirationTimestamp.IsZero() {
		tr.Status.ExpirationTimestamp = metav1.NewTime(now.Add(time.Duration(*tr.Spec.ExpirationSeconds) * time.Second))
	}
	return tr, nil
}

// needsRefresh: 80% of the token's life has passed, or a day.
func needsRefresh(tr *authv1.TokenRequest, now time.Time) bool {
	life := time.Duration(*tr.Spec.ExpirationSeconds) * time.Second
	exp := tr.Status.ExpirationTimestamp.Time
	issued := exp.Add(-life)
	return !now.Before(issued.Add(maxTokenAge)) || !now.Before(exp.Add(-life/5))
}

// dropExpired forgets tokens past their expiry. c.mu is held.
func (c *tokenCache) dropExpired(now time.Time) {
	for k, tr := range c.tokens {
		if !now.Before(tr.Status.ExpirationTimestamp.Time) {
			delete(c.tokens, k)
		}
	}
}

// forgetPod drops the tokens bound to a pod.
func (c *tokenCache) forgetPod(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.tokens {
		if k.pod == uid {
			delete(c.tokens, k)
		}
	}
}
