package job

import (
	"sort"
	"strconv"
	"strings"
)

// indexSet is a set of completion indexes, kept as Kubernetes writes
// status.completedIndexes: "1,3-5,7".
type indexSet map[int]struct{}

func parseIndexes(s string, limit int) indexSet {
	out := indexSet{}
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, found := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if found {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b && i < limit; i++ {
			out[i] = struct{}{}
		}
	}
	return out
}

func (s indexSet) String() string {
	keys := make([]int, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for i := 0; i < len(keys); {
		j := i
		for j+1 < len(keys) && keys[j+1] == keys[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, strconv.Itoa(keys[i]))
		default:
			parts = append(parts, strconv.Itoa(keys[i])+"-"+strconv.Itoa(keys[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
