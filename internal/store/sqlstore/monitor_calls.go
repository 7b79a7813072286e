package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// callFields maps /api/v3 field names to columns. Only these names ever reach SQL; values are bound.
var callFields = map[string]string{
	store.CallID:        "id",
	store.CallHTTPCode:  "status_code",
	store.CallCreatedAt: "created_at",
	store.CallHeaders:   "response_headers",
	store.CallBody:      "response_body",
}

var callOps = map[string]string{store.OpLt: "<", store.OpLte: "<=", store.OpGt: ">", store.OpGte: ">="}

var sortable = map[string]bool{store.CallID: true, store.CallHTTPCode: true, store.CallCreatedAt: true}

// callValue converts a filter value to what the column holds.
func callValue(field string, v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		if field == store.CallCreatedAt {
			return ms(x), nil
		}
	case int64:
		if field == store.CallHTTPCode {
			return x, nil
		}
	case string:
		if field == store.CallID || field == store.CallHeaders || field == store.CallBody {
			return x, nil
		}
	}
	return nil, webhook.Errorf(webhook.EInvalid, "filter on %s: value %v has the wrong type", field, v)
}

// callWhere builds the WHERE clause of a calls query from whitelisted names and bound values.
func callWhere(webhookID, appID string, filters []store.CallFilter) (string, []any, error) {
	var b strings.Builder
	b.WriteString(`webhook_id = ? AND app_id = ?`)
	args := []any{webhookID, appID}
	for _, f := range filters {
		col, ok := callFields[f.Field]
		if !ok {
			return "", nil, webhook.Errorf(webhook.EInvalid, "unknown call field %q", f.Field)
		}
		if len(f.Values) == 0 {
			return "", nil, webhook.Errorf(webhook.EInvalid, "filter on %s has no value", f.Field)
		}
		vals := make([]any, len(f.Values))
		for i, v := range f.Values {
			cv, err := callValue(f.Field, v)
			if err != nil {
				return "", nil, err
			}
			vals[i] = cv
		}
		if f.Op == store.OpEq || f.Op == "" {
			b.WriteString(` AND ` + col + ` IN (` + marks(len(vals)) + `)`)
			args = append(args, vals...)
			continue
		}
		op, ok := callOps[f.Op]
		if !ok || len(vals) != 1 || f.Field == store.CallHeaders || f.Field == store.CallBody {
			return "", nil, webhook.Errorf(webhook.EInvalid, "operator %q does not apply to %s", f.Op, f.Field)
		}
		b.WriteString(` AND ` + col + ` ` + op + ` ?`)
		args = append(args, vals[0])
	}
	return b.String(), args, nil
}

// callOrder builds the ORDER BY clause; id breaks ties, in the direction of the first key so
// that one index serves the whole order.
func callOrder(keys []store.CallSort) (string, error) {
	if len(keys) == 0 {
		return `id`, nil
	}
	parts := make([]string, 0, len(keys)+1)
	hasID := false
	for _, k := range keys {
		if !sortable[k.Field] {
			return "", webhook.Errorf(webhook.EInvalid, "cannot sort calls by %q", k.Field)
		}
		p := callFields[k.Field]
		if k.Desc {
			p += ` DESC`
		}
		parts = append(parts, p)
		hasID = hasID || k.Field == store.CallID
	}
	if !hasID {
		if keys[0].Desc {
			parts = append(parts, `id DESC`)
		} else {
			parts = append(parts, `id`)
		}
	}
	return strings.Join(parts, ", "), nil
}

// ListCalls selects, sorts and pages a webhook's attempts.
func (s *Store) ListCalls(ctx context.Context, appID, webhookID string, q store.CallQuery) ([]webhook.Attempt, int64, error) {
	if err := s.ownWebhook(ctx, appID, webhookID); err != nil {
		return nil, 0, err
	}
	where, args, err := callWhere(webhookID, appID, q.Filters)
	if err != nil {
		return nil, 0, err
	}
	order, err := callOrder(q.Sort)
	if err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 || q.Offset < 0 {
		return nil, 0, webhook.Errorf(webhook.EInvalid, "page out of range")
	}
	calls, err := s.attempts(ctx, q.Limit, `SELECT `+callColumns+` FROM attempts WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list calls: %w", err)
	}
	var total int64
	if q.Count {
		if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM attempts WHERE `+where), args...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("count calls: %w", err)
		}
	}
	return calls, total, nil
}
