package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/skiff/skiff/internal/scheme"
)

func testAPI(t *testing.T) *API {
	t.Helper()
	s, err := scheme.New()
	if err != nil {
		t.Fatal(err)
	}
	return newAPI(s, Config{})
}

func TestNegotiate(t *testing.T) {
	a := testAPI(t)
	tests := []struct {
		accept    string
		stream    bool
		wantMedia string
		wantAs    string
		wantCode  int32
	}{
		{"", false, mediaJSON, "", 0},
		{"*/*", false, mediaJSON, "", 0},
		{"application/yaml", false, mediaYAML, "", 0},
		{"application/vnd.kubernetes.protobuf", true, mediaProtobuf, "", 0},
		{"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", false, mediaJSON, "Table", 0},
		{"application/json;as=Table;v=v9;g=meta.k8s.io,application/yaml", false, mediaYAML, "", 0},
		{"application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", false, mediaJSON, "PartialObjectMetadataList", 0},
		{"application/json;as=Nonsense;v=v1;g=meta.k8s.io", false, "", "", http.StatusNotAcceptable},
		{"application/xml", false, "", "", http.StatusNotAcceptable},
		{"application/yaml", true, "", "", http.StatusNotAcceptable}, // YAML has no watch framing
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/pods", nil)
			r.Header.Set("Accept", tt.accept)
			out, err := a.negotiate(r, tt.stream)
			if tt.wantCode != 0 {
				if err == nil || toStatus(err).Code != tt.wantCode {
					t.Fatalf("err = %v, want code %d", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.info.MediaType != tt.wantMedia || out.as != tt.wantAs {
				t.Errorf("got %s as=%q, want %s as=%q", out.info.MediaType, out.as, tt.wantMedia, tt.wantAs)
			}
		})
	}
}

func TestDecoderFor(t *testing.T) {
	a := testAPI(t)
	for ct, wantErr := range map[string]bool{
		"":                                    false,
		"application/json":                    false,
		"application/json; charset=utf-8":     false,
		"application/yaml":                    false,
		"application/vnd.kubernetes.protobuf": false,
		"text/plain":                          true,
		"application/xml":                     true,
	} {
		r := httptest.NewRequest("POST", "/api/v1/namespaces/x/pods", nil)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		_, err := a.decoderFor(r)
		if (err != nil) != wantErr {
			t.Errorf("%q: err = %v, want error %v", ct, err, wantErr)
		}
		if err != nil && toStatus(err).Code != http.StatusUnsupportedMediaType {
			t.Errorf("%q: code %d, want 415", ct, toStatus(err).Code)
		}
	}
}
