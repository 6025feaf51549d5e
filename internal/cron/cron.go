// Package cron parses the schedules a CronJob's spec.schedule holds and
// computes when they fire next.
//
// The syntax is the standard five-field one Kubernetes accepts: minute,
// hour, day of month, month and day of week, each a list of values, ranges
// ("1-5"), steps ("*/15", "0-30/10", "5/10") and, for months and weekdays,
// three-letter names ("JAN", "MON"); plus the macros @yearly, @annually,
// @monthly, @weekly, @daily, @midnight, @hourly and @every <duration>.
// Time zones are not part of the schedule: a CronJob names its zone in
// spec.timeZone, so a TZ= or CRON_TZ= prefix is an error here.
//
// The package is pure: no clock, no state. Callers pass the time to start
// from, in the location the schedule should be read in.
package cron

import (
	"errors"
	"fmt"
	"strings"
	"time"
	// Embedded zone data makes time.LoadLocation give the same answer on
	// hosts without /usr/share/zoneinfo, for validation and scheduling alike.
	_ "time/tzdata"
)

// Schedule is a parsed cron schedule. The zero value never fires.
type Schedule struct {
	// Each field is a bit set: bit n is set when value n matches.
	minute, hour, dom, month, dow uint64
	// domAny and dowAny record a "*" or "?" day field. Cron ORs the two
	// day fields when both are restricted, and otherwise requires the
	// restricted one alone (which AND-ing with an all-ones set does).
	domAny, dowAny bool
	// every is set for "@every <duration>": fire at that fixed interval.
	every time.Duration
}

// macros are the named schedules and the five-field forms they stand for.
var macros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// Parse reads a schedule. Errors describe the first problem found, in the
// words kubectl users see in the Invalid value message.
func Parse(spec string) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	switch {
	case spec == "":
		return Schedule{}, errors.New("empty spec string")
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return Schedule{}, errors.New("time zones (TZ= or CRON_TZ=) are not supported in the schedule, use spec.timeZone")
	case strings.HasPrefix(spec, "@every "):
		return parseEvery(strings.TrimPrefix(spec, "@every "))
	case strings.HasPrefix(spec, "@"):
		fields, ok := macros[spec]
		if !ok {
			return Schedule{}, fmt.Errorf("unrecognized descriptor: %s", spec)
		}
		return parseFields(strings.Fields(fields))
	}
	return parseFields(strings.Fields(spec))
}

// parseEvery reads the duration of "@every 5m". Intervals are whole
// seconds of at least one second, as in the cron library Kubernetes uses.
func parseEvery(text string) (Schedule, error) {
	d, err := time.ParseDuration(strings.TrimSpace(text))
	if err != nil {
		return Schedule{}, fmt.Errorf("failed to parse duration @every %s: %w", text, err)
	}
	if d < time.Second {
		d = time.Second
	}
	return Schedule{every: d - d%time.Second}, nil
}

func parseFields(fields []string) (Schedule, error) {
	if len(fields) != 5 {
		return Schedule{}, fmt.Errorf("expected exactly 5 fields, found %d: %v", len(fields), fields)
	}
	var s Schedule
	var err error
	if s.minute, _, err = parseField(fields[0], minutes); err != nil {
		return Schedule{}, err
	}
	if s.hour, _, err = parseField(fields[1], hours); err != nil {
		return Schedule{}, err
	}
	if s.dom, s.domAny, err = parseField(fields[2], daysOfMonth); err != nil {
		return Schedule{}, err
	}
	if s.month, _, err = parseField(fields[3], months); err != nil {
		return Schedule{}, err
	}
	if s.dow, s.dowAny, err = parseField(fields[4], daysOfWeek); err != nil {
		return Schedule{}, err
	}
	return s, nil
}
