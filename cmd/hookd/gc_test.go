package main

import "testing"

// TestServeGarbageCollectorTarget runs hookd serve as a process: without GOGC it collects at
// defaultGOGC, and a GOGC of the operator's is left as it is. /metrics reports the setting.
func TestServeGarbageCollectorTarget(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want float64
	}{
		{"", defaultGOGC},
		{"150", 150},
	} {
		t.Run("GOGC="+tc.env, func(t *testing.T) {
			t.Setenv("GOGC", tc.env)
			p := startProcess(t, "--data-dir", t.TempDir())
			if got := metricValue(t, p.URL, "go_gc_gogc_percent"); got != tc.want {
				t.Errorf("go_gc_gogc_percent = %v with GOGC=%q, want %v", got, tc.env, tc.want)
			}
		})
	}
}
