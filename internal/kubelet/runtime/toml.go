package runtime

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// table is a TOML table: values are string, bool, int, []string, [][]string
// or a nested table. The config is built as data first so tests compare
// structure, and this small encoder is the only place that knows TOML syntax.
type table map[string]any

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// encodeTOML writes t with sorted keys: each table's plain values first,
// then its sub-tables under their full dotted header.
func encodeTOML(t table) (string, error) {
	var b strings.Builder
	if err := writeTable(&b, nil, t); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeTable(b *strings.Builder, path []string, t table) error {
	keys := sortedKeys(t)
	var subs []string
	for _, k := range keys {
		if _, ok := t[k].(table); ok {
			subs = append(subs, k)
			continue
		}
		v, err := tomlValue(t[k])
		if err != nil {
			return fmt.Errorf("key %s: %w", strings.Join(append(path, k), "."), err)
		}
		fmt.Fprintf(b, "%s = %s\n", tomlKey(k), v)
	}
	for _, k := range subs {
		sub := append(append([]string(nil), path...), k)
		fmt.Fprintf(b, "\n[%s]\n", joinKeys(sub))
		if err := writeTable(b, sub, t[k].(table)); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(t table) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func joinKeys(path []string) string {
	parts := make([]string, len(path))
	for i, k := range path {
		parts[i] = tomlKey(k)
	}
	return strings.Join(parts, ".")
}

func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return tomlString(k)
}

func tomlValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return tomlString(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case []string:
		return tomlArray(v), nil
	case [][]string:
		parts := make([]string, len(v))
		for i, a := range v {
			parts[i] = tomlArray(a)
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	return "", fmt.Errorf("unsupported TOML value type %T", v)
}

func tomlArray(a []string) string {
	parts := make([]string, len(a))
	for i, s := range a {
		parts[i] = tomlString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// tomlString quotes s as a TOML basic string. strconv.Quote is not used
// because TOML has no \x escape.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
