package daemon

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// ConfigView is the answer of every daemon's `show config`: the running
// configuration file as it was last loaded (at start, or by the last
// reload that was applied).
type ConfigView struct {
	Path     string    `json:"path"`
	LoadedAt time.Time `json:"loaded_at"`
	YAML     string    `json:"yaml"`
}

// RunningConfig holds the running configuration's bytes for the status
// server, which reads them while the event loop replaces them. The zero
// value holds nothing; it is safe for concurrent use.
type RunningConfig struct {
	mu sync.Mutex
	v  ConfigView
}

// Set records b, read from path, as the running configuration, loaded now.
func (c *RunningConfig) Set(path string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.v = ConfigView{Path: path, LoadedAt: time.Now().UTC().Truncate(time.Second), YAML: string(b)}
}

// View returns the running configuration as last Set.
// A nil c holds nothing.
func (c *RunningConfig) View() ConfigView {
	if c == nil {
		return ConfigView{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v
}

// Applied is what a reload calls once the configuration b (from
// NextConfig) runs: r.Data is b, and so is what `show config` prints.
// Only the event loop calls it.
func (r *Reloads) Applied(b []byte) {
	r.Data = b
	r.Running.Set(r.Path, b)
}

// ShowConfig prints a ConfigView answer: with asJSON the JSON object,
// otherwise a comment line naming the file and when it was loaded, then
// the file as it was loaded.
func ShowConfig(w io.Writer, data json.RawMessage, asJSON bool) error {
	if asJSON {
		return PrintJSON(w, data)
	}
	var v ConfigView
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "# %s, loaded %s\n", v.Path, v.LoadedAt.Format(time.RFC3339)); err != nil {
		return err
	}
	_, err := io.WriteString(w, v.YAML)
	if err == nil && len(v.YAML) > 0 && v.YAML[len(v.YAML)-1] != '\n' {
		_, err = io.WriteString(w, "\n")
	}
	return err
}
