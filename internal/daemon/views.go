package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"
	"time"
)

// viewTimeout bounds one connection of the view protocol, on both sides.
const viewTimeout = 10 * time.Second

// viewReply is the view protocol's answer on the wire: the view, or an
// error.
type viewReply struct {
	Error string          `json:"error,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// ServeViews answers the view protocol on the unix socket path (see
// ServeUnix) until stop is called: a client writes one line naming a view
// and reads {"data": VIEW} or {"error": "..."} until the connection
// closes. answer is called on a goroutine of its own per connection with
// the view's name, trimmed of white space; its error is what the client
// sees.
func ServeViews(path string, answer func(view string) (any, error)) (stop func(), err error) {
	return ServeUnix(path, func(c net.Conn) { go handleView(c, answer) })
}

func handleView(c net.Conn, answer func(view string) (any, error)) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(viewTimeout))
	line, err := bufio.NewReader(io.LimitReader(c, 256)).ReadString('\n')
	if err != nil && line == "" {
		return
	}
	var r viewReply
	v, err := answer(strings.TrimSpace(line))
	if err == nil {
		r.Data, err = json.Marshal(v)
	}
	if err != nil {
		r.Error = err.Error()
	}
	_ = json.NewEncoder(c).Encode(r)
}

// FetchView asks a ServeViews socket for a view and returns its JSON. An
// error the server answered with is returned as it was sent; an answer
// that is not the protocol's is "bad answer: ...".
func FetchView(ctx context.Context, path, view string) (json.RawMessage, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(viewTimeout))
	if _, err := io.WriteString(c, view+"\n"); err != nil {
		return nil, err
	}
	var r viewReply
	if err := json.NewDecoder(c).Decode(&r); err != nil {
		return nil, fmt.Errorf("bad answer: %w", err)
	}
	if r.Error != "" {
		return nil, errors.New(r.Error)
	}
	return r.Data, nil
}

// NewTable returns the tabwriter the daemons print their text tables with:
// columns two spaces apart. Flush it when done.
func NewTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}
