package bench

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cleanup deletes the Deployments, times until the tracker has seen every
// pod go, then deletes the namespace without waiting. The deletes are sent
// also when ctx was cancelled, with deadlines of their own; the timing
// needs the informer, which stops with ctx.
func (r *scaleRun) cleanup(ctx context.Context) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	r.cfg.Logger.Info("bench scale: deleting deployments")
	start := time.Now()
	r.rep.Delete = runOps(dctx, "delete deployments", r.cfg.Deployments, r.cfg.Concurrency, func(ctx context.Context, i int) error {
		err := r.deleteDeployment(ctx, i)
		if apierrors.IsNotFound(err) {
			return nil // its create failed
		}
		return err
	})
	if ctx.Err() == nil {
		r.timePodsGone(ctx, start)
	}
	nctx, cancelNS := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancelNS()
	err := r.cfg.Client.CoreV1().Namespaces().Delete(nctx, r.cfg.Namespace, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		r.cfg.Logger.Warn("bench scale: delete namespace", "namespace", r.cfg.Namespace, "err", err)
	}
}

// timePodsGone waits until the tracker has seen every pod deleted and
// notes how long that took from start.
func (r *scaleRun) timePodsGone(ctx context.Context, start time.Time) {
	err := pollUntil(ctx, 50*time.Millisecond, r.cfg.Timeout, func() bool {
		present, _ := r.tracker.counts()
		return present == 0
	})
	r.rep.Cleaned, r.rep.PodsGone = true, time.Since(start)
	if err != nil {
		r.rep.PodsLeft, _ = r.tracker.counts()
		r.cfg.Logger.Warn("bench scale: pods still present", "pods", r.rep.PodsLeft, "err", err)
	}
}
