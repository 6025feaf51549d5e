package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func errorTests() []suiteTest {
	return []suiteTest{
		{name: "errors/http-status", fn: testHTTPErrors},
		{name: "errors/invalid-causes", fn: testInvalidCauses},
		{name: "errors/terminating-namespace", fn: testTerminatingNamespace},
		{name: "errors/field-validation", fn: testFieldValidation},
	}
}

// rawResponse is one raw HTTP exchange's outcome.
type rawResponse struct {
	code   int
	header http.Header
	body   []byte
}

// do sends a raw request; contentType and accept may be empty.
func (c *Cluster) do(t testing.TB, method, path, contentType, accept string, body []byte) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, c.URL(path), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return rawResponse{code: resp.StatusCode, header: resp.Header, body: data}
}

// status decodes a response body as a metav1.Status and checks that it is
// a well-formed failure matching the HTTP code.
func (r rawResponse) status(t testing.TB) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal(r.body, &st); err != nil {
		t.Fatalf("HTTP %d body is not a Status: %v: %.300s", r.code, err, r.body)
	}
	if st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure || int(st.Code) != r.code || st.Message == "" {
		t.Errorf("HTTP %d Status = kind %q apiVersion %q status %q code %d message %q", r.code, st.Kind, st.APIVersion, st.Status, st.Code, st.Message)
	}
	return st
}

// testHTTPErrors: each malformed request gets the code and reason
// Kubernetes gives, in a Status body.
func testHTTPErrors(t *testing.T, c *Cluster) {
	ns := newNamespace(t, c)
	cms := "/api/v1/namespaces/" + ns + "/configmaps"
	cmJSON := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`)
	big := append([]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"x":"`), bytes.Repeat([]byte("a"), 3<<20+1024)...)
	big = append(big, `"}}`...)
	cases := []struct {
		name, method, path, ct, accept string
		body                           []byte
		code                           int
		reason                         metav1.StatusReason
	}{
		{"malformed JSON", "POST", cms, "application/json", "", []byte(`{"apiVersion":"v1",`), 400, metav1.StatusReasonBadRequest},
		{"wrong kind for the resource", "POST", cms, "application/json", "", []byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"}}`), 400, metav1.StatusReasonBadRequest},
		{"missing object", "GET", cms + "/nope", "", "", nil, 404, metav1.StatusReasonNotFound},
		{"unknown resource", "GET", "/api/v1/namespaces/" + ns + "/widgets", "", "", nil, 404, metav1.StatusReasonNotFound},
		{"unknown group", "GET", "/apis/widgets.example.com/v1/widgets", "", "", nil, 404, metav1.StatusReasonNotFound},
		{"PUT on a collection", "PUT", cms, "application/json", "", cmJSON, 405, metav1.StatusReasonMethodNotAllowed},
		{"POST on an item", "POST", cms + "/a", "application/json", "", cmJSON, 405, metav1.StatusReasonMethodNotAllowed},
		{"XML accepted only", "GET", cms, "", "application/xml", nil, 406, metav1.StatusReasonNotAcceptable},
		{"plain text body", "POST", cms, "text/plain", "", cmJSON, 415, metav1.StatusReasonUnsupportedMediaType},
		{"body over 3 MiB", "POST", cms, "application/json", "", big, 413, metav1.StatusReasonRequestEntityTooLarge},
		{"unknown patch type", "PATCH", cms + "/a", "application/xml-patch+xml", "", []byte(`<x/>`), 415, metav1.StatusReasonUnsupportedMediaType},
	}
	for _, tc := range cases {
		r := c.do(t, tc.method, tc.path, tc.ct, tc.accept, tc.body)
		if r.code != tc.code {
			t.Errorf("%s: HTTP %d, want %d: %.200s", tc.name, r.code, tc.code, r.body)
			continue
		}
		if tc.code == 406 {
			// The Status still comes, as JSON, as Kubernetes sends it.
			tc.accept = ""
		}
		if st := r.status(t); st.Reason != tc.reason {
			t.Errorf("%s: reason %q, want %q (message %q)", tc.name, st.Reason, tc.reason, st.Message)
		}
	}
	r := c.do(t, "GET", cms+"/nope", "", "", nil)
	st := r.status(t)
	if st.Message != `configmaps "nope" not found` || st.Details == nil || st.Details.Name != "nope" || st.Details.Kind != "configmaps" {
		t.Errorf("404 status = %+v", st)
	}
}

// testInvalidCauses: an invalid object is 422 Invalid naming each bad
// field in details.causes.
func testInvalidCauses(t *testing.T, c *Cluster) {
	ns := newNamespace(t, c)
	body := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Bad_Name"},"spec":{"containers":[{"name":"c"}],"restartPolicy":"Sometimes"}}`)
	r := c.do(t, "POST", "/api/v1/namespaces/"+ns+"/pods", "application/json", "", body)
	if r.code != 422 {
		t.Fatalf("invalid pod: HTTP %d: %s", r.code, r.body)
	}
	st := r.status(t)
	if st.Reason != metav1.StatusReasonInvalid || st.Details == nil || st.Details.Kind != "Pod" || st.Details.Name != "Bad_Name" {
		t.Fatalf("status = %+v", st)
	}
	fields := map[string]metav1.CauseType{}
	for _, cause := range st.Details.Causes {
		fields[cause.Field] = cause.Type
	}
	for field, typ := range map[string]metav1.CauseType{
		"metadata.name":            metav1.CauseTypeFieldValueInvalid,
		"spec.containers[0].image": metav1.CauseTypeFieldValueRequired,
		"spec.restartPolicy":       metav1.CauseTypeFieldValueNotSupported,
	} {
		if fields[field] != typ {
			t.Errorf("cause for %s = %q, want %q (all: %v)", field, fields[field], typ, fields)
		}
	}
	if !strings.HasPrefix(st.Message, `Pod "Bad_Name" is invalid: [`) {
		t.Errorf("message %q", st.Message)
	}
}

// testTerminatingNamespace: a namespace being deleted refuses new
// objects with 403 Forbidden.
func testTerminatingNamespace(t *testing.T, c *Cluster) {
	ctx := testContext(t)
	ns := newNamespace(t, c)
	if err := c.Client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("namespace gone before its content: %v", err)
	}
	if got.Status.Phase != corev1.NamespaceTerminating || got.DeletionTimestamp == nil {
		t.Fatalf("phase %q deletionTimestamp %v, want Terminating", got.Status.Phase, got.DeletionTimestamp)
	}
	_, err = c.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late"}}, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("create in a terminating namespace: %v, want 403", err)
	}
	if want := "because it is being terminated"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
}

// testFieldValidation: unknown fields are a 400 under Strict, a Warning
// header under Warn, and silently dropped under Ignore.
func testFieldValidation(t *testing.T, c *Cluster) {
	ns := newNamespace(t, c)
	path := "/api/v1/namespaces/" + ns + "/configmaps?fieldValidation="
	body := func(name string) []byte {
		return []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + name + `"},"bogus":1,"data":{"a":"b"}}`)
	}
	r := c.do(t, "POST", path+"Strict", "application/json", "", body("strict"))
	if r.code != 400 {
		t.Fatalf("Strict with an unknown field: HTTP %d: %s", r.code, r.body)
	}
	if st := r.status(t); !strings.Contains(st.Message, `unknown field "bogus"`) || st.Reason != metav1.StatusReasonBadRequest {
		t.Errorf("Strict: %+v", st)
	}
	dup := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"b"},"data":{"a":"c"}}`)
	if r := c.do(t, "POST", path+"Strict", "application/json", "", dup); r.code != 400 || !strings.Contains(string(r.body), `duplicate field \"data\"`) {
		t.Errorf("Strict with a duplicate field: HTTP %d: %s", r.code, r.body)
	}
	r = c.do(t, "POST", path+"Warn", "application/json", "", body("warn"))
	if r.code != 201 {
		t.Fatalf("Warn: HTTP %d: %s", r.code, r.body)
	}
	if w := r.header.Get("Warning"); !strings.HasPrefix(w, "299 ") || !strings.Contains(w, `unknown field \"bogus\"`) {
		t.Errorf("Warn: Warning header %q", w)
	}
	r = c.do(t, "POST", path+"Ignore", "application/json", "", body("ignore"))
	if r.code != 201 || r.header.Get("Warning") != "" {
		t.Errorf("Ignore: HTTP %d, Warning %q", r.code, r.header.Get("Warning"))
	}
	if r := c.do(t, "POST", path+"Sometimes", "application/json", "", body("x")); r.code != 400 {
		t.Errorf("fieldValidation=Sometimes: HTTP %d, want 400", r.code)
	}
}
