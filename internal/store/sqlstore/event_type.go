package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

const eventTypeColumns = `name, description, schemas, archived, deprecated, feature_flags, group_name, created_at, updated_at`

// CreateEventType adds an entry to the catalog.
func (s *Store) CreateEventType(ctx context.Context, et *webhook.EventTypeInfo) error {
	_, err := s.exec(ctx, s.q(`INSERT INTO event_types (`+eventTypeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), eventTypeArgs(et)...)
	if err != nil {
		return s.uidConflict(err, "create event type", "An event type with this name already exists")
	}
	return nil
}

// GetEventType finds an entry by name.
func (s *Store) GetEventType(ctx context.Context, name string) (*webhook.EventTypeInfo, error) {
	et, err := scanEventType(s.r.QueryRowContext(ctx, s.q(`SELECT `+eventTypeColumns+` FROM event_types WHERE name = ?`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrEventTypeNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get event type: %w", err)
	}
	return et, nil
}

// ListEventTypes returns a page of the catalog in name order.
func (s *Store) ListEventTypes(ctx context.Context, after string, limit int, archived bool) ([]webhook.EventTypeInfo, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+eventTypeColumns+` FROM event_types WHERE name > ? AND (archived = ? OR ?) ORDER BY name LIMIT ?`),
		after, false, archived, limit)
	if err != nil {
		return nil, fmt.Errorf("list event types: %w", err)
	}
	defer rows.Close()
	out := []webhook.EventTypeInfo{}
	for rows.Next() {
		et, err := scanEventType(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *et)
	}
	return out, rows.Err()
}

// UpdateEventType saves an entry.
func (s *Store) UpdateEventType(ctx context.Context, et *webhook.EventTypeInfo) error {
	args := eventTypeArgs(et)
	res, err := s.exec(ctx, s.q(`UPDATE event_types SET description = ?, schemas = ?, archived = ?, deprecated = ?, feature_flags = ?,
		group_name = ?, updated_at = ? WHERE name = ?`), append(args[1:7], args[8], args[0])...)
	if err != nil {
		return fmt.Errorf("update event type: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrEventTypeNotFound
	}
	return nil
}

// DeleteEventType removes an entry.
func (s *Store) DeleteEventType(ctx context.Context, name string) error {
	res, err := s.exec(ctx, s.q(`DELETE FROM event_types WHERE name = ?`), name)
	if err != nil {
		return fmt.Errorf("delete event type: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrEventTypeNotFound
	}
	return nil
}

func eventTypeArgs(et *webhook.EventTypeInfo) []any {
	schemas := sql.NullString{String: string(et.Schemas), Valid: len(et.Schemas) > 0}
	return []any{et.Name, et.Description, schemas, et.Archived, et.Deprecated, jsonList(et.FeatureFlags), nullString(et.GroupName),
		ms(et.CreatedAt), ms(et.UpdatedAt)}
}

func scanEventType(row scanner) (*webhook.EventTypeInfo, error) {
	var et webhook.EventTypeInfo
	var schemas, group sql.NullString
	var flags string
	var created, updated int64
	if err := row.Scan(&et.Name, &et.Description, &schemas, &et.Archived, &et.Deprecated, &flags, &group, &created, &updated); err != nil {
		return nil, err
	}
	if schemas.Valid {
		et.Schemas = json.RawMessage(schemas.String)
	}
	if err := json.Unmarshal([]byte(flags), &et.FeatureFlags); err != nil {
		return nil, fmt.Errorf("event type %s feature flags: %w", et.Name, err)
	}
	et.GroupName = group.String
	et.CreatedAt, et.UpdatedAt = fromMS(created), fromMS(updated)
	return &et, nil
}
