package httpio

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// TLSConfig builds the client side of a TLS connection: verifying by default, against CAFile
// when set, with a client certificate when set.
func TLSConfig(o sysio.TLSOptions) (*tls.Config, error) {
	tc := &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // operator's explicit choice
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", o.CAFile)
		}
		tc.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// Classify is sysio.Classify that also tells TLS failures (a certificate not verified, a peer
// that does not speak TLS) from the others.
func Classify(err error) error {
	out := sysio.Classify(err)
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	if sysio.IsNet(out, sysio.NetOther) && (errors.As(err, &certErr) || errors.As(err, &unknownAuth) ||
		errors.As(err, &hostErr) || errors.As(err, &invalid) || errors.As(err, &recErr)) {
		return &sysio.NetError{Kind: sysio.NetTLS, Msg: err.Error()}
	}
	return out
}
