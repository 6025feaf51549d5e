package statefulset

import "encoding/json"

// mustJSON encodes values that always encode (API types).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}
