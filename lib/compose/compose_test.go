package compose

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/isard-vdi/flock-agents/lib/sysio"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v1YAML is what docker-compose 1.29.2 printed for lab/dock/stack (trimmed): folded long
// scalars, quoted "no", a healthcheck list.
const v1YAML = `services:
  isard-apiv4:
    command:
    - sh
    - -c
    - 'test -z "$$API_EXIT" || { echo api: cannot reach the database; exit 3; }; echo
      ok >/www/index.html'
    container_name: isard-apiv4
    depends_on:
      isard-db:
        condition: service_healthy
    healthcheck:
      interval: 1s
      test:
      - CMD-SHELL
      - timeout 2 wget -q -O /dev/null http://127.0.0.1:5000/
    image: dock/busybox:1
    restart: "no"
  isard-portal:
    container_name: isard-portal
    image: dock/busybox:1
    restart: unless-stopped
  isard-off:
    healthcheck:
      test:
      - NONE
    image: 'reg.example/off:2'
version: '2.4'
`

func TestParseYAMLConfig(t *testing.T) {
	c, err := parseYAMLConfig([]byte(v1YAML))
	require.NoError(t, err)
	assert.Equal(t, []string{"isard-apiv4", "isard-off", "isard-portal"}, c.Names())
	api, _ := c.Service("isard-apiv4")
	assert.Equal(t, Service{Name: "isard-apiv4", Image: "dock/busybox:1", Restart: "no", Healthcheck: true, ContainerName: "isard-apiv4"}, api)
	portal, _ := c.Service("isard-portal")
	assert.True(t, portal.Resurrects())
	assert.False(t, portal.Healthcheck)
	off, _ := c.Service("isard-off")
	assert.False(t, off.Healthcheck, "test: NONE disables the healthcheck")
	assert.Equal(t, "reg.example/off:2", off.Image)

	_, err = parseYAMLConfig([]byte("version: '2.4'\n"))
	assert.Error(t, err)
}

func TestParseJSONConfig(t *testing.T) {
	c, err := parseJSONConfig([]byte(`{"name":"isard","services":{"db":{"image":"x:1","restart":"always",
		"healthcheck":{"test":["CMD","true"]}},"web":{"image":"y:1","healthcheck":{"disable":true}}}}`))
	require.NoError(t, err)
	db, _ := c.Service("db")
	assert.True(t, db.Healthcheck)
	assert.True(t, db.Resurrects())
	web, _ := c.Service("web")
	assert.False(t, web.Healthcheck)
	_, err = parseJSONConfig([]byte(`{"services":{}}`))
	assert.Error(t, err)
}

func frame(stream byte, s string) []byte {
	h := []byte{stream, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[4:], uint32(len(s)))
	return append(h, s...)
}

func TestLastLogLine(t *testing.T) {
	b := append(frame(1, "db starting\n"), frame(2, "db: fatal: disk full\n")...)
	assert.Equal(t, "db: fatal: disk full", lastLine(demux(b)))
	assert.Equal(t, "raw tty line", lastLine(demux([]byte("first\nraw tty line\r\n"))), "a TTY log is not multiplexed")
	assert.Equal(t, "", lastLine(demux(nil)))
}

func TestHealthOf(t *testing.T) {
	for status, h := range map[string]Health{"Up 5 seconds (healthy)": Healthy, "Up 2 minutes (unhealthy)": Unhealthy,
		"Up 1 second (health: starting)": Starting, "Up 3 hours": NoHealthcheck} {
		assert.Equal(t, h, healthOf(status), status)
	}
}

// daemon29 answers as Docker 29.0 does: API versions below 1.44 are refused with a 400 that
// names the minimum.
type daemon29 struct{ urls []string }

func (d *daemon29) Do(_ context.Context, r sysio.HTTPRequest) (sysio.HTTPResponse, error) {
	d.urls = append(d.urls, r.URL)
	if !strings.HasPrefix(r.URL, "http://docker/v1.44/") {
		return sysio.HTTPResponse{Status: 400, Body: []byte(`{"message":"client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version"}`)}, nil
	}
	return sysio.HTTPResponse{Status: 200, Body: []byte(`{"Version":"29.0.0"}`)}, nil
}

// TestEngineSpeaksTheDaemonsMinimum: a daemon that no longer serves APIVersion is asked again
// in the version it names, and from then on only in that one.
func TestEngineSpeaksTheDaemonsMinimum(t *testing.T) {
	d := &daemon29{}
	e := &Engine{HTTP: d, Socket: "/run/docker.sock"}
	for i := 0; i < 2; i++ {
		v, err := e.Version(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "29.0.0", v)
	}
	assert.Equal(t, []string{"http://docker/v1.41/version", "http://docker/v1.44/version", "http://docker/v1.44/version"}, d.urls)

	for _, body := range []string{`{"message":"no such container"}`, `Minimum supported API version is 1`, `Minimum supported API version is x.y`} {
		_, ok := minimumAPI([]byte(body))
		assert.False(t, ok, body)
	}
}
