package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hookd/hookd/internal/webhook"
)

const appsUsage = `usage: hookd apps create --name NAME
       hookd apps list
(hookd apps COMMAND -h lists a command's flags)
`

func runApps(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, sf, err := subcommand("apps", appsUsage, args, getenv)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
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
			return fmt.Errorf("create app: %w", err)
		}
		return printJSON(stdout, app)
	case "list":
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		st, err := sf.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		apps := []webhook.App{}
		for after := ""; ; {
			page, err := st.ListApps(ctx, after, 500)
			if err != nil {
				return fmt.Errorf("list apps: %w", err)
			}
			if len(page) == 0 {
				break
			}
			apps = append(apps, page...)
			after = page[len(page)-1].ID
		}
		return printJSON(stdout, map[string]any{"data": apps})
	default:
		return fmt.Errorf("unknown apps command %q\n%s", args[0], appsUsage)
	}
}
