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
	secretKey   string
	production  int
	development int
	ingest      int
}

// KeyFile is the server key's file in the data directory of the embedded store.
const KeyFile = "secret.key"

func (f *securityFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.secretKey, "secret-key", getenv("HOOKD_SECRET_KEY"),
		"server key sealing signing secrets and encryption keys at rest: 32 bytes as base64 or 64 hex digits (HOOKD_SECRET_KEY); "+
			"default with --data-dir: generated into "+KeyFile+" there")
	fs.IntVar(&f.production, "rate-limit-production", envInt(getenv, "HOOKD_RATE_LIMIT_PRODUCTION", server.DefaultProductionLimit), "requests per hour per production key")
	fs.IntVar(&f.development, "rate-limit-development", envInt(getenv, "HOOKD_RATE_LIMIT_DEVELOPMENT", server.DefaultDevelopmentLimit), "requests per hour per development key")
	fs.IntVar(&f.ingest, "ingest-rate-limit", envInt(getenv, "HOOKD_INGEST_RATE_LIMIT", 0), "event requests per second per app, per instance (0: no limit)")
}

func envInt(getenv func(string) string, key string, def int) int {
	if n, err := strconv.Atoi(getenv(key)); err == nil {
		return n
	}
	return def
}

// limits are the rate limits; with the embedded store this instance counts alone, in memory.
func (f *securityFlags) limits(sf storeFlags) (server.Limits, error) {
	if f.production <= 0 || f.development <= 0 || f.ingest < 0 {
		return server.Limits{}, fmt.Errorf("rate limits must be positive (ingest: 0 for none)")
	}
	return server.Limits{Production: f.production, Development: f.development, Ingest: f.ingest, Local: sf.databaseURL == ""}, nil
}

// box returns the box sealing secrets at rest, and how the key was found (for the config log).
// With PostgreSQL and no --secret-key there is none: each instance would otherwise make its own.
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
	case sf.databaseURL != "":
		log.Warn("no --secret-key: signing secrets and encryption keys are stored unencrypted; give every instance the same --secret-key")
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
