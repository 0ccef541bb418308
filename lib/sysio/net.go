package sysio

import (
	"context"
	"sort"
	"time"
)

// The HTTP and MQTT kinds of IO: what an agent asks and gets. Their real implementations live
// in lib/sysio/httpio and lib/sysio/mqttio, so that an agent that speaks neither links no
// net/http, crypto/tls or MQTT client, and runs none of their initialisers at every start.

// HTTPRequest is one request. Header is single-valued: none of our peers needs more, and it keeps
// tapes readable.
type HTTPRequest struct {
	Method  string
	URL     string
	Header  map[string]string
	Body    []byte
	Timeout time.Duration // whole exchange; 0 = only ctx bounds it
	TLS     TLSOptions
	// UnixSocket, when set, carries the request over that socket (the Docker Engine API).
	UnixSocket string
	// KeepBody, when set, is what a recording keeps of the answer's body: the part the agent
	// reads, for answers that carry secrets beside it (a container's environment).
	KeepBody func([]byte) []byte
}

// TLSOptions verify by default; Insecure is the operator's explicit opt-out.
type TLSOptions struct {
	Insecure bool
	CAFile   string
	CertFile string
	KeyFile  string
}

// HTTPResponse is a complete response; bodies are small for every peer we talk to.
type HTTPResponse struct {
	Status int
	Header map[string]string
	Body   []byte
}

// HTTPClient performs requests. Errors are *NetError.
type HTTPClient interface {
	Do(ctx context.Context, r HTTPRequest) (HTTPResponse, error)
}

// MQTTOptions describe one broker connection.
type MQTTOptions struct {
	Broker   string // tcp://host:1883, ssl://host:8883, ws://host/path
	ClientID string
	Username string
	Password string
	TLS      TLSOptions
	Timeout  time.Duration // connect and each publish/subscribe
}

// MQTTMessage is one message, received or to publish.
type MQTTMessage struct {
	Topic    string
	Payload  []byte
	QoS      byte
	Retained bool
}

// MQTTDialer connects to brokers. Errors are *NetError (NetAuth when credentials are refused).
type MQTTDialer interface {
	Connect(ctx context.Context, o MQTTOptions) (MQTTConn, error)
}

// MQTTConn is a live session. Messages are pulled with Receive, so an agent consumes them at
// points of its own choosing and a replay can hand them back in the same order.
type MQTTConn interface {
	Subscribe(ctx context.Context, topics ...string) error
	Publish(ctx context.Context, m MQTTMessage) error
	// Receive returns the next message, or ok=false when none arrived within wait.
	Receive(ctx context.Context, wait time.Duration) (m MQTTMessage, ok bool, err error)
	Close()
}

// SortedKeys returns the keys of m in order, for stable rendering of headers.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
