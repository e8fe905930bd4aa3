//go:build race

package harness

// raceEnabled: the test binary runs with the race detector, so the plugin
// must be built with -race too or plugin.Open refuses it.
const raceEnabled = true
