package cron

import (
	"fmt"
	"strconv"
	"strings"
)

// bounds are the values one field may take, and the names it accepts.
type bounds struct {
	min, max int
	names    map[string]int
}

var (
	minutes     = bounds{min: 0, max: 59}
	hours       = bounds{min: 0, max: 23}
	daysOfMonth = bounds{min: 1, max: 31}
	months      = bounds{min: 1, max: 12, names: map[string]int{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}}
	daysOfWeek = bounds{min: 0, max: 6, names: map[string]int{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}}
)

// parseField reads one comma-separated field into a bit set. any reports
// a bare "*" or "?", which the day fields treat specially.
func parseField(field string, b bounds) (bits uint64, any bool, err error) {
	for _, part := range strings.Split(field, ",") {
		partBits, partAny, err := parseRange(part, b)
		if err != nil {
			return 0, false, err
		}
		bits |= partBits
		any = any || partAny
	}
	return bits, any, nil
}

// parseRange reads one list element: "*", "?", "N", "N-M", each with an
// optional "/step". "N/step" runs from N to the field's maximum.
func parseRange(expr string, b bounds) (bits uint64, any bool, err error) {
	rangeAndStep := strings.Split(expr, "/")
	if len(rangeAndStep) > 2 {
		return 0, false, fmt.Errorf("too many slashes: %s", expr)
	}
	start, end, any, err := parseSpan(rangeAndStep[0], b)
	if err != nil {
		return 0, false, err
	}
	step := 1
	if len(rangeAndStep) == 2 {
		if step, err = parseNumber(rangeAndStep[1], nil); err != nil {
			return 0, false, err
		}
		if step <= 0 {
			return 0, false, fmt.Errorf("step of range should be a positive number: %s", expr)
		}
		if !strings.Contains(rangeAndStep[0], "-") {
			end = b.max
		}
		// "*/2" restricts the field, so it no longer counts as "*".
		any = any && step == 1
	}
	switch {
	case start < b.min:
		return 0, false, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, b.min, expr)
	case end > b.max:
		return 0, false, fmt.Errorf("end of range (%d) above maximum (%d): %s", end, b.max, expr)
	case start > end:
		return 0, false, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	}
	for v := start; v <= end; v += step {
		bits |= 1 << uint(v)
	}
	return bits, any, nil
}

// parseSpan reads the part before any "/": a wildcard, a value or a range.
func parseSpan(expr string, b bounds) (start, end int, any bool, err error) {
	if expr == "*" || expr == "?" {
		return b.min, b.max, true, nil
	}
	lowAndHigh := strings.Split(expr, "-")
	if len(lowAndHigh) > 2 {
		return 0, 0, false, fmt.Errorf("too many hyphens: %s", expr)
	}
	if start, err = parseNumber(lowAndHigh[0], b.names); err != nil {
		return 0, 0, false, err
	}
	end = start
	if len(lowAndHigh) == 2 {
		if end, err = parseNumber(lowAndHigh[1], b.names); err != nil {
			return 0, 0, false, err
		}
	}
	return start, end, false, nil
}

// parseNumber reads a non-negative integer or, where the field has them, a
// case-insensitive name.
func parseNumber(text string, names map[string]int) (int, error) {
	if v, ok := names[strings.ToLower(text)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %w", text, err)
	}
	if v < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", v, text)
	}
	return v, nil
}
