package postgres

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookd/hookd/internal/store/sqlstore"
)

// TestPostgresRelaxedSessions: the sessions relaxed transactions run on commit without
// waiting for the disk from the start (withParam's run-time parameter reaches the server),
// and the others as the server is set.
func TestPostgresRelaxedSessions(t *testing.T) {
	base := testBase(t)
	for _, c := range []struct{ url, want string }{{withParam(base, "synchronous_commit", "off"), "off"}, {base, "on"}} {
		db, err := sql.Open("pgx", c.url)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.QueryRow(`SHOW synchronous_commit`).Scan(&got)
		db.Close()
		if err != nil || got != c.want {
			t.Errorf("synchronous_commit on %s = %q, %v; want %q", c.url, got, err, c.want)
		}
	}
	if got := withParam("host=db user=hookd", "synchronous_commit", "off"); got != "host=db user=hookd synchronous_commit=off" {
		t.Errorf("withParam on a key=value string = %q", got)
	}
}

// TestPostgresRelaxedPlansUseKeys: on the sessions claims and completions run on, the generic
// plans (what a session keeps after a statement's first runs) of the claim statements and of the
// completion's move of its deliveries (a retry updates its queue row), made on a fresh schema
// whose tables were never analyzed, find queue and deliveries rows by their indexes instead of
// scanning the tables. A plain session's plans scan them: the case this guards against.
func TestPostgresRelaxedPlansUseKeys(t *testing.T) {
	ctx := context.Background()
	url := testSchema(t)
	s, err := Open(ctx, url) // the tables, empty and never analyzed
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	scans := func(url string) []string {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		simple := pgx.QueryExecModeSimpleProtocol
		if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`, simple); err != nil {
			t.Fatal(err)
		}
		var found []string
		for name, st := range map[string]struct{ query, args string }{
			"claim":      {claimSQL, "0, 10, 0, 0"},
			"claim_read": {claimReadSQL, "0, 10, 0, 0"},
			"complete":   {sqlstore.MoveAllSQL(), strings.Repeat("'{}', ", 7) + "'{}'"},
		} {
			if _, err := conn.Exec(ctx, `PREPARE `+name+` AS `+st.query, simple); err != nil {
				t.Fatalf("prepare %s: %v", name, err)
			}
			rows, err := conn.Query(ctx, `EXPLAIN EXECUTE `+name+`(`+st.args+`)`, simple)
			if err != nil {
				t.Fatalf("explain %s: %v", name, err)
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lines {
				if strings.Contains(l, "Seq Scan on queue") || strings.Contains(l, "Seq Scan on deliveries") {
					found = append(found, name+": "+strings.TrimSpace(l))
				}
			}
		}
		return found
	}
	if found := scans(relaxedURL(url)); len(found) > 0 {
		t.Errorf("statements on the relaxed sessions scan tables:\n%s", strings.Join(found, "\n"))
	}
	if found := scans(url); len(found) == 0 {
		t.Errorf("a plain session's statements read by key too: this test no longer shows a plan that scans")
	}
}
