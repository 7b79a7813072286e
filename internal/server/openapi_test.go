package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hookd/hookd/internal/metrics"
)

// routeRecorder lists the patterns a routes function registers.
type routeRecorder struct{ patterns []string }

func (r *routeRecorder) Handle(p string, _ http.Handler) { r.patterns = append(r.patterns, p) }
func (r *routeRecorder) HandleFunc(p string, _ func(http.ResponseWriter, *http.Request)) {
	r.patterns = append(r.patterns, p)
}

// servedOpenAPI is the document as GET /openapi.json serves it.
func servedOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	a := newMonitorAPI(t)
	res := a.call(a.monitorTenant, "GET", "/openapi.json", "Accept", "application/json")
	if res.status != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d", res.status)
	}
	var doc map[string]any
	if err := json.Unmarshal(res.body, &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json = %.200s (%v)", res.body, err)
	}
	return doc
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := newMonitorAPI(t)
	doc := servedOpenAPI(t)
	documented := openAPIOperations(doc)
	slices.Sort(documented)

	// Every route, as registered.
	var rec routeRecorder
	(&Server{metrics: metrics.New(nil)}).routes(&rec)
	// The dashboard's pages are HTML for a browser, not API operations: the document leaves them out.
	registered := slices.DeleteFunc(rec.patterns, func(p string) bool { return p == "GET /ui" || p == "GET /ui/" })
	slices.Sort(registered)
	if missing := without(registered, documented); len(missing) > 0 {
		t.Errorf("%d registered routes are not in the document (add their operations to an openapi_*.go part):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
	if gone := without(documented, registered); len(gone) > 0 {
		t.Errorf("%d documented operations are not registered routes:\n  %s", len(gone), strings.Join(gone, "\n  "))
	}

	// Every documented operation is served by the real handler (the mux's own 404 and 405 are
	// plain text): it answers JSON, or no content at all (Svix's health routes).
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		res := a.call(a.monitorTenant, method, param.ReplaceAllString(path, "x"), "Accept", "application/json")
		if path == "/metrics" { // Prometheus text
			if res.status != http.StatusOK {
				t.Errorf("%s = %d", op, res.status)
			}
			continue
		}
		if !strings.Contains(res.header.Get("Content-Type"), "json") && res.status != http.StatusNoContent {
			t.Errorf("%s is documented but not served: %d %s", op, res.status, res.body)
		}
	}

	// Path parameters are declared for every {name} of the path.
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			declared := map[string]bool{}
			ps, _ := o.(map[string]any)["parameters"].([]any)
			for _, p := range ps {
				if pm := p.(map[string]any); pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, m := range param.FindAllString(path, -1) {
				if name := strings.Trim(m, "{}"); !declared[name] {
					t.Errorf("%s %s: path parameter %s is not declared", method, path, name)
				}
			}
		}
	}
}

// without returns the elements of a that b lacks.
func without(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestOpenAPIOperationIDs: clients are generated from the operationIds, so every operation has
// one, camelCase and unique.
func TestOpenAPIOperationIDs(t *testing.T) {
	camel := regexp.MustCompile(`^[a-z]+([A-Z][a-z0-9]*|API)*$`)
	seen := map[string]string{}
	for _, part := range openAPIParts() {
		for _, o := range part.operations {
			op := o.method + " " + o.path
			switch {
			case o.id == "":
				t.Errorf("%s has no operationId", op)
			case !camel.MatchString(o.id):
				t.Errorf("%s: operationId %q is not camelCase", op, o.id)
			case seen[o.id] != "":
				t.Errorf("%s: operationId %q is %s's too", op, o.id, seen[o.id])
			}
			seen[o.id] = op
			if o.summary == "" || o.tag == "" {
				t.Errorf("%s (%s) has no summary or no tag", op, o.id)
			}
		}
	}
}

// TestOpenAPIScopesMatchRoutes: the scope each operation documents is the one its route
// requires, as the route table of access_test.go (checked against the routes) has it.
func TestOpenAPIScopesMatchRoutes(t *testing.T) {
	for _, part := range openAPIParts() {
		for _, o := range part.operations {
			pattern := o.method + " " + o.path
			i := slices.IndexFunc(accessRoutes, func(a accessRoute) bool { return a.pattern == pattern })
			if i < 0 {
				t.Errorf("%s (%s) is not in accessRoutes", pattern, o.id)
				continue
			}
			want := accessRoutes[i].scope
			if want == credentialOnly {
				want = anyCredential
			}
			if o.scope != want {
				t.Errorf("%s (%s) documents scope %q; the route requires %q", pattern, o.id, o.scope, want)
			}
			if o.scope != "" && o.family != accessRoutes[i].family {
				t.Errorf("%s (%s) documents the %s error family; the route answers in %s's", pattern, o.id, o.family.openAPIName(), accessRoutes[i].family.openAPIName())
			}
		}
	}
}

// TestOpenAPIResponses: every operation says what each status it can answer looks like, in
// its family's error shape, and every authenticated one the statuses of authentication.
func TestOpenAPIResponses(t *testing.T) {
	doc := servedOpenAPI(t)
	components := doc["components"].(map[string]any)
	for path, item := range doc["paths"].(map[string]any) {
		family := familyOfPath(path)
		for method, o := range item.(map[string]any) {
			o := o.(map[string]any)
			name := fmt.Sprintf("%s %s (%v)", strings.ToUpper(method), path, o["operationId"])
			responses := o["responses"].(map[string]any)
			if sec, _ := o["security"].([]any); len(sec) > 0 {
				for _, st := range authErrors {
					if responses[strconv.Itoa(st)] == nil {
						t.Errorf("%s needs credentials but does not document %d", name, st)
					}
				}
			}
			for status, r := range responses {
				r := resolve(components, r.(map[string]any))
				content, _ := r["content"].(map[string]any)
				code, _ := strconv.Atoi(status)
				switch {
				case code == http.StatusNoContent || method == "head":
					if content != nil {
						t.Errorf("%s %s has a body", name, status)
					}
				case content == nil:
					t.Errorf("%s %s has no content", name, status)
				case code >= 400 && path != "/readyz":
					ct, schema := familyError[family].contentType, family.errorSchema(code)
					if s, _ := content[ct].(map[string]any); s == nil || s["schema"].(map[string]any)["$ref"] != "#/components/schemas/"+schema {
						t.Errorf("%s %s: want %s in %s", name, status, schema, ct)
					}
				}
			}
		}
	}
}

// familyOfPath is the error family of the routes under path.
func familyOfPath(path string) family {
	switch {
	case strings.HasPrefix(path, "/v1/"):
		return v1
	case strings.HasPrefix(path, "/api/v1/"):
		return sx
	case strings.HasPrefix(path, "/api/v3/"):
		return v3
	default:
		return v0
	}
}

// resolve follows a $ref within components.
func resolve(components, v map[string]any) map[string]any {
	ref, ok := v["$ref"].(string)
	if !ok {
		return v
	}
	kind, name, _ := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
	return components[kind].(map[string]any)[name].(map[string]any)
}

// TestOpenAPIBodiesHaveShapes: no request or response body, nor any part of one, is an object
// that says nothing of its properties (a generated client would type it Record<string, never>),
// unless it is marked free-form, a payload whose shape is the client's own, or says it is empty
// (maxProperties 0).
func TestOpenAPIBodiesHaveShapes(t *testing.T) {
	doc := servedOpenAPI(t)
	components := doc["components"].(map[string]any)
	schemas := components["schemas"].(map[string]any)
	var problems []string
	for name, s := range schemas {
		problems = append(problems, shapeProblems(name, s.(map[string]any))...)
	}
	// And the bodies written in place, with every $ref naming a schema that exists.
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			o := o.(map[string]any)
			where := fmt.Sprintf("%s %s", strings.ToUpper(method), path)
			var bodies []map[string]any
			if rb, ok := o["requestBody"].(map[string]any); ok {
				bodies = append(bodies, rb)
			}
			for _, r := range o["responses"].(map[string]any) {
				bodies = append(bodies, resolve(components, r.(map[string]any)))
			}
			for _, b := range bodies {
				content, _ := b["content"].(map[string]any)
				for ct, mt := range content {
					problems = append(problems, shapeProblems(where+" "+ct, mt.(map[string]any)["schema"].(map[string]any))...)
				}
			}
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	raw, _ := json.Marshal(doc)
	for _, ref := range regexp.MustCompile(`"#/components/schemas/([A-Za-z0-9]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if schemas[ref[1]] == nil {
			t.Errorf("%s is named but not defined", ref[0])
		}
	}
}

// shapeProblems lists what in schema s (at where) does not say its shape.
func shapeProblems(where string, s map[string]any) []string {
	if s["$ref"] != nil {
		return nil // components are checked by name
	}
	if s[freeFormKey] == true {
		if s["description"] == nil {
			return []string{where + " is free-form but does not say what it holds"}
		}
		return nil
	}
	var out []string
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if subs, ok := s[k].([]any); ok {
			for i, sub := range subs {
				out = append(out, shapeProblems(fmt.Sprintf("%s.%s[%d]", where, k, i), sub.(map[string]any))...)
			}
			return out
		}
	}
	types := fmt.Sprint(s["type"])
	switch {
	case s["type"] == nil:
		out = append(out, fmt.Sprintf("%s has no type: %v", where, s))
	case strings.Contains(types, "object"):
		props, _ := s["properties"].(map[string]any)
		values, _ := s["additionalProperties"].(map[string]any)
		if len(props) == 0 && values == nil && s["maxProperties"] != float64(0) {
			out = append(out, fmt.Sprintf("%s is an object without properties: %v", where, s))
		}
		for name, p := range props {
			out = append(out, shapeProblems(where+"."+name, p.(map[string]any))...)
		}
		if values != nil {
			out = append(out, shapeProblems(where+".*", values)...)
		}
		required, _ := s["required"].([]any)
		for _, name := range required {
			if props[name.(string)] == nil {
				out = append(out, fmt.Sprintf("%s requires %s, which is not a property", where, name))
			}
		}
	case strings.Contains(types, "array"):
		items, _ := s["items"].(map[string]any)
		if items == nil {
			return append(out, where+" is an array without items")
		}
		out = append(out, shapeProblems(where+"[]", items)...)
	}
	return out
}

func TestShapeProblems(t *testing.T) {
	for _, tc := range []struct {
		schema string
		bad    bool
	}{
		{`{"type":"object"}`, true},
		{`{"type":"object","additionalProperties":true}`, true},
		{`{}`, true},
		{`{"description":"a payload"}`, true},
		{`{"type":"array"}`, true},
		{`{"type":"array","items":{"type":"object"}}`, true},
		{`{"type":"object","properties":{"data":{"type":"object"}}}`, true},
		{`{"anyOf":[{"type":"object"},{"type":"null"}]}`, true},
		{`{"type":"object","properties":{"a":{"type":"string"}},"required":["b"]}`, true},
		{`{"x-free-form":true}`, true},

		{`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`, false},
		{`{"type":"object","additionalProperties":{"type":"string"}}`, false},
		{`{"x-free-form":true,"description":"any JSON value"}`, false},
		{`{"type":"object","maxProperties":0}`, false},
		{`{"type":"object","maxProperties":1}`, true},
		{`{"type":["string","null"]}`, false},
		{`{"$ref":"#/components/schemas/Webhook"}`, false},
		{`{"anyOf":[{"$ref":"#/components/schemas/X"},{"type":"null"}]}`, false},
	} {
		var s map[string]any
		if err := json.Unmarshal([]byte(tc.schema), &s); err != nil {
			t.Fatal(err)
		}
		if got := shapeProblems("s", s); (len(got) > 0) != tc.bad {
			t.Errorf("shapeProblems(%s) = %q, want a problem: %v", tc.schema, got, tc.bad)
		}
	}
}
