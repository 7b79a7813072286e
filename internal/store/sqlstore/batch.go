package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// How a batch of rows is written. A statement of many rows (VALUES (…), (…)) has a different
// text for every batch size: a database parses and plans it again each time, and a driver's
// cache of prepared statements fills with sizes seen once. So PostgreSQL is passed a batch as
// one array per column, unnested into rows by a statement whose text is the same for every
// size (Dialect.Arrays). SQLite writes it in chunks of 1, 2, 4 … 64 rows (chunkRows): seven
// texts per statement, each prepared once per connection, and a handful of statements per
// batch instead of one a row (each costs its call through database/sql and the driver, and
// SQLite opens and closes the table's and its indexes' cursors for it).

// insertRows inserts rows of cols values each (args holds them one row after the other) with
// insert, an "INSERT INTO table (columns)" to which the rows and then suffix are added.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, insert string, cols int, args []any, suffix string) error {
	if len(args) == 0 {
		return nil
	}
	if s.d.Arrays {
		rows, arrays, err := unnestRows(cols, args)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(insert+` SELECT * FROM `+rows+suffix), arrays...)
		return err
	}
	return inChunks(len(args)/cols, func(lo, hi int) error {
		_, err := tx.ExecContext(ctx, s.q(insert+` VALUES `+placeholders(hi-lo, cols)+suffix), args[lo*cols:hi*cols]...)
		return err
	})
}

// inChunks calls fn for the consecutive ranges [lo, hi) of n rows that chunkRows sizes.
func inChunks(n int, fn func(lo, hi int) error) error {
	for lo := 0; lo < n; {
		hi := lo + chunkRows(n-lo)
		if err := fn(lo, hi); err != nil {
			return err
		}
		lo = hi
	}
	return nil
}

// maxChunkRows is the most rows one multi-row statement of insertRows holds on SQLite.
const maxChunkRows = 64

// chunkRows is how many of n rows the next statement takes: the largest power of two up to
// n and maxChunkRows, so that a batch of any size is written with at most a handful of
// statements of a few distinct texts (1, 2, 4 … 64 rows), each prepared once per connection.
func chunkRows(n int) int {
	c := 1
	for c*2 <= min(n, maxChunkRows) {
		c *= 2
	}
	return c
}

// unnestRows turns rows of cols values (one row after the other in args) into one array per
// column, and returns them with the FROM item that makes rows of them again
// ("unnest(?::text[], ?::bigint[], …)"). A column's type is its values' Go type; a null's
// type (sql.NullString, sql.NullInt64…) says which.
func unnestRows(cols int, args []any) (string, []any, error) {
	n := len(args) / cols
	arrays := make([]any, cols)
	var from strings.Builder
	from.WriteString(`unnest(`)
	for c := range cols {
		var typ string
		var ok bool
		switch args[c].(type) {
		case string, sql.NullString:
			typ = "text"
			arrays[c], ok = column(n, cols, c, args, textOf)
		case int, int64, sql.NullInt64:
			typ = "bigint"
			arrays[c], ok = column(n, cols, c, args, intOf)
		case float64:
			typ = "double precision"
			arrays[c], ok = column(n, cols, c, args, valueOf[float64])
		case bool:
			typ = "boolean"
			arrays[c], ok = column(n, cols, c, args, valueOf[bool])
		}
		if !ok {
			return "", nil, fmt.Errorf("column %d: no array for %T", c+1, args[c])
		}
		if c > 0 {
			from.WriteString(`, `)
		}
		from.WriteString(`?::` + typ + `[]`)
	}
	from.WriteString(`)`)
	return from.String(), arrays, nil
}

// column gathers column c of n rows as an array of T, or says a value is not one of T's.
func column[T any](n, cols, c int, args []any, of func(any) (T, bool)) ([]T, bool) {
	a := make([]T, n)
	for r := range n {
		v, ok := of(args[r*cols+c])
		if !ok {
			return nil, false
		}
		a[r] = v
	}
	return a, true
}

func valueOf[T any](v any) (T, bool) {
	t, ok := v.(T)
	return t, ok
}

// textOf and intOf give a nullable column's value (nil: NULL).
func textOf(v any) (*string, bool) {
	switch v := v.(type) {
	case string:
		return &v, true
	case sql.NullString:
		if v.Valid {
			return &v.String, true
		}
		return nil, true
	}
	return nil, false
}

func intOf(v any) (*int64, bool) {
	var i int64
	switch v := v.(type) {
	case int:
		i = int64(v)
	case int64:
		i = v
	case sql.NullInt64:
		if !v.Valid {
			return nil, true
		}
		i = v.Int64
	default:
		return nil, false
	}
	return &i, true
}
