package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hookd/hookd/internal/store"
	"github.com/hookd/hookd/internal/webhook"
)

// createdKey is how a new key is shown, the one time its secret is.
type createdKey struct {
	*webhook.Key
	ClientSecret string `json:"client_secret"`
	Token        string `json:"token"`
}

// newKey creates a key for appID; the secret exists only in the returned value. Only an
// operator key may hold admin.
func newKey(ctx context.Context, st store.Store, appID, name string, scopes []string, env string, operator bool) (*createdKey, error) {
	now := time.Now()
	ck, secret := webhook.NewKeyCredentials()
	k := &webhook.Key{ID: webhook.NewID(webhook.PrefixKey, now), AppID: appID, Name: name, ClientKey: ck, SecretHash: webhook.HashSecret(secret),
		Scopes: scopes, Env: env, Active: true, Operator: operator, CreatedAt: now}
	if err := st.CreateKey(ctx, k); err != nil {
		return nil, err
	}
	return &createdKey{Key: k, ClientSecret: secret, Token: webhook.Token(ck, secret)}, nil
}

// tenantScopes are a new key's scopes by default: everything a tenant app may hold.
const tenantScopes = "webhook:read,webhook:write,webhook:secret,event:write,event:read"

// flagSet reports whether the command line gave the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

const keysUsage = `usage: hookd keys create --app ID [--scopes a,b] [--env production|development] [--operator]
       hookd keys list --app ID
       hookd keys revoke KEY_ID
(hookd keys COMMAND -h lists a command's flags)
`

// listedKey is how keys list shows a key: never its secret or client key.
type listedKey struct {
	ID         string     `json:"id"`
	AppID      string     `json:"app_id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	Env        string     `json:"environment"`
	Active     bool       `json:"is_active"`
	Operator   bool       `json:"operator"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs, sf, err := subcommand("keys", keysUsage, args, getenv)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		appID := fs.String("app", "", "app id")
		scopes := fs.String("scopes", tenantScopes, "comma-separated scopes (with --operator, default: every scope, admin included)")
		env := fs.String("env", webhook.EnvProduction, "production or development")
		name := fs.String("name", "cli", "key name")
		operator := fs.Bool("operator", false, "make an operator key: the only kind that may hold admin, which manages every app")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		if err := need("app", *appID); err != nil {
			return err
		}
		if *operator && !flagSet(fs, "scopes") {
			*scopes = strings.Join(webhook.AllScopes, ",")
		}
		sc, err := webhook.ParseScopes(*scopes)
		if err != nil {
			return err
		}
		if err := webhook.CheckOperatorScopes(sc, *operator, "add --operator"); err != nil {
			return err
		}
		if err := webhook.ValidateEnv(*env); err != nil {
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
		k, err := newKey(ctx, st, *appID, *name, sc, *env, *operator)
		if err != nil {
			return fmt.Errorf("create key: %w", err)
		}
		return printJSON(stdout, k)
	case "list":
		appID := fs.String("app", "", "app id")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		if err := need("app", *appID); err != nil {
			return err
		}
		st, err := sf.openApp(ctx, *appID)
		if err != nil {
			return err
		}
		defer st.Close()
		keys, err := st.ListKeys(ctx, *appID)
		if err != nil {
			return fmt.Errorf("list keys: %w", err)
		}
		listed := []listedKey{}
		for _, k := range keys {
			listed = append(listed, listedKey{ID: k.ID, AppID: k.AppID, Name: k.Name, Scopes: k.Scopes, Env: k.Env,
				Active: k.Active, Operator: k.Operator, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt})
		}
		return printJSON(stdout, map[string]any{"data": listed})
	case "revoke":
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return fmt.Errorf("usage: hookd keys revoke KEY_ID")
		}
		st, err := sf.open(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.SetKeyActive(ctx, pos[0], false); err != nil {
			return fmt.Errorf("revoke key %s: %w", pos[0], err)
		}
		return printJSON(stdout, map[string]any{"id": pos[0], "is_active": false})
	default:
		return fmt.Errorf("unknown keys command %q\n%s", args[0], keysUsage)
	}
}
