package storage

import (
	"errors"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
)

// mapErr turns etcd's errors into this package's sentinels, wrapping the
// original so its text stays visible, and leaves every other error alone.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return errors.Join(ErrCompacted, err)
	case errors.Is(err, rpctypes.ErrFutureRev):
		return errors.Join(ErrFutureRevision, err)
	}
	return err
}
