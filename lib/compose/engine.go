package compose

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// APIVersion is the Engine API version we speak first: Docker 20.10's (Debian 12's). A daemon
// that no longer serves it (Docker 29.0 serves 1.44 and later) says so in a 400 naming its
// minimum, and the Engine then speaks that: the fields we read are the same in both.
const APIVersion = "v1.41"

// minimumAPI reads the daemon's answer to an API version below its minimum (moby's "client
// version 1.41 is too old. Minimum supported API version is 1.44, please upgrade ...").
func minimumAPI(body []byte) (string, bool) {
	const says = "Minimum supported API version is "
	_, rest, ok := strings.Cut(string(body), says)
	if !ok {
		return "", false
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if end < 0 {
		end = len(rest)
	}
	major, minor, ok := strings.Cut(rest[:end], ".")
	if !ok || major == "" || minor == "" || strings.Contains(minor, ".") {
		return "", false
	}
	return "v" + major + "." + minor, true
}

// The labels compose puts on every container it creates (v1 and v2 alike).
const (
	LabelProject = "com.docker.compose.project"
	LabelService = "com.docker.compose.service"
	LabelOneOff  = "com.docker.compose.oneoff"
	LabelVersion = "com.docker.compose.version"
)

// Engine talks to one dockerd over its unix socket.
type Engine struct {
	HTTP    sysio.HTTPClient
	Socket  string
	Timeout time.Duration // per request; 0: 10s

	mu      sync.Mutex
	version string // the API version the daemon accepted; "" until one refused APIVersion
}

func (e *Engine) api() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.version != "" {
		return e.version
	}
	return APIVersion
}

// APIError is an answer of the daemon that is not a success.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("docker API: %d %s", e.Status, e.Message) }

// NotFound reports the daemon's 404 (no such container or image).
func NotFound(err error) bool {
	ae, ok := err.(*APIError)
	return ok && ae.Status == 404
}

// do sends one request; keep is what a recording keeps of the answer (nil: all of it).
func (e *Engine) do(ctx context.Context, method, path string, q url.Values, timeout time.Duration, keep func([]byte) []byte) ([]byte, error) {
	if timeout == 0 {
		timeout = e.Timeout
	}
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	send := func(version string) (sysio.HTTPResponse, error) {
		u := "http://docker/" + version + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		return e.HTTP.Do(ctx, sysio.HTTPRequest{Method: method, URL: u, UnixSocket: e.Socket, Timeout: timeout, KeepBody: keep})
	}
	version := e.api()
	resp, err := send(version)
	if err != nil {
		return nil, err
	}
	if min, ok := minimumAPI(resp.Body); resp.Status == 400 && ok && version == APIVersion {
		e.mu.Lock()
		e.version = min
		e.mu.Unlock()
		if resp, err = send(e.api()); err != nil {
			return nil, err
		}
	}
	if resp.Status/100 != 2 {
		var m struct{ Message string }
		if json.Unmarshal(resp.Body, &m) != nil || m.Message == "" {
			m.Message = strings.TrimSpace(string(resp.Body))
		}
		return nil, &APIError{Status: resp.Status, Message: m.Message}
	}
	return resp.Body, nil
}

// Version is the daemon's version; it proves the daemon answers.
func (e *Engine) Version(ctx context.Context) (string, error) {
	body, err := e.do(ctx, "GET", "/version", nil, 0, nil)
	if err != nil {
		return "", err
	}
	var v struct{ Version string }
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("docker API: unreadable version: %v", err)
	}
	return v.Version, nil
}

// Health is a container's healthcheck state.
type Health string

const (
	NoHealthcheck Health = ""
	Starting      Health = "starting"
	Healthy       Health = "healthy"
	Unhealthy     Health = "unhealthy"
)

// Container is one container of a project as the daemon lists it.
type Container struct {
	ID      string
	Name    string // without the leading slash
	Service string
	OneOff  bool   // a `compose run` container, not part of the running stack
	Version string // of the compose that created it
	State   string // created, running, paused, restarting, removing, exited, dead
	Status  string // the daemon's human text ("Up 5 seconds (healthy)", "Exited (137) …")
	Health  Health
	Image   string
	Created time.Time
}

// Running reports a container that runs (a paused one does not serve).
func (c Container) Running() bool { return c.State == "running" }

// healthOf reads the health the daemon appends to a running container's status: the list
// answer has no field for it before API 1.52, and the text has been stable since 1.12.
func healthOf(status string) Health {
	switch {
	case strings.HasSuffix(status, "(healthy)"):
		return Healthy
	case strings.HasSuffix(status, "(unhealthy)"):
		return Unhealthy
	case strings.HasSuffix(status, "(health: starting)"):
		return Starting
	}
	return NoHealthcheck
}

// listed is what the agent reads of a container in the list: not its command line, which may
// carry secrets.
type listed struct {
	ID      string `json:"Id"`
	Names   []string
	Image   string
	Created int64
	State   string
	Status  string
	Labels  map[string]string
}

// keepJSON is what a recording keeps of a JSON answer: the fields of T, which are all the agent
// reads, so a replay reads the same; the rest (a container's environment and command line, with
// the stack's secrets) stays out of tapes.
func keepJSON[T any](b []byte) []byte {
	var v T
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return out
}

// Containers lists every container of the project, stopped ones included, by its compose label:
// one request, whatever the containers are named.
func (e *Engine) Containers(ctx context.Context, project string) ([]Container, error) {
	f, _ := json.Marshal(map[string][]string{"label": {LabelProject + "=" + project}})
	body, err := e.do(ctx, "GET", "/containers/json", url.Values{"all": {"1"}, "filters": {string(f)}}, 0, keepJSON[[]listed])
	if err != nil {
		return nil, err
	}
	var raw []listed
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("docker API: unreadable container list: %v", err)
	}
	out := make([]Container, 0, len(raw))
	for _, r := range raw {
		if r.Labels[LabelProject] != project { // a daemon that ignored the filter
			continue
		}
		c := Container{ID: r.ID, Service: r.Labels[LabelService], OneOff: r.Labels[LabelOneOff] == "True",
			Version: r.Labels[LabelVersion], State: r.State, Status: r.Status, Image: r.Image,
			Created: time.Unix(r.Created, 0)}
		if len(r.Names) > 0 {
			c.Name = strings.TrimPrefix(r.Names[0], "/")
		}
		if c.Running() {
			c.Health = healthOf(r.Status)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Details are what only an inspect tells: when the container last ran, how it ended, and its
// last health probe's output.
type Details struct {
	StartedAt, FinishedAt time.Time
	ExitCode              int
	OOMKilled             bool
	HealthOutput          string // the last probe's output, trimmed
	RestartPolicy         string
}

// inspected is what the agent reads of a container's inspect: not Config, with its environment.
type inspected struct {
	State struct {
		StartedAt, FinishedAt string
		ExitCode              int
		OOMKilled             bool
		Health                *struct {
			Log []struct{ Output string }
		}
	}
	HostConfig struct {
		RestartPolicy struct{ Name string }
	}
}

// Inspect returns a container's details.
func (e *Engine) Inspect(ctx context.Context, id string) (Details, error) {
	body, err := e.do(ctx, "GET", "/containers/"+url.PathEscape(id)+"/json", nil, 0, keepJSON[inspected])
	if err != nil {
		return Details{}, err
	}
	var raw inspected
	if err := json.Unmarshal(body, &raw); err != nil {
		return Details{}, fmt.Errorf("docker API: unreadable container %s: %v", id, err)
	}
	d := Details{ExitCode: raw.State.ExitCode, OOMKilled: raw.State.OOMKilled, RestartPolicy: raw.HostConfig.RestartPolicy.Name}
	d.StartedAt, _ = time.Parse(time.RFC3339Nano, raw.State.StartedAt)
	d.FinishedAt, _ = time.Parse(time.RFC3339Nano, raw.State.FinishedAt)
	if h := raw.State.Health; h != nil && len(h.Log) > 0 {
		d.HealthOutput = strings.TrimSpace(h.Log[len(h.Log)-1].Output)
	}
	return d, nil
}

// LastLogLine is the last line the container wrote, on stdout or stderr.
func (e *Engine) LastLogLine(ctx context.Context, id string) (string, error) {
	body, err := e.do(ctx, "GET", "/containers/"+url.PathEscape(id)+"/logs",
		url.Values{"stdout": {"1"}, "stderr": {"1"}, "tail": {"1"}}, 0, nil)
	if err != nil {
		return "", err
	}
	return lastLine(demux(body)), nil
}

// demux undoes the daemon's stream multiplexing of a container without a TTY: frames of an
// 8-byte header (stream, 0, 0, 0, big-endian length) and the payload. A TTY container's log is
// raw; anything that does not parse as frames is taken as raw.
func demux(b []byte) []byte {
	var out bytes.Buffer
	for rest := b; len(rest) > 0; {
		if len(rest) < 8 || rest[0] > 2 || rest[1] != 0 || rest[2] != 0 || rest[3] != 0 {
			return b
		}
		n := int(binary.BigEndian.Uint32(rest[4:8]))
		if len(rest) < 8+n {
			return b
		}
		out.Write(rest[8 : 8+n])
		rest = rest[8+n:]
	}
	return out.Bytes()
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimRight(string(b), "\r\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// ImagePresent reports whether the daemon has the image locally.
func (e *Engine) ImagePresent(ctx context.Context, ref string) (bool, error) {
	// Only the status is read: the image's own configuration stays out of tapes.
	_, err := e.do(ctx, "GET", "/images/"+ref+"/json", nil, 0, func([]byte) []byte { return nil })
	switch {
	case err == nil:
		return true, nil
	case NotFound(err):
		return false, nil
	}
	return false, err
}

// Stop stops a container, SIGKILL after grace; a stopped one is no error.
func (e *Engine) Stop(ctx context.Context, id string, grace time.Duration) error {
	secs := int(grace.Round(time.Second) / time.Second)
	_, err := e.do(ctx, "POST", "/containers/"+url.PathEscape(id)+"/stop", url.Values{"t": {strconv.Itoa(secs)}},
		grace+10*time.Second, nil)
	if ae, ok := err.(*APIError); ok && ae.Status == 304 {
		return nil
	}
	return err
}

// Remove removes a container, killing it if it still runs; a missing one is no error.
func (e *Engine) Remove(ctx context.Context, id string) error {
	_, err := e.do(ctx, "DELETE", "/containers/"+url.PathEscape(id), url.Values{"force": {"1"}}, 30*time.Second, nil)
	if NotFound(err) {
		return nil
	}
	return err
}
