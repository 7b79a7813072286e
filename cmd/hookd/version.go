package main

import (
	"cmp"
	"errors"
	"io"
	"runtime"
	"runtime/debug"
)

// runVersion prints the module version, the VCS revision the binary was built from and the Go
// version, as JSON.
func runVersion(args []string, stdout io.Writer) error {
	pos, err := parse(newFlagSet("version"), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errors.New("usage: hookd version")
	}
	out := map[string]any{"version": "unknown", "go": runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		out["version"] = cmp.Or(info.Main.Version, "unknown")
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				out["revision"] = s.Value
			case "vcs.time":
				out["revision_time"] = s.Value
			case "vcs.modified":
				out["modified"] = s.Value == "true"
			}
		}
	}
	return printJSON(stdout, out)
}
