package podcontrol

import (
	"fmt"
	"log/slog"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Config is what each workload controller needs; Informers is shared and
// started by the caller after the controller is built.
type Config struct {
	Client    kubernetes.Interface
	Informers informers.SharedInformerFactory
	Recorder  record.EventRecorder
	Logger    *slog.Logger
	Clock     clock.PassiveClock
	// SyncInterval, if set, is the shortest time between two syncs of one
	// owner (workloop.WithMinInterval); 0 syncs on every event.
	SyncInterval time.Duration
}

// WithDefaults checks that Client and Informers are set, naming the
// controller in the error, and fills in what may be left out: the default
// logger, the real clock, and a recorder that drops events.
func (c Config) WithDefaults(controller string) (Config, error) {
	if c.Client == nil || c.Informers == nil {
		return c, fmt.Errorf("%s: Client and Informers are required", controller)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Recorder == nil {
		c.Recorder = &record.FakeRecorder{}
	}
	return c, nil
}
