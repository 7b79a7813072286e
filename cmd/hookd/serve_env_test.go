package main

import (
	"slices"
	"testing"
)

// TestServeReadsBrowserSettingsFromEnv: HOOKD_CORS_ORIGINS and HOOKD_FRAME_ANCESTORS take
// comma-separated origins, HOOKD_PORTAL_RATE_LIMIT the sessions' hourly limit, as their flags do.
func TestServeReadsBrowserSettingsFromEnv(t *testing.T) {
	env := map[string]string{
		"HOOKD_CORS_ORIGINS":      "https://app.example.com,https://admin.example.com",
		"HOOKD_FRAME_ANCESTORS":   "https://app.example.com",
		"HOOKD_PORTAL_RATE_LIMIT": "120",
	}
	fs := newFlagSet("serve")
	var cfg serveConfig
	cfg.register(fs, func(k string) string { return env[k] })
	if _, err := parse(fs, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.corsOrigins, []string{"https://app.example.com", "https://admin.example.com"}) ||
		!slices.Equal(cfg.frameAncestors, []string{"https://app.example.com"}) || cfg.security.portal != 120 {
		t.Errorf("from the environment: cors %v, frame ancestors %v, portal limit %d", cfg.corsOrigins, cfg.frameAncestors, cfg.security.portal)
	}
}
