package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

func runApps(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: hookd apps create --name NAME")
	}
	fs := newFlagSet("apps create")
	var sf storeFlags
	sf.register(fs, getenv)
	name := fs.String("name", "", "app name")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if err := need("name", *name); err != nil {
		return err
	}
	if err := webhook.ValidText("name", *name); err != nil {
		return err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	app := &webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: *name, CreatedAt: now}
	if err := st.CreateApp(ctx, app); err != nil {
		return err
	}
	return printJSON(stdout, app)
}
