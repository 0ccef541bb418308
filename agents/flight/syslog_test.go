package flight

import (
	"errors"
	"log/syslog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A run that logs nothing at the sink's level (meta-data, a quiet monitor) never connects; the
// first message that does connects once, and a missing syslog costs only that sink.
func TestSyslogConnectsOnFirstMessage(t *testing.T) {
	dials := 0
	defer func(d func(syslog.Priority, string) (*syslog.Writer, error)) { dialSyslog = d }(dialSyslog)
	dialSyslog = func(syslog.Priority, string) (*syslog.Writer, error) {
		dials++
		return nil, errors.New("no syslog here")
	}
	s := NewSyslog("daemon", "fence_test", Warn)
	require.NotNil(t, s)
	s.Write(time.Now(), Info, "below the sink's level")
	assert.Equal(t, 0, dials, "connected for a message it does not send")
	s.Write(time.Now(), Warn, "first")
	s.Write(time.Now(), Error, "second")
	assert.Equal(t, 1, dials, "connects once, even when there is no syslog")
	assert.Nil(t, NewSyslog("none", "fence_test", Warn))
}
