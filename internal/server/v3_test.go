package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

// Seed 003: GET /api/v3/notification/webhook/:webhook_id/calls[/:resource_id], JSON:API.

type callDoc struct {
	Data []struct {
		Type          string         `json:"type"`
		ID            string         `json:"id"`
		Attributes    map[string]any `json:"attributes"`
		Relationships map[string]any `json:"relationships"`
	} `json:"data"`
	Included []map[string]any `json:"included"`
	Meta     map[string]any   `json:"meta"`
	Links    map[string]string
	Errors   []struct {
		Status string            `json:"status"`
		Title  string            `json:"title"`
		Detail string            `json:"detail"`
		Source map[string]string `json:"source"`
	} `json:"errors"`
}

func (a *monitorAPI) calls(t *testing.T, path string) (int, callDoc, http.Header) {
	t.Helper()
	r := a.get(path)
	var doc callDoc
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("GET %s: %d %q is not JSON: %v", path, r.status, r.body, err)
	}
	return r.status, doc, r.header
}

func (d callDoc) ids() []string {
	out := []string{}
	for _, r := range d.Data {
		out = append(out, r.ID)
	}
	return out
}

// v3Fixture: six calls with codes 200, 500, 404, 200, 503, 200, one second apart.
func v3Fixture(t *testing.T) (*monitorAPI, *webhook.Webhook, []string, time.Time) {
	a := newMonitorAPI(t)
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var ids []string
	for i, code := range []int{200, 500, 404, 200, 503, 200} {
		_, at := a.deliver(a.monitorTenant, hook, "a.b", base.Add(time.Duration(i)*time.Second), attemptSpec{code: code, final: true})
		ids = append(ids, at...)
	}
	return a, hook, ids, base
}

func TestV3Calls(t *testing.T) {
	a, hook, ids, base := v3Fixture(t)
	pick := func(is ...int) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, ids[i])
		}
		return out
	}
	prefix := "/api/v3/notification/webhook/" + hook.ID + "/calls"
	ts := func(i int) string {
		return url.QueryEscape(base.Add(time.Duration(i) * time.Second).UTC().Format(time.RFC3339))
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", pick(0, 1, 2, 3, 4, 5)},
		{"?page[size]=2", pick(0, 1)},
		{"?page[size]=2&page[number]=3", pick(4, 5)},
		{"?page[size]=2&page[number]=4", pick()},
		{"?sort=-id", pick(5, 4, 3, 2, 1, 0)},
		{"?sort=-http_code", pick(4, 1, 2, 5, 3, 0)},
		{"?sort=http_code,-created_at", pick(5, 3, 0, 2, 1, 4)},
		{"?sort=-created_at&page[size]=2", pick(5, 4)},
		{"?filter[http_code]=500,404", pick(1, 2)},
		{"?filter[http_code__gte]=500", pick(1, 4)},
		{"?filter[http_code__gt]=404&filter[http_code__lt]=503", pick(1)},
		{"?filter[http_code__lte]=404&sort=-id", pick(5, 3, 2, 0)},
		{"?filter[created_at__gte]=" + ts(4), pick(4, 5)},
		{"?filter[created_at__gt]=" + ts(1) + "&filter[created_at__lte]=" + ts(3), pick(2, 3)},
		{"?filter[created_at__lt]=" + ts(1), pick(0)},
		{"?filter[created_at]=" + ts(2) + "," + ts(4), pick(2, 4)},
		{"?filter[id]=" + ids[3] + "," + ids[0], pick(0, 3)},
		{"?filter[body]=answer%20404", pick(2)},
		{"?filter[headers]=" + url.QueryEscape(`{"Content-Type":"text/plain"}`) + "&page[size]=1", pick(0)},
		{"?filter[webhook_id]=" + fmt.Sprint(hook.NumericID), pick(0, 1, 2, 3, 4, 5)},
		{"?filter[webhook_id]=" + hook.ID + "&filter[http_code]=200", pick(0, 3, 5)},
		{"?filter[webhook_id]=999999", pick()},
		{"?filter[http_code__gte]=500&sort=-created_at&page[size]=1", pick(4)},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			st, doc, h := a.calls(t, prefix+tt.query)
			if st != http.StatusOK {
				t.Fatalf("status %d %v", st, doc.Errors)
			}
			if ct := h.Get("Content-Type"); ct != "application/vnd.api+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := doc.ids(); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestV3CallDocument(t *testing.T) {
	a, hook, ids, base := v3Fixture(t)
	byNumber := fmt.Sprintf("/api/v3/notification/webhook/%d/calls", hook.NumericID)
	_, doc, _ := a.calls(t, byNumber+"?page[size]=2&page[number]=2&count=true&sort=id")
	if len(doc.Data) != 2 || doc.Meta["count"] != 6.0 {
		t.Fatalf("data %v meta %v, want 2 calls and count 6", doc.ids(), doc.Meta)
	}
	r := doc.Data[0]
	if r.Type != "notification/webhook/calls" || r.ID != ids[2] || objectKeys(r.Attributes) != "body,created_at,headers,http_code,id" {
		t.Errorf("resource = %+v", r)
	}
	want := map[string]any{"id": ids[2], "http_code": 404.0, "headers": `{"Content-Type":"text/plain"}`, "body": "answer 404",
		"created_at": base.Add(2 * time.Second).UTC().Format(timeFormat)}
	for k, v := range want {
		if r.Attributes[k] != v {
			t.Errorf("attributes.%s = %v, want %v", k, r.Attributes[k], v)
		}
	}
	rel, _ := r.Relationships["webhook"].(map[string]any)
	if d, _ := rel["data"].(map[string]any); d["type"] != "notification/webhook" || d["id"] != fmt.Sprint(hook.NumericID) {
		t.Errorf("relationships = %v", r.Relationships)
	}
	for name, want := range map[string]string{"self": "page%5Bnumber%5D=2", "first": "page%5Bnumber%5D=1", "prev": "page%5Bnumber%5D=1",
		"next": "page%5Bnumber%5D=3", "last": "page%5Bnumber%5D=3"} {
		if l := doc.Links[name]; !strings.Contains(l, want) || !strings.Contains(l, "page%5Bsize%5D=2") || !strings.Contains(l, "count=true") {
			t.Errorf("links.%s = %q, want %s with the other parameters kept", name, l, want)
		}
	}
	_, last, _ := a.calls(t, byNumber+"?page[size]=2&page[number]=3")
	if _, ok := last.Links["next"]; ok || last.Meta != nil || last.Links["last"] != "" {
		t.Errorf("last page: links %v meta %v, want no next, and no meta or last link without count", last.Links, last.Meta)
	}

	// Sparse fieldsets and included.
	_, sparse, _ := a.calls(t, byNumber+"?fields[notification/webhook/calls]=http_code,created_at&included=webhook&fields[notification/webhook]=name,numeric_id&page[size]=1")
	if objectKeys(sparse.Data[0].Attributes) != "created_at,http_code" {
		t.Errorf("sparse attributes = %v", sparse.Data[0].Attributes)
	}
	if len(sparse.Included) != 1 || sparse.Included[0]["type"] != "notification/webhook" || objectKeys(sparse.Included[0]["attributes"].(map[string]any)) != "name,numeric_id" {
		t.Errorf("included = %v", sparse.Included)
	}

	// One call, by either webhook id.
	for _, prefix := range []string{byNumber, "/api/v3/notification/webhook/" + hook.ID + "/calls"} {
		res := a.get(prefix + "/" + ids[1] + "?fields[notification/webhook/calls]=body")
		var one struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(res.body, &one); err != nil || res.status != 200 || one.Data["id"] != ids[1] ||
			objectKeys(one.Data["attributes"].(map[string]any)) != "body" {
			t.Errorf("GET %s/%s = %d %s", prefix, ids[1], res.status, res.body)
		}
	}
}

func TestV3Errors(t *testing.T) {
	a, hook, ids, _ := v3Fixture(t)
	prefix := "/api/v3/notification/webhook/" + hook.ID + "/calls"
	tests := []struct {
		path   string
		status int
		param  string
		detail string
	}{
		{prefix + "?page[size]=1001", 400, "page[size]", `page[size] must be an integer between 1 and 1000, got "1001"`},
		{prefix + "?page[number]=0", 400, "page[number]", ""},
		{prefix + "?sort=body", 400, "sort", ""},
		{prefix + "?filter[url]=x", 400, "filter[url]", ""},
		{prefix + "?filter[http_code__ne]=200", 400, "filter[http_code__ne]", ""},
		{prefix + "?filter[http_code]=ok", 400, "filter[http_code]", ""},
		{prefix + "?filter[created_at__gt]=2024-13-01", 400, "filter[created_at__gt]", ""},
		{prefix + "?fields[notification/webhook/calls]=secret", 400, "fields[notification/webhook/calls]", ""},
		{prefix + "?count=1", 400, "count", ""},
		{prefix + "?limit=10", 400, "limit", ""},
		{prefix + "/" + ids[0] + "?page[size]=1", 400, "page[size]", ""},
		{"/api/v3/notification/webhook/abc/calls", 400, "", "Invalid webhook ID format"},
		{"/api/v3/notification/webhook/-1/calls", 400, "", "Invalid webhook ID format"},
		{"/api/v3/notification/webhook/987654/calls", 404, "", "Webhook not found"},
		{prefix + "/nope", 400, "", "Invalid call ID format"},
		{prefix + "/" + webhook.NewID(webhook.PrefixAttempt, time.Now()), 404, "", "Call not found"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			st, doc, h := a.calls(t, tt.path)
			if st != tt.status || len(doc.Errors) != 1 {
				t.Fatalf("got %d %+v, want %d with one error", st, doc, tt.status)
			}
			e := doc.Errors[0]
			if e.Status != fmt.Sprint(tt.status) || e.Title != http.StatusText(tt.status) || e.Source["parameter"] != tt.param ||
				(tt.detail != "" && e.Detail != tt.detail) || h.Get("Content-Type") != "application/vnd.api+json" {
				t.Errorf("error = %+v, want status %d, parameter %q, detail %q", e, tt.status, tt.param, tt.detail)
			}
		})
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		for _, p := range []string{prefix, prefix + "/" + ids[0]} {
			res := a.call(a.monitorTenant, m, p)
			if res.status != http.StatusMethodNotAllowed || !strings.Contains(string(res.body), `"status":"405"`) {
				t.Errorf("%s %s = %d %s, want a 405 JSON:API error", m, p, res.status, res.body)
			}
		}
	}
	noAuth := a.call(a.monitorTenant, "GET", prefix, "Accept", "application/json")
	if noAuth.status != 401 || !strings.Contains(string(noAuth.body), `"errors"`) {
		t.Errorf("no credentials: %d %s, want a 401 JSON:API error", noAuth.status, noAuth.body)
	}
}
