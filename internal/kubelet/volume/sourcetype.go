package volume

import (
	"reflect"
	"strings"
)

// sourceType names the volume source a VolumeSource or
// PersistentVolumeSource sets, as its field is spelled in the API ("nfs",
// "csi"), for errors about types skiff does not support.
func sourceType(src any) string {
	v := reflect.ValueOf(src)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "(none)"
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return "(unknown)"
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" {
			name = t.Field(i).Name
		}
		return name
	}
	return "(none)"
}
