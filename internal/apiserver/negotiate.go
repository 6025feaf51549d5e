package apiserver

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Media types the API speaks besides its serializers'.
const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// output is the negotiated form of a response body.
type output struct {
	info runtime.SerializerInfo
	// as is "", "Table", "PartialObjectMetadata" or
	// "PartialObjectMetadataList": a server-side transformation kubectl and
	// metadata informers ask for with the Accept parameter "as".
	as string
}

// acceptClause is one media range of an Accept header.
type acceptClause struct {
	mediaType string
	params    map[string]string
}

func parseAccept(header string) []acceptClause {
	if strings.TrimSpace(header) == "" {
		return []acceptClause{{mediaType: "*/*"}}
	}
	var out []acceptClause
	for _, part := range strings.Split(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		out = append(out, acceptClause{mediaType: mt, params: params})
	}
	return out
}

// negotiate picks the response form from the Accept header. stream is true
// for watch responses, which need a framing serializer.
func (a *API) negotiate(r *http.Request, stream bool) (output, error) {
	for _, c := range parseAccept(r.Header.Get("Accept")) {
		as := c.params["as"]
		if as != "" && !a.transformSupported(c.params) {
			continue
		}
		info, ok := a.serializerFor(c.mediaType, stream)
		if !ok {
			continue
		}
		if c.params["pretty"] == "1" && info.PrettySerializer != nil {
			info.Serializer = info.PrettySerializer
		}
		return output{info: info, as: as}, nil
	}
	return output{}, statusError(http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		"only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")
}

// transformSupported accepts as=Table and as=PartialObjectMetadata[List]
// in meta.k8s.io v1 (and v1beta1, which has the same shape).
func (a *API) transformSupported(params map[string]string) bool {
	switch params["as"] {
	case "Table", "PartialObjectMetadata", "PartialObjectMetadataList":
	default:
		return false
	}
	return params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1")
}

func (a *API) serializerFor(mediaType string, stream bool) (runtime.SerializerInfo, bool) {
	switch mediaType {
	case "*/*", "application/*":
		mediaType = mediaJSON
	}
	for _, info := range a.codecs.SupportedMediaTypes() {
		if info.MediaType != mediaType {
			continue
		}
		if stream && info.StreamSerializer == nil {
			return info, false
		}
		return info, true
	}
	return runtime.SerializerInfo{}, false
}

// decoderFor returns the serializer for a request body's Content-Type.
func (a *API) decoderFor(r *http.Request) (runtime.SerializerInfo, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = mediaJSON
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		if info, ok := a.serializerFor(mt, false); ok {
			return info, nil
		}
	}
	return runtime.SerializerInfo{}, statusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got %q)", ct))
}
