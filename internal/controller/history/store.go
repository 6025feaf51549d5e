package history

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Current picks or makes the revision for want among revs (sorted): the
// newest equal revision is reused, renumbered to the top if it is not
// already the newest (a rollback); otherwise want is created. A name taken
// by different data raises *collisionCount and fails, so the caller
// retries with a new name and persists the count in its status.
func Current(ctx context.Context, client kubernetes.Interface, revs []*appsv1.ControllerRevision, want *appsv1.ControllerRevision, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	api := client.AppsV1().ControllerRevisions(want.Namespace)
	if eq := FindEqual(revs, want); len(eq) > 0 {
		last := eq[len(eq)-1]
		if last == revs[len(revs)-1] {
			return last, nil
		}
		cp := last.DeepCopy()
		cp.Revision = want.Revision
		updated, err := api.Update(ctx, cp, metav1.UpdateOptions{})
		if err != nil {
			return nil, fmt.Errorf("renumber revision %s: %w", cp.Name, err)
		}
		return updated, nil
	}
	created, err := api.Create(ctx, want, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		if err != nil {
			return nil, fmt.Errorf("create revision %s: %w", want.Name, err)
		}
		return created, nil
	}
	existing, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get revision %s: %w", want.Name, err)
	}
	if Equal(existing, want) {
		return existing, nil
	}
	if collisionCount != nil {
		*collisionCount++
	}
	return nil, fmt.Errorf("revision name %s collides with different data", want.Name)
}
