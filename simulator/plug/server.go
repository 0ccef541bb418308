package plug

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// server runs the HTTP API on one address. Going offline closes the
// listener (so connections are refused, as with a plug off the network)
// and the open connections; coming back listens again on the same address.
type server struct {
	srv  *http.Server
	addr string
	wrap func(net.Listener) net.Listener

	mu      sync.Mutex
	ln      net.Listener
	serving chan struct{} // closed when Serve on ln has returned
	online  bool
	closed  bool
	conns   map[net.Conn]struct{}
	wake    chan struct{}
}

// Serve answers the HTTP API on ln until Close. Offline/Crash close ln;
// clearing Offline listens again on ln's address.
func (p *Plug) Serve(ln net.Listener) error {
	s, err := p.register(ln, nil)
	if err != nil {
		return err
	}
	return s.run()
}

// Start is Serve in the background. Once it returns, faults already apply
// to ln (with "go p.Serve(ln)" an Offline set at once could race).
func (p *Plug) Start(ln net.Listener) error { return p.start(ln, nil) }

// ServeTLS is Serve over HTTPS (a WEB_SSL_ENABLED build; stock firmware has
// plain HTTP only). See SelfSignedCert for a certificate clients reject.
func (p *Plug) ServeTLS(ln net.Listener, certPEM, keyPEM []byte) error {
	wrap, err := tlsWrap(certPEM, keyPEM)
	if err != nil {
		return err
	}
	s, err := p.register(ln, wrap)
	if err != nil {
		return err
	}
	return s.run()
}

// StartTLS is ServeTLS in the background.
func (p *Plug) StartTLS(ln net.Listener, certPEM, keyPEM []byte) error {
	wrap, err := tlsWrap(certPEM, keyPEM)
	if err != nil {
		return err
	}
	return p.start(ln, wrap)
}

func tlsWrap(certPEM, keyPEM []byte) (func(net.Listener) net.Listener, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return func(l net.Listener) net.Listener { return tls.NewListener(l, cfg) }, nil
}

func (p *Plug) start(ln net.Listener, wrap func(net.Listener) net.Listener) error {
	s, err := p.register(ln, wrap)
	if err != nil {
		return err
	}
	go func() {
		if err := s.run(); err != nil {
			p.mu.Lock()
			p.recordLocked(p.cfg.Clock(), Event{Kind: EvFault, Detail: "http server stopped: " + err.Error()})
			p.unlockAndFlush()
		}
	}()
	return nil
}

func (p *Plug) register(ln net.Listener, wrap func(net.Listener) net.Listener) (*server, error) {
	if wrap == nil {
		wrap = func(l net.Listener) net.Listener { return l }
	}
	s := &server{
		addr:  ln.Addr().String(),
		wrap:  wrap,
		ln:    ln,
		conns: map[net.Conn]struct{}{},
		wake:  make(chan struct{}, 1),
	}
	s.srv = &http.Server{
		Handler:           p.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // TLS handshake noise
		ConnState:         s.track,
	}
	p.mu.Lock()
	if p.server != nil || p.closed {
		p.mu.Unlock()
		ln.Close()
		return nil, errors.New("plug: already serving or closed")
	}
	p.server = s
	s.online = !p.crashed && !p.fault.Offline
	p.mu.Unlock()
	if !s.isOnline() {
		s.setOnline(false)
	}
	return s, nil
}

func (s *server) isOnline() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.online
}

func (s *server) run() error {
	for {
		s.mu.Lock()
		ln, closed := s.ln, s.closed
		s.mu.Unlock()
		if closed {
			return nil
		}
		if ln != nil {
			done := make(chan struct{})
			s.mu.Lock()
			s.serving = done
			s.mu.Unlock()
			err := s.srv.Serve(s.wrap(ln))
			close(done)
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			s.mu.Lock()
			expected := s.closed || s.ln != ln
			s.mu.Unlock()
			if !expected {
				return err
			}
			continue
		}
		<-s.wake
	}
}

func (s *server) track(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case http.StateNew:
		s.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	}
}

// setOnline(true) listens again before returning, so a client may connect
// as soon as the fault is cleared.
func (s *server) setOnline(up bool) {
	s.mu.Lock()
	s.online = up
	var wait chan struct{}
	if !up {
		if s.ln != nil {
			s.ln.Close()
			s.ln = nil
			wait = s.serving
		}
		for c := range s.conns {
			c.Close()
		}
	} else if s.ln == nil && !s.closed {
		if l, err := net.Listen("tcp", s.addr); err == nil {
			s.ln = l
		}
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	if wait != nil {
		// The socket only really closes once Accept has returned; until
		// then the kernel would still complete handshakes (and reset them).
		<-wait
	}
}

func (s *server) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.srv.Close()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// SelfSignedCert makes a throw-away certificate for hosts (IPs or names),
// signed by nobody, for "bad certificate" tests and -ssl-insecure labs.
func SelfSignedCert(hosts ...string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "espurna-emulator"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}
