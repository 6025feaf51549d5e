package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// adopt starts a worker for every pod the agent has anything of: the API's
// pods on this node, the runtime's sandboxes and containers (a restarted
// agent finds its pods running and leaves them be), and volume
// directories (a pod deleted while the agent was down is cleaned up).
// It returns the runtime's state by pod for the relist loop.
func (a *Agent) adopt(ctx context.Context) (map[types.UID]string, error) {
	pods, err := a.lister.List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list cached pods: %w", err)
	}
	uids := map[types.UID]bool{}
	for _, p := range pods {
		uids[p.UID] = true
	}
	inRuntime, err := a.relist(ctx, nil)
	if err != nil {
		return nil, err
	}
	for uid := range inRuntime {
		uids[uid] = true
	}
	dirs, err := a.cfg.Volumes.PodDirs()
	if err != nil {
		return nil, fmt.Errorf("volume directories: %w", err)
	}
	for _, uid := range dirs {
		uids[uid] = true
	}
	a.log.Info("agent started", "pods", len(pods), "inRuntime", len(inRuntime), "volumeDirs", len(dirs))
	for uid := range uids {
		a.enqueue(uid)
	}
	return inRuntime, nil
}

// relistLoop lists the runtime every RelistPeriod, or at once when asked,
// and queues the pods whose containers changed: the safety net under the
// event stream.
func (a *Agent) relistLoop(ctx context.Context, last map[types.UID]string) {
	tick := a.clock.NewTicker(a.cfg.RelistPeriod)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
		case <-a.relistCh:
		}
		now, err := a.relist(ctx, last)
		if err != nil {
			if ctx.Err() == nil {
				a.log.Warn("relist", "err", err)
			}
			continue
		}
		last = now
	}
}

// requestRelist asks the relist loop to run now.
func (a *Agent) requestRelist() {
	select {
	case a.relistCh <- struct{}{}:
	default:
	}
}

// relist lists every sandbox and container and queues the pods whose
// state differs from last (nil: queue none). It returns the state by pod.
func (a *Agent) relist(ctx context.Context, last map[types.UID]string) (map[types.UID]string, error) {
	sbs, err := a.rt.ListPodSandbox(ctx, nil)
	if err != nil {
		return nil, err
	}
	ctrs, err := a.rt.ListContainers(ctx, nil)
	if err != nil {
		return nil, err
	}
	parts := map[types.UID][]string{}
	for _, sb := range sbs {
		if uid := types.UID(sb.Labels[labelPodUID]); uid != "" {
			parts[uid] = append(parts[uid], sb.Id+"="+sb.State.String())
			a.obs.own(sb.Id, uid)
		}
	}
	for _, c := range ctrs {
		if uid := types.UID(c.Labels[labelPodUID]); uid != "" {
			parts[uid] = append(parts[uid], c.Id+"="+c.State.String())
			a.obs.own(c.Id, uid)
		}
	}
	now := make(map[types.UID]string, len(parts))
	for uid, p := range parts {
		slices.Sort(p)
		now[uid] = strings.Join(p, ",")
	}
	if last != nil {
		for _, uid := range changed(last, now) {
			a.enqueue(uid)
		}
	}
	return now, nil
}

// changed lists the pods whose runtime state differs between two relists.
func changed(last, now map[types.UID]string) []types.UID {
	var out []types.UID
	for uid, s := range now {
		if last[uid] != s {
			out = append(out, uid)
		}
	}
	for uid := range last {
		if _, ok := now[uid]; !ok {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
