package main

import (
	"runtime/debug"
	"runtime/metrics"
)

// defaultGOGC is the garbage collector's heap growth target when GOGC is not set. hookd's
// live heap is small (tens of MB) and it allocates for every request it answers and every one
// it sends, so at Go's default of 100 it collects many times a second at full load. At 400 a
// delivery costs about 10 % less CPU, for about 30 MB more resident memory (README,
// "Performance").
const defaultGOGC = 400

// tuneGC sets defaultGOGC for the process, unless GOGC says otherwise (GOGC=100 restores Go's
// default, GOGC=off turns the collector off, as for any Go program).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGOGC)
	}
}

// gcPercent is the process's GOGC now: -1 when off (the runtime reports it as a uint64,
// -1's bits).
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(int64(s[0].Value.Uint64()))
}
