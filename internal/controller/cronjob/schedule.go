package cronjob

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/skiff/skiff/internal/cron"
)

// tooManyMissed is Kubernetes' threshold for warning that a CronJob has
// missed more start times than it should.
const tooManyMissed = 100

// maxScan bounds the walk over missed times after a very long outage; the
// most recent one is found by jumping when the walk would be longer.
const maxScan = 100000

// schedule is a CronJob's parsed schedule in its time zone.
type schedule struct {
	cron cron.Schedule
	loc  *time.Location
}

func parseSchedule(cj *batchv1.CronJob) (schedule, error) {
	s, err := cron.Parse(cj.Spec.Schedule)
	if err != nil {
		return schedule{}, fmt.Errorf("unparseable schedule %q: %w", cj.Spec.Schedule, err)
	}
	loc := time.Local
	if cj.Spec.TimeZone != nil {
		if loc, err = time.LoadLocation(*cj.Spec.TimeZone); err != nil {
			return schedule{}, fmt.Errorf("unknown time zone %q: %w", *cj.Spec.TimeZone, err)
		}
	}
	return schedule{cron: s, loc: loc}, nil
}

// next is the first start time after t.
func (s schedule) next(t time.Time) time.Time { return s.cron.Next(t.In(s.loc)) }

// missed is the result of looking for start times that have passed.
type missed struct {
	latest time.Time // the most recent start time not yet run; zero if none
	count  int       // how many start times were missed (capped)
	next   time.Time // the first start time after now
}

// mostRecent finds the start times between the last one run (or the
// CronJob's creation) and now. With startingDeadlineSeconds, times older
// than the deadline are not even looked at, as in Kubernetes.
func mostRecent(s schedule, cj *batchv1.CronJob, now time.Time) missed {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if floor := now.Add(-time.Duration(*d) * time.Second); floor.After(earliest) {
			earliest = floor
		}
	}
	var m missed
	for t := s.next(earliest); !t.IsZero() && !t.After(now); t = s.next(t) {
		m.latest = t
		m.count++
		if m.count >= maxScan {
			break
		}
	}
	m.next = s.next(now)
	return m
}

// jobName is <cronjob>-<scheduled time in minutes since the epoch>, so a
// start time is run at most once whatever happens to the controller.
func jobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}
