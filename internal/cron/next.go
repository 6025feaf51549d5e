package cron

import "time"

// searchYears bounds the search for a schedule that can never fire, such
// as "0 0 30 2 *"; Next then returns the zero time.
const searchYears = 5

// Next returns the first time after t at which the schedule fires, read in
// t's location, or the zero time if it fires in none of the next five years.
// Local times that a daylight-saving change skips never fire; repeated
// ones fire once.
func (s Schedule) Next(t time.Time) time.Time {
	if s.every > 0 {
		return t.Add(s.every - time.Duration(t.Nanosecond()))
	}
	if s.minute == 0 {
		return time.Time{}
	}
	// Start at the first whole minute strictly after t. Stepping by
	// durations (not by rebuilding the wall clock) keeps time moving
	// forward through daylight-saving changes.
	t = t.Add(time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
	limit := t.Year() + searchYears
	for t.Year() <= limit {
		switch {
		case !has(s.month, int(t.Month())):
			t = startOfDay(t.Year(), t.Month()+1, 1, t.Location())
		case !s.dayMatches(t):
			t = startOfDay(t.Year(), t.Month(), t.Day()+1, t.Location())
		case !has(s.hour, t.Hour()):
			t = t.Add(time.Duration(60-t.Minute()) * time.Minute)
		case !has(s.minute, t.Minute()):
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

// dayMatches applies cron's rule for the two day fields: when both are
// restricted a day matching either fires ("1st of the month or Fridays");
// when one is "*" only the other decides.
func (s Schedule) dayMatches(t time.Time) bool {
	dom := has(s.dom, t.Day())
	dow := has(s.dow, int(t.Weekday()))
	if s.domAny || s.dowAny {
		return dom && dow
	}
	return dom || dow
}

func has(bits uint64, v int) bool { return bits&(1<<uint(v)) != 0 }

// startOfDay is the first instant of the given (normalized) date in loc.
// Where a daylight-saving change skips midnight, time.Date may answer with
// the evening before; step forward until the date is right.
func startOfDay(year int, month time.Month, day int, loc *time.Location) time.Time {
	y, m, d := time.Date(year, month, day, 12, 0, 0, 0, loc).Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for t.Day() != d {
		t = t.Add(time.Minute)
	}
	return t
}
