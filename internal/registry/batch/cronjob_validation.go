package batch

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/skiff/skiff/internal/cron"
)

// maxCronJobNameLength leaves room for the 11-character suffix the
// controller appends to name each Job, within a 63-character label.
const maxCronJobNameLength = 52

func (s cronJobStrategy) Validate(obj runtime.Object) field.ErrorList {
	cj, ok := obj.(*batchv1.CronJob)
	if !ok {
		return typeError(obj)
	}
	var errs field.ErrorList
	if len(cj.Name) > maxCronJobNameLength {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), cj.Name, fmt.Sprintf("must be no more than %d characters", maxCronJobNameLength)))
	}
	return append(errs, s.validateSpec(&cj.Spec, false)...)
}

// ValidateUpdate accepts a TZ prefix that the stored schedule already had,
// so objects written by older servers stay updatable.
func (s cronJobStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	cj, ok1 := obj.(*batchv1.CronJob)
	o, ok2 := old.(*batchv1.CronJob)
	if !ok1 || !ok2 {
		return typeError(obj)
	}
	return s.validateSpec(&cj.Spec, strings.Contains(o.Spec.Schedule, "TZ"))
}

func (s cronJobStrategy) validateSpec(spec *batchv1.CronJobSpec, allowTZ bool) field.ErrorList {
	path := field.NewPath("spec")
	errs := validateSchedule(spec.Schedule, spec.TimeZone, allowTZ, path.Child("schedule"))
	errs = append(errs, validateTimeZone(spec.TimeZone, path.Child("timeZone"))...)
	switch spec.ConcurrencyPolicy {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	case "":
		errs = append(errs, field.Required(path.Child("concurrencyPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(path.Child("concurrencyPolicy"), spec.ConcurrencyPolicy,
			[]batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}))
	}
	if spec.StartingDeadlineSeconds != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(*spec.StartingDeadlineSeconds, path.Child("startingDeadlineSeconds"))...)
	}
	for _, limit := range []struct {
		name  string
		value *int32
	}{{"successfulJobsHistoryLimit", spec.SuccessfulJobsHistoryLimit}, {"failedJobsHistoryLimit", spec.FailedJobsHistoryLimit}} {
		if limit.value != nil {
			errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*limit.value), path.Child(limit.name))...)
		}
	}
	return append(errs, s.validateJobTemplate(&spec.JobTemplate.Spec, path.Child("jobTemplate", "spec"))...)
}

// validateJobTemplate checks the Job each run creates. Its selector is the
// generated one, so a manual selector cannot be asked for.
func (s cronJobStrategy) validateJobTemplate(spec *batchv1.JobSpec, path *field.Path) field.ErrorList {
	errs := validateJobSpec(s.pods, spec, path)
	if ptr.Deref(spec.ManualSelector, false) {
		errs = append(errs, field.NotSupported(path.Child("manualSelector"), spec.ManualSelector, []string{"nil", "false"}))
	}
	return errs
}

// validateSchedule checks the cron expression. Zones belong in
// spec.timeZone; a TZ prefix is kept only where it was stored before.
func validateSchedule(schedule string, timeZone *string, allowTZ bool, path *field.Path) field.ErrorList {
	if schedule == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	expr := schedule
	if strings.Contains(schedule, "TZ") {
		switch {
		case !allowTZ:
			return field.ErrorList{field.Invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")}
		case timeZone != nil:
			return field.ErrorList{field.Invalid(path, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule")}
		}
		expr = withoutZonePrefix(schedule)
	}
	if _, err := cron.Parse(expr); err != nil {
		return field.ErrorList{field.Invalid(path, schedule, err.Error())}
	}
	return nil
}

// withoutZonePrefix drops a leading "TZ=..." or "CRON_TZ=..." field.
func withoutZonePrefix(schedule string) string {
	s := strings.TrimSpace(schedule)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		if i := strings.IndexByte(s, ' '); i >= 0 {
			return s[i+1:]
		}
		return ""
	}
	return s
}

// zoneNamePart is one slash-separated part of an IANA zone name. Checking
// it first keeps names like "../etc" from reaching the file system.
var zoneNamePart = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

func validateTimeZone(tz *string, path *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !zoneNamePart.MatchString(part) {
			return field.ErrorList{field.Invalid(path, *tz, "unknown time zone "+*tz)}
		}
	}
	// "Local" would mean the server's zone, which clients cannot know.
	if strings.EqualFold(*tz, "Local") {
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return field.ErrorList{field.Invalid(path, *tz, err.Error())}
	}
	return nil
}
