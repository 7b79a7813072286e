package postgres

import (
	"database/sql"
	"testing"
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
