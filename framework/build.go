package framework

import (
	"runtime/debug"
	"strings"
	"sync"
)

// Build names the binary that made a result: Go version and, when the
// binary was built from a git checkout, the commit (with "+modified" for
// uncommitted changes). A newer build may round differently and so find
// different types; results and stored types record which one made them.
var Build = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown build"
	}
	return describeBuild(bi)
})

func describeBuild(bi *debug.BuildInfo) string {
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	parts := []string{bi.GoVersion}
	switch {
	case rev == "":
		parts = append(parts, "commit unknown")
	default:
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified == "true" {
			rev += "+modified"
		}
		parts = append(parts, "commit "+rev)
	}
	return strings.Join(parts, ", ")
}
