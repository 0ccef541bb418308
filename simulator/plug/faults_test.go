package plug

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

func TestForcedStatus(t *testing.T) {
	for _, st := range []int{403, 404, 405, 406, 500} {
		p, base := servePlug(t, Config{Dialect: V2, APIKey: key, InitialOn: true})
		p.SetFault(Fault{HTTPStatus: st})
		expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "0"), map[string]string{"Api-Key": key}), st, "")
		expectRelay(t, p, true, true)
	}
}

func TestLockedFault(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: Rest, APIKey: key, InitialOn: true})
	p.SetFault(Fault{Locked: true})
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "0", "apikey", key), nil), 200, "1")
	expectRelay(t, p, true, true)
	waitEvent(t, p, "refusal", func(e Event) bool { return e.Kind == EvLocked && e.On })
	p.SetFault(Fault{})
	expect(t, do(t, "PUT", base+"/api/relay/0", form("value", "0", "apikey", key), nil), 200, "0")
}

func TestMalformedStillActs(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: Legacy, APIKey: key, InitialOn: true})
	p.SetFault(Fault{Malformed: true})
	expect(t, do(t, "GET", base+"/api/relay/0?apikey="+key+"&value=0", nil, nil), 200, "garbage")
	expectRelay(t, p, false, false)
	expect(t, do(t, "GET", base+"/api/power?apikey="+key, nil, nil), 200, "garbage")
	expect(t, do(t, "GET", base+"/api/relay/0?apikey=bad", nil, nil), 403, "")
}

func TestHang(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key})
	p.SetFault(Fault{Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := doErr(ctx, "GET", base+"/api/relay/0", nil, map[string]string{"Api-Key": key})
		errc <- err
	}()
	// The plug has the request and does not answer; the client gives up.
	waitEvent(t, p, "hung request", func(e Event) bool { return e.Kind == EvHTTP && e.Detail == "fault: hang" })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("hung request ended with %v", err)
	}
}

func TestReset(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key})
	p.SetFault(Fault{Reset: true})
	_, err := doErr(t.Context(), "GET", base+"/api/relay/0", nil, map[string]string{"Api-Key": key})
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("want connection reset, got %v", err)
	}
}

func TestOfflineRefusesThenRecovers(t *testing.T) {
	p, base := servePlug(t, Config{Dialect: V2, APIKey: key})
	hk := map[string]string{"Api-Key": key}
	p.SetFault(Fault{Offline: true})
	if _, err := doErr(t.Context(), "GET", base+"/api/relay/0", nil, hk); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("offline: want connection refused, got %v", err)
	}
	p.SetFault(Fault{})
	expect(t, do(t, "GET", base+"/api/relay/0", nil, hk), 200, "0")

	p.Crash()
	if _, err := doErr(t.Context(), "GET", base+"/api/relay/0", nil, hk); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("crashed: want connection refused, got %v", err)
	}
	p.SetFault(Fault{}) // a crash is for good
	if _, err := doErr(t.Context(), "GET", base+"/api/relay/0", nil, hk); err == nil {
		t.Fatal("crashed plug answered")
	}
}

func TestTLSBadCertificate(t *testing.T) {
	certPEM, keyPEM, err := SelfSignedCert("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := New(Config{Dialect: V2, APIKey: key, InitialOn: true})
	if err := p.StartTLS(ln, certPEM, keyPEM); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	u := "https://" + ln.Addr().String() + "/api/relay/0"
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Api-Key", key)

	_, err = http.DefaultClient.Do(req)
	var uerr x509.UnknownAuthorityError
	if !errors.As(err, &uerr) {
		t.Fatalf("want unknown authority, got %v", err)
	}

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	c.CloseIdleConnections()
}

// rpc reboot: the relay comes back in the default boot mode, OFF.
func TestRPCRebootPowersOff(t *testing.T) {
	switched := make(chan bool, 1)
	p, base := servePlug(t, Config{Dialect: Legacy, APIKey: key, InitialOn: true,
		OnSwitch: func(_ int, on bool) { switched <- on }})
	expect(t, do(t, "GET", base+"/rpc?apikey="+key+"&action=reboot", nil, nil), 200, "")
	if on := <-switched; on {
		t.Fatal("OnSwitch told on")
	}
	expectRelay(t, p, false, false)
	tl := dump(p)
	if strings.Index(tl, "http GET /rpc") > strings.Index(tl, "reboot") {
		t.Fatalf("order:\n%s", tl)
	}
}
