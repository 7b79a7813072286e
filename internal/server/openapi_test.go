package server

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
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

func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := newMonitorAPI(t)
	res := a.call(a.monitorTenant, "GET", "/openapi.json", "Accept", "application/json")
	if res.status != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d", res.status)
	}
	var doc map[string]any
	if err := json.Unmarshal(res.body, &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json = %.200s (%v)", res.body, err)
	}
	documented := openAPIOperations(doc)
	slices.Sort(documented)

	// Every route, as registered.
	var rec routeRecorder
	(&Server{metrics: metrics.New(nil)}).routes(&rec)
	// The dashboard's pages are HTML for a browser, not API operations: the document leaves them out.
	registered := slices.DeleteFunc(rec.patterns, func(p string) bool { return p == "GET /ui" || p == "GET /ui/" })
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		t.Errorf("documented operations:\n  %s\nregistered routes:\n  %s", strings.Join(documented, "\n  "), strings.Join(registered, "\n  "))
	}

	// Every documented operation is served by the real handler (the mux's own 404 and 405 are plain text).
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
		if !strings.Contains(res.header.Get("Content-Type"), "json") {
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
