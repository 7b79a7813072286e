package main

import (
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"

	"github.com/hookd/hookd/internal/secretbox"
	"github.com/hookd/hookd/internal/server"
)

// securityFlags are serve's server key and rate limits.
type securityFlags struct {
	secretKey      string
	allowPlaintext bool // PostgreSQL without a server key: keep secrets in the clear rather than refuse to start
	production     int
	development    int
	portal         int
	ingest         int
}

// KeyFile is the server key's file in the data directory of the embedded store.
const KeyFile = "secret.key"

func (f *securityFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.secretKey, "secret-key", getenv("HOOKD_SECRET_KEY"),
		"server key sealing signing secrets, encryption keys and custom header values at rest: 32 bytes as base64 or 64 hex digits (HOOKD_SECRET_KEY); "+
			"default with --data-dir: generated into "+KeyFile+" there; required with --database-url, the same on every instance")
	fs.BoolVar(&f.allowPlaintext, "allow-plaintext-secrets", envBool(getenv, "HOOKD_ALLOW_PLAINTEXT_SECRETS"),
		"with --database-url and no --secret-key, store secrets unencrypted instead of refusing to start (HOOKD_ALLOW_PLAINTEXT_SECRETS=true)")
	fs.IntVar(&f.production, "rate-limit-production", envInt(getenv, "HOOKD_RATE_LIMIT_PRODUCTION", server.DefaultProductionLimit), "requests per hour per production key")
	fs.IntVar(&f.development, "rate-limit-development", envInt(getenv, "HOOKD_RATE_LIMIT_DEVELOPMENT", server.DefaultDevelopmentLimit), "requests per hour per development key")
	fs.IntVar(&f.portal, "portal-rate-limit", envInt(getenv, "HOOKD_PORTAL_RATE_LIMIT", server.DefaultPortalLimit), "requests per hour per portal session (never the platform key's quota)")
	fs.IntVar(&f.ingest, "ingest-rate-limit", envInt(getenv, "HOOKD_INGEST_RATE_LIMIT", 0), "event requests per second per app, per instance (0: no limit)")
}

func envBool(getenv func(string) string, key string) bool {
	b, _ := strconv.ParseBool(getenv(key))
	return b
}

func envInt(getenv func(string) string, key string, def int) int {
	if n, err := strconv.Atoi(getenv(key)); err == nil {
		return n
	}
	return def
}

// limits are the rate limits; with the embedded store this instance counts alone, in memory.
func (f *securityFlags) limits(sf storeFlags) (server.Limits, error) {
	if f.production <= 0 || f.development <= 0 || f.portal <= 0 || f.ingest < 0 {
		return server.Limits{}, fmt.Errorf("rate limits must be positive (ingest: 0 for none)")
	}
	return server.Limits{Production: f.production, Development: f.development, Portal: f.portal, Ingest: f.ingest, Local: sf.databaseURL == ""}, nil
}

// box returns the box sealing secrets at rest, and how the key was found (for the config log).
// With PostgreSQL the key must be given: instances sharing the database must share it, so none
// may make its own. Without one serve refuses to start, unless told --allow-plaintext-secrets.
func (f *securityFlags) box(sf storeFlags, log *slog.Logger) (*secretbox.Box, string, error) {
	var key []byte
	var source string
	switch {
	case f.secretKey != "":
		k, err := secretbox.ParseKey(f.secretKey)
		if err != nil {
			return nil, "", fmt.Errorf("--secret-key: %w", err)
		}
		key, source = k, "--secret-key"
	case sf.databaseURL != "" && !f.allowPlaintext:
		return nil, "", fmt.Errorf("no server key: with --database-url, hookd seals signing secrets, encryption keys and custom header values "+
			"with a key that every instance sharing the database must be given, the same on each. Make one once, for example\n"+
			"  HOOKD_SECRET_KEY=%s\n"+
			"(or: openssl rand -base64 32), keep it with your other secrets, and give it to every instance as HOOKD_SECRET_KEY "+
			"or --secret-key. Secrets already stored unencrypted are sealed at the first start with it. "+
			"To store them unencrypted instead, start with --allow-plaintext-secrets", secretbox.EncodeKey(secretbox.NewKey()))
	case sf.databaseURL != "":
		log.Warn("--allow-plaintext-secrets: signing secrets, encryption keys and custom header values are stored unencrypted; " +
			"give every instance the same --secret-key (HOOKD_SECRET_KEY) to seal them")
		return nil, "none", nil
	default:
		path := filepath.Join(sf.dataDir, KeyFile)
		k, created, err := secretbox.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("server key: %w", err)
		}
		if created {
			log.Info("generated a server key; back it up with the data directory", "path", path)
		}
		key, source = k, path
	}
	b, err := secretbox.New(key)
	return b, source, err
}
