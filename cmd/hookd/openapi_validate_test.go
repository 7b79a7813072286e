package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Every answer the end-to-end client gets is checked against the OpenAPI document the server
// it came from serves (client.do): a handler and the document cannot drift apart unseen.
// internal/server's tests hold the same validator, for the handler without a server.

// openAPIValidator checks answers against one document. For hookd's own it is stricter than
// the document in one way: an object with properties may have no others, so a field a handler
// writes and the document leaves out fails.
type openAPIValidator struct {
	name   string // the document, as messages name it
	router routers.Router
}

// newOpenAPIValidator is the validator of hookd's document.
func newOpenAPIValidator(raw []byte) (*openAPIValidator, error) {
	return loadOpenAPIValidator("/openapi.json", raw, true)
}

// loadOpenAPIValidator loads the document name. hookd's own must be valid OpenAPI, and its
// objects are closed; another's is taken as it is.
func loadOpenAPIValidator(name string, raw []byte, own bool) (*openAPIValidator, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	if own {
		if err := doc.Validate(context.Background()); err != nil {
			return nil, fmt.Errorf("%s is invalid: %w", name, err)
		}
		closeObjects(doc)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router of %s: %w", name, err)
	}
	return &openAPIValidator{name: name, router: router}, nil
}

// closeObjects forbids properties an object schema does not list, unless it says otherwise.
func closeObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			s.AdditionalProperties.Has = new(bool)
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, list := range [][]*openapi3.SchemaRef{s.AnyOf, s.OneOf, s.AllOf} {
			for _, sub := range list {
				walk(sub)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		walk(s)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, r := range op.Responses.Map() {
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// check validates one answer to req; the error names the operation and what does not match.
func (v *openAPIValidator) check(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is not in %s: %v", req.Method, req.URL.Path, v.name, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		// kin-openapi's message ends with dumps of the schema and the value; the body says enough.
		msg, _, _ := strings.Cut(err.Error(), "\nSchema:")
		return fmt.Errorf("%s %s (%s) answered %d, which %s does not allow: %s\nbody: %.400s",
			route.Method, route.Path, route.Operation.OperationID, status, v.name, msg, body)
	}
	return nil
}

// served holds the validator of each running server's document, by base URL: fetched at the
// first answer from that server, once.
var served = struct {
	sync.Mutex
	byBase map[string]*openAPIValidator
}{byBase: map[string]*openAPIValidator{}}

func validatorOf(base string) (*openAPIValidator, error) {
	served.Lock()
	defer served.Unlock()
	if v, ok := served.byBase[base]; ok {
		return v, nil
	}
	resp, err := http.Get(base + "/openapi.json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /openapi.json = %d %v", resp.StatusCode, err)
	}
	v, err := newOpenAPIValidator(raw)
	if err != nil {
		return nil, err
	}
	served.byBase[base] = v
	return v, nil
}

// checkOpenAPI validates the answer c got to req against its server's document.
func (c *client) checkOpenAPI(req *http.Request, resp *http.Response, body []byte) {
	c.t.Helper()
	v, err := validatorOf(c.base)
	if err != nil {
		c.t.Errorf("%s/openapi.json: %v", c.base, err)
		return
	}
	if err := v.check(req, resp.StatusCode, resp.Header, body); err != nil {
		c.t.Errorf("openapi: %v", err)
	}
}

// TestOpenAPIValidatorCatchesMismatches: the check fails answers the document does not
// allow, or every end-to-end test would pass whatever the server writes.
func TestOpenAPIValidatorCatchesMismatches(t *testing.T) {
	const doc = `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/things/{id}":{"get":{"operationId":"getThing",
		"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],
		"responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Thing"}}}}}}}},
		"components":{"schemas":{"Thing":{"type":"object","required":["id"],"properties":{"id":{"type":"string"},"n":{"type":["integer","null"]}}}}}}`
	v, err := newOpenAPIValidator([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	header := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name, path string
		status     int
		body       string
		want       string // in the error; "" for none
	}{
		{"as documented", "/things/1", 200, `{"id":"1","n":null}`, ""},
		{"an undocumented field", "/things/1", 200, `{"id":"1","colour":"red"}`, `getThing) answered 200`},
		{"a missing field", "/things/1", 200, `{"n":1}`, "missing property"},
		{"a wrong type", "/things/1", 200, `{"id":1}`, "getThing"},
		{"an undocumented status", "/things/1", 404, `{}`, "status is not supported"},
		{"an undocumented route", "/other", 200, `{}`, "is not in /openapi.json"},
	} {
		err := v.check(httptest.NewRequest("GET", tc.path, nil), tc.status, header, []byte(tc.body))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: check = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}
