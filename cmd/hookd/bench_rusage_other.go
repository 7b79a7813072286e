//go:build !unix

package main

import "time"

// Without getrusage the bench reports 0 for CPU and memory.
func cpuTime() time.Duration { return 0 }

func peakRSSMB() float64 { return 0 }
