package main

import (
	"context"
	"fmt"
	"io"
)

// runMigrate opens the store, which applies pending migrations, and exits.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlagSet("migrate")
	var sf storeFlags
	sf.register(fs, getenv)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", sf.describe(), err)
	}
	defer st.Close()
	return printJSON(stdout, map[string]string{"store": sf.describe(), "status": "migrated"})
}
