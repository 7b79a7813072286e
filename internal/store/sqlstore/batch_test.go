package sqlstore

import (
	"database/sql"
	"reflect"
	"slices"
	"testing"
)

// A batch becomes one array per column, typed by its values' Go types; nulls are nil.
func TestUnnestRows(t *testing.T) {
	args := []any{
		"a", sql.NullString{}, int64(1), 2, sql.NullInt64{Int64: 3, Valid: true}, 1.5, true,
		"b", sql.NullString{String: "k", Valid: true}, int64(4), 5, sql.NullInt64{}, 2.5, false,
	}
	from, arrays, err := unnestRows(7, args)
	if err != nil {
		t.Fatal(err)
	}
	if want := `unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::double precision[], ?::boolean[])`; from != want {
		t.Errorf("from = %s\nwant   %s", from, want)
	}
	str := func(s string) *string { return &s }
	num := func(n int64) *int64 { return &n }
	want := []any{
		[]*string{str("a"), str("b")}, []*string{nil, str("k")}, []*int64{num(1), num(4)}, []*int64{num(2), num(5)},
		[]*int64{num(3), nil}, []float64{1.5, 2.5}, []bool{true, false},
	}
	if !reflect.DeepEqual(arrays, want) {
		t.Errorf("arrays = %#v\nwant     %#v", arrays, want)
	}
	// The statement's text depends on the columns' types only, not on the number of rows.
	if one, _, _ := unnestRows(7, args[:7]); one != from {
		t.Errorf("one row: %s; want the same text as two: %s", one, from)
	}
}

// A value no column type takes, or a row whose value differs in type from the first row's,
// is an error, not a silently wrong array.
func TestUnnestRowsRefusesOtherTypes(t *testing.T) {
	for _, args := range [][]any{
		{[]byte("x")},
		{nil},
		{"a", 1},        // a text column given a number
		{1.5, int64(2)}, // a double precision column given an integer
	} {
		if _, _, err := unnestRows(1, args); err == nil {
			t.Errorf("unnestRows(%#v): no error", args)
		}
	}
}

// TestChunkRows: a batch is written in chunks of 1, 2, 4 … 64 rows, largest first, so that
// few statement texts serve every batch size.
func TestChunkRows(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []int
	}{
		{1, []int{1}},
		{3, []int{2, 1}},
		{15, []int{8, 4, 2, 1}},
		{64, []int{64}},
		{70, []int{64, 4, 2}},
		{200, []int{64, 64, 64, 8}},
	} {
		var got []int
		for left := tc.n; left > 0; {
			c := chunkRows(left)
			got = append(got, c)
			left -= c
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("chunks of %d = %v, want %v", tc.n, got, tc.want)
		}
	}
}
