package sysio

import "strings"

// URLUserInfo returns the user-info of a URL (tcp://user:pw@broker) and its password, as net/url
// and paho read them: the user-info ends at the authority's last '@', so a password may hold an
// '@' (a cut at the first one would print the rest of the password as the host).
func URLUserInfo(v string) (info, password string, ok bool) {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return "", "", false
	}
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return "", "", false
	}
	info = rest[:at]
	_, password, _ = strings.Cut(info, ":")
	return info, password, true
}

// WithoutUserInfo is the URL with its user-info taken out, for naming a broker.
func WithoutUserInfo(v string) string {
	info, _, ok := URLUserInfo(v)
	if !ok {
		return v
	}
	scheme, rest, _ := strings.Cut(v, "://")
	return scheme + "://" + rest[len(info)+1:]
}
