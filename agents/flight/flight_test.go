package flight

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A secret is scrubbed in the forms it travels and is quoted in: raw, URL-escaped (a query or a
// form body echoed back) and Go-quoted (%q of a peer's answer).
func TestRedactEveryForm(t *testing.T) {
	const secret = `s3cr+t/k"y é`
	var out bytes.Buffer
	l := New(time.Now, true, &WriterSink{W: &out})
	l.Redact(secret)
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strconv.Quote(secret)} {
		l.Errorf("answer %s", form)
	}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strconv.Quote(secret)[1:13]} {
		if strings.Contains(out.String(), form) {
			t.Fatalf("%q is in the log:\n%s", form, out.String())
		}
	}
}
