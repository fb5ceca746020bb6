package framework

import (
	"runtime/debug"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	cases := []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{nil, "go1.99, commit unknown"},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}},
			"go1.99, commit 0123456789ab"},
		{[]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: "abc"}},
			"go1.99, commit abc+modified"},
	}
	for _, c := range cases {
		got := describeBuild(&debug.BuildInfo{GoVersion: "go1.99", Settings: c.settings})
		if got != c.want {
			t.Errorf("settings %v: got %q, want %q", c.settings, got, c.want)
		}
	}
	if Build() == "" {
		t.Error("Build() is empty")
	}
}
