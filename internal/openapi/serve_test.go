package openapi

import (
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestServeHTTP(t *testing.T) {
	d := buildSmall(t)
	apps := d.v3["apis/apps/v1"]
	tests := []struct {
		name, method, target, accept, ifNoneMatch string
		wantCode                                  int
		wantType, wantCache                       string
		wantBody                                  []byte
	}{
		{"v2 json", "GET", "/openapi/v2", "", "", 200, jsonType, "", d.v2.json},
		{"v2 protobuf", "GET", "/openapi/v2", protoV2Legacy, "", 200, protoV2, "", mustProto(t, d.v2)},
		{"v2 prefers protobuf by q", "GET", "/openapi/v2", "application/json;q=0.5, " + protoV2Legacy, "", 200, protoV2, "", mustProto(t, d.v2)},
		{"v2 not modified", "GET", "/openapi/v2", "", strconv.Quote(d.v2.hash), 304, "", "", nil},
		{"v2 stale etag", "GET", "/openapi/v2", "", `"0"`, 200, jsonType, "", d.v2.json},
		{"v2 unacceptable", "GET", "/openapi/v2", "application/xml", "", 406, "", "", nil},
		{"v3 index", "GET", "/openapi/v3", "", "", 200, jsonType, "", d.v3Index.json},
		{"v3 current hash", "GET", "/openapi/v3/apis/apps/v1?hash=" + apps.hash, "application/json", "", 200, jsonType, "public, max-age=31536000, immutable", apps.json},
		{"v3 stale hash", "GET", "/openapi/v3/apis/apps/v1?hash=00", "application/json", "", 200, jsonType, "", apps.json},
		{"v3 protobuf", "GET", "/openapi/v3/apis/apps/v1", protoV3Legacy, "", 200, protoV3, "", mustProto(t, apps)},
		{"v3 unknown", "GET", "/openapi/v3/apis/nope/v1", "", "", 404, "", "", nil},
		{"head", "HEAD", "/openapi/v2", "", "", 200, jsonType, "", nil},
		{"post", "POST", "/openapi/v2", "", "", 405, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if tt.ifNoneMatch != "" {
				r.Header.Set("If-None-Match", tt.ifNoneMatch)
			}
			w := httptest.NewRecorder()
			d.ServeHTTP(w, r)
			if w.Code != tt.wantCode {
				t.Fatalf("code %d, want %d: %s", w.Code, tt.wantCode, w.Body.String())
			}
			if tt.wantType != "" && w.Header().Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type %q, want %q", w.Header().Get("Content-Type"), tt.wantType)
			}
			if got := w.Header().Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tt.wantCache)
			}
			if tt.wantCache != "" && w.Header().Get("Expires") == "" {
				t.Error("no Expires with an immutable answer")
			}
			if tt.wantBody != nil && w.Body.String() != string(tt.wantBody) {
				t.Errorf("body differs (%d bytes, want %d)", w.Body.Len(), len(tt.wantBody))
			}
		})
	}
}

func mustProto(t *testing.T, e *encoded) []byte {
	t.Helper()
	b, err := e.protobuf()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNegotiate(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", jsonType},
		{"*/*", jsonType},
		{"application/json, */*", jsonType},
		{protoV2Legacy, protoV2},
		{protoV2 + ";q=0.9, application/json;q=0.8", protoV2},
		{"application/json;q=0, " + protoV2, protoV2},
		{"text/html", ""},
	}
	for _, tt := range tests {
		if got := negotiate(tt.accept, protoV2, protoV2Legacy); got != tt.want {
			t.Errorf("negotiate(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}
