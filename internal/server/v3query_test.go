package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/store/postgres"
	"github.com/hookd/hookd/internal/store/postgres/pgtest"
	"github.com/hookd/hookd/internal/webhook"
)

func TestV3QueryParse(t *testing.T) {
	t1 := time.Date(2024, 3, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		raw   string
		check func(q *v3Query) bool
	}{
		{"", func(q *v3Query) bool {
			return q.Page == 1 && q.Size == 1000 && q.Limit == 1000 && q.Offset == 0 && !q.Count && q.Sort == nil && q.Filters == nil && q.Fields == nil
		}},
		{"page[number]=3&page[size]=50", func(q *v3Query) bool { return q.Offset == 100 && q.Limit == 50 }},
		{"page%5Bsize%5D=1000", func(q *v3Query) bool { return q.Size == 1000 }},
		{"count=true", func(q *v3Query) bool { return q.Count }},
		{"count=false", func(q *v3Query) bool { return !q.Count }},
		{"sort=-created_at,http_code", func(q *v3Query) bool {
			return slices.Equal(q.Sort, []store.CallSort{{Field: "created_at", Desc: true}, {Field: "http_code"}})
		}},
		{"filter[http_code]=500,502", func(q *v3Query) bool {
			return len(q.Filters) == 1 && q.Filters[0].Op == store.OpEq && slices.Equal(q.Filters[0].Values, []any{int64(500), int64(502)})
		}},
		{"filter[http_code__gte]=400&filter[created_at__lt]=2024-03-20T12:00:00Z", func(q *v3Query) bool {
			return len(q.Filters) == 2 && q.Filters[0].Field == "created_at" && q.Filters[0].Op == "lt" && q.Filters[0].Values[0] == any(t1) &&
				q.Filters[1].Field == "http_code" && q.Filters[1].Op == "gte"
		}},
		{"filter[body]=a,b", func(q *v3Query) bool { return q.Filters[0].Values[0] == "a,b" }},
		{"filter[webhook_id]=7,wh_abc", func(q *v3Query) bool { return slices.Equal(q.WebhookIDs, []string{"7", "wh_abc"}) && q.Filters == nil }},
		{"fields[notification/webhook/calls]=http_code,created_at", func(q *v3Query) bool {
			return q.wants(callType, "http_code") && !q.wants(callType, "body") && q.wants(webhookType, "name")
		}},
		{"fields[notification/webhook/calls]=", func(q *v3Query) bool { return !q.wants(callType, "id") }},
		{"included=webhook", func(q *v3Query) bool { return q.Include }},
		{"include=webhook", func(q *v3Query) bool { return q.Include }},
		// The array forms of seed 003's array-valued inputs, as query-string libraries send them.
		{"included[]=webhook", func(q *v3Query) bool { return q.Include }},
		{"included[0]=webhook", func(q *v3Query) bool { return q.Include }},
		{"fields[notification/webhook/calls][]=http_code&fields[notification/webhook/calls][]=body", func(q *v3Query) bool {
			return slices.Equal(q.Fields[callType], []string{"http_code", "body"})
		}},
		{"fields[notification/webhook/calls][1]=body&fields[notification/webhook/calls][0]=id", func(q *v3Query) bool {
			return slices.Equal(q.Fields[callType], []string{"id", "body"})
		}},
		{"filter[body][]=a,b&filter[body][]=c", func(q *v3Query) bool { return slices.Equal(q.Filters[0].Values, []any{"a,b", "c"}) }},
		{"filter[http_code][0]=500&filter[http_code][1]=502", func(q *v3Query) bool {
			return q.Filters[0].Op == store.OpEq && slices.Equal(q.Filters[0].Values, []any{int64(500), int64(502)})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := parseV3Query(tt.raw, true)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !tt.check(q) {
				t.Errorf("parsed %+v", q)
			}
		})
	}
}

func TestV3QueryErrors(t *testing.T) {
	tests := []struct {
		raw, param string
	}{
		{"page[number]=0", "page[number]"},
		{"page[number]=-1", "page[number]"},
		{"page[number]=1.5", "page[number]"},
		{"page[number]=+2", "page[number]"},
		{"page[size]=1001", "page[size]"},
		{"page[size]=0", "page[size]"},
		{"page[size]=", "page[size]"},
		{"page[size]=10&page[size]=20", "page[size]"},
		{"page[limit]=10", "page[limit]"},
		{"sort=name", "sort"},
		{"sort=id,,http_code", "sort"},
		{"sort=id,-id", "sort"},
		{"sort=--id", "sort"},
		{"count=yes", "count"},
		{"filter[secret]=x", "filter[secret]"},
		{"filter[http_code__like]=5", "filter[http_code__like]"},
		{"filter[id__lt]=atmpt_1", "filter[id__lt]"},
		{"filter[body__gt]=a", "filter[body__gt]"},
		{"filter[http_code]=abc", "filter[http_code]"},
		{"filter[http_code]=1000", "filter[http_code]"},
		{"filter[http_code__gte]=400,500", "filter[http_code__gte]"},
		{"filter[http_code]=", "filter[http_code]"},
		{"filter[created_at__gte]=yesterday", "filter[created_at__gte]"},
		{"filter[id]=msg_1", "filter[id]"},
		{"filter[webhook_id]=x", "filter[webhook_id]"},
		{"filter[http_code]]=1", "filter[http_code]]"},
		{"filter=1", "filter"},
		{"fields[other]=id", "fields[other]"},
		{"fields[notification/webhook/calls]=secret", "fields[notification/webhook/calls]"},
		{"included=app", "included"},
		{"foo=bar", "foo"},
		{"a=%zz", ""},
		{"fields[notification/webhook/calls]=id&fields[notification/webhook/calls][]=body", "fields[notification/webhook/calls][]"},
		{"filter[http_code__gte][]=500", "filter[http_code__gte][]"},
		{"filter[http_code][]=500,502", "filter[http_code][]"},
		{"filter[http_code][0]=500&filter[http_code][0]=502", "filter[http_code][0]"},
		{"included[]=", "included[]"},
		{"included[x]=webhook", "included[x]"},
		{"page[size][]=5", "page[size][]"},
		{"sort[]=id", "sort[]"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := parseV3Query(tt.raw, true)
			if err == nil {
				t.Fatalf("parsed %+v, want an error naming %q", q, tt.param)
			}
			if err.param != tt.param || webhook.ErrorCode(err) != webhook.EInvalid {
				t.Errorf("error %q names %q (code %s), want %q", err, err.param, webhook.ErrorCode(err), tt.param)
			}
		})
	}
	if _, err := parseV3Query("page[number]=2", false); err == nil || err.param != "page[number]" {
		t.Errorf("show route accepted page[number]: %v", err)
	}
	if _, err := parseV3Query("fields[notification/webhook/calls]=id&included=webhook", false); err != nil {
		t.Errorf("show route refused fields and included: %v", err)
	}
}

// FuzzV3Query sends arbitrary query strings to the calls list through the real handler and
// store: the answer is a 200 JSON:API document or a 400 naming a parameter, never anything else.
func FuzzV3Query(f *testing.F) {
	for _, seed := range []string{
		"", "page[number]=2&page[size]=2", "sort=-http_code,created_at", "count=true",
		"filter[http_code__gte]=500&sort=-created_at", "filter[created_at__lte]=2026-01-01T00:00:00Z",
		"filter[id]=atmpt_01ARZ3NDEKTSV4RRFFQ69G5FAV", "filter[body]=answer 200", "filter[headers]={}",
		"fields[notification/webhook/calls]=http_code&included=webhook", "filter[webhook_id]=1",
		"page[size]=1001", "sort=id,-id", "filter[x]=1", "a=%zz", "filter[http_code]=-1",
		"fields[notification/webhook/calls][]=id&included[0]=webhook", "filter[http_code][1]=500&filter[http_code][0]=404",
	} {
		f.Add(seed)
	}
	srv, hook, key := fuzzFixture(f)
	f.Fuzz(func(t *testing.T, raw string) { checkV3Query(t, srv, hook, key, raw) })
}

// TestV3QueryCorpusPostgres replays the committed fuzz corpus against PostgreSQL, which refuses
// some text SQLite takes (invalid UTF-8, NUL): still never a 500.
func TestV3QueryCorpusPostgres(t *testing.T) {
	st, err := postgres.Open(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	srv, hook, key := fuzzFixtureOn(t, newMonitorAPIOn(t, st))
	files, _ := filepath.Glob("testdata/fuzz/FuzzV3Query/*")
	if len(files) < 50 {
		t.Fatalf("corpus has %d inputs, want the committed corpus", len(files))
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 3)
		raw, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "string("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkV3Query(t, srv, hook, key, raw)
	}
	for _, raw := range []string{"filter[body]=%ff", "filter[headers]=a%00", "filter[body]=%00", "sort=-http_code&filter[created_at__gte]=0001-01-01T00:00:00Z"} {
		checkV3Query(t, srv, hook, key, raw)
	}
}

// checkV3Query sends one query string to the calls list: the answer must be a 200 JSON:API
// document or a 400 naming a parameter of the query.
func checkV3Query(t *testing.T, srv *Server, hook *webhook.Webhook, key *webhook.Key, raw string) {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/v3/notification/webhook/x/calls", nil)
	req.URL.RawQuery = raw
	req.SetPathValue("webhook_id", hook.ID)
	req = req.WithContext(context.WithValue(req.Context(), keyCtx, key))
	rec := httptest.NewRecorder()
	srv.handleCallList(rec, req)
	var doc struct {
		Data   []resourceJSON `json:"data"`
		Errors []struct {
			Status string            `json:"status"`
			Source map[string]string `json:"source"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("query %q: body %q is not JSON: %v", raw, rec.Body, err)
	}
	switch rec.Code {
	case http.StatusOK:
		if doc.Data == nil {
			t.Fatalf("query %q: 200 without data: %s", raw, rec.Body)
		}
	case http.StatusBadRequest:
		if len(doc.Errors) != 1 || doc.Errors[0].Status != "400" {
			t.Fatalf("query %q: 400 without one JSON:API error: %s", raw, rec.Body)
		}
		// Only a query string that does not parse into named parameters may name none.
		if param := doc.Errors[0].Source["parameter"]; param == "" && !strings.Contains(rec.Body.String(), "query string") {
			t.Fatalf("query %q: 400 naming no parameter: %s", raw, rec.Body)
		} else if vals, _ := url.ParseQuery(raw); param != "" && vals[param] == nil {
			t.Fatalf("query %q: 400 names %q, which is not in the query: %s", raw, param, rec.Body)
		}
	default:
		t.Fatalf("query %q: status %d %s", raw, rec.Code, rec.Body)
	}
}

// fuzzFixture builds a server over a SQLite store with one webhook and a few calls; handlers
// are called directly, past authentication and rate limits.
func fuzzFixture(tb testing.TB) (*Server, *webhook.Webhook, *webhook.Key) {
	return fuzzFixtureOn(tb, newMonitorAPI(tb))
}

func fuzzFixtureOn(tb testing.TB, a *monitorAPI) (*Server, *webhook.Webhook, *webhook.Key) {
	hook := a.webhook(a.monitorTenant, "https://example.com/hook")
	now := time.Now()
	a.deliver(a.monitorTenant, hook, "a.b", now, attemptSpec{code: 500}, attemptSpec{code: 200, final: true})
	a.deliver(a.monitorTenant, hook, "a.b", now, attemptSpec{code: 0, cause: webhook.CauseTimeout, final: true})
	k, err := a.st.KeyByClientKey(context.Background(), a.clientKey)
	if err != nil {
		tb.Fatal(err)
	}
	return &Server{store: a.st, log: slog.New(slog.DiscardHandler), now: time.Now}, hook, k
}
