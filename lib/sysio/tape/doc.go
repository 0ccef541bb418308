// Package tape records an agent's run — its invocation, every exchange it has with the world
// through sysio, and its outcome — as a readable text tape, and replays the tape with it standing
// in for the world.
//
// # Modes
//
// Agent binaries call FromEnv on their Proc; the environment chooses:
//
//	FLOCK_TAPE_RECORD=PATH   record this run; the tape is written at Finish (to a new file when
//	                         PATH is a directory, so Pacemaker's repeated runs keep theirs)
//	FLOCK_TAPE_REPLAY=PATH   the tape is the world; argv, stdin and environment are the process's
//	                         own, which flock-sim sets from the tape
//	FLOCK_TAPE_VERDICT=PATH  where a replay writes its Verdict ("pass", or "fail" and divergences)
//	FLOCK_TAPE_LENIENT=1     replay leniently, as flock-sim mutate does to derive a fault tape:
//	                         a question the tape holds anywhere on its channel gets that answer
//	                         (the latest already given, so a retry meets a fault again), sleeps
//	                         just pass, and only a question never recorded is a divergence
//
// A replay whose agent asks for anything the tape does not hold gets an error back (so it fails
// as against a broken peer) and the divergence is kept; at Finish, exchanges never asked for and
// a differing outcome (exit code, stdout, exit reason) are divergences too. A replay with any
// divergence exits with ExitDiverged, 86.
//
// # Order and time
//
// Strict order holds within a channel: per HTTP host:port or unix socket, per MQTT connection
// (numbered by connect order per broker), per raw dial peer (network and host:port), and one
// each for exec, files and the clock. Across channels any interleaving replays, as an agent's
// concurrent work interleaves differently on every run. Replay time is virtual: it starts at the tape's start and jumps to the recorded end
// of each exchange served, so a 5 s sleep or a timeout that took 5 s replays at once.
//
// # Secrets
//
// Recording collects secret values — from arguments, stdin lines and variables whose names hold
// password, passwd, passphrase, apikey, api_key, secret or token; the MQTT password; the stdout
// of a Cmd with SecretOutput; Authorization and Api-Key headers; and apikey/password query and
// form parameters — and replaces them everywhere in the tape with "<redacted>". Values shorter
// than 4 characters are left, with a warning on stderr. In replay the agent is fed "<redacted>",
// and a "<redacted>" in the tape matches whatever the agent makes of it.
//
// # Grammar
//
// A tape is UTF-8 text, one item a line; blank lines separate exchanges and are otherwise
// ignored outside blocks.
//
//	tape       = "flock-tape 1" NL invocation { exchange } outcome
//	invocation = "agent" NAME NL "start" TIME NL { "note" V NL } "argv" V {V} NL
//	             { "env" NAME=VALUE NL } [ "stdin" V NL ]
//	exchange   = "exchange" SEQ "+"SECONDS"s" CHANNEL NL { "> " line } { "< " line } [ "< took" DUR NL ]
//	outcome    = "outcome" "+"SECONDS"s" NL "exit" CODE NL [ "stdout" V NL ] [ "reason" V NL ]
//	line       = KEY { " " V } NL | KEY " " block
//	V          = bare | quoted
//	bare       = printable non-space text without '"' that does not start with "<<"
//	quoted     = a Go string literal ("a b\n", "\x00")
//	block      = "<<TAG" [" noeol"] NL {text line NL} TAG NL   text; noeol: no final newline
//	           | "base64 <<TAG" NL {base64 line NL} TAG NL      anything else
//
// A block may only be a field's sole value; the printer uses one for multi-line text and for
// binary values. SEQ counts exchanges from 1; TIME is RFC 3339 in UTC with milliseconds; DUR is
// seconds with up to three decimals (5s, 0.012s). "> " lines are the agent's question, "< "
// lines the world's answer; the first question line names the operation:
//
//	http   METHOD URL, header NAME VALUE, body V, timeout DUR, tls-insecure, tls-ca|tls-cert|tls-key PATH
//	       < status CODE, header NAME VALUE (Content-Type and Location only), body V | error KIND MSG
//	mqtt   connect BROKER, client-id ID (ignored by replay), username U, timeout DUR, tls-...
//	       subscribe TOPIC..., publish TOPIC + payload V + qos N [+ retained], receive WAIT, close
//	       < ok | error KIND MSG; receive: < message TOPIC + payload + qos [+ retained] | nothing
//	exec   run ARGV..., env K=V, dir D, stdin V, secret-output
//	       < exit CODE, stdout V, stderr V [, error KIND MSG]
//	files  read P | read-at P OFF N  < data V | error KIND MSG
//	       write-at P OFF + data V | write P PERM + data V  < ok | error KIND MSG
//	       stat P  < mode MODE, size N [, dev MAJ:MIN];  readdir P  < names N...
//	clock  sleep DUR  < ok | error KIND MSG
//	dial   send FRAMING (datagram|record), data V, timeout DUR  < data V | error KIND MSG
//
// Error kinds: http, mqtt and dial use sysio's NetKind (timeout, refused, reset, tls, dns, auth,
// other); files not-exist, permission, other (replayed to satisfy errors.Is with fs.ErrNotExist
// and fs.ErrPermission); exec not-found, permission, deadline, canceled, other; clock deadline,
// canceled, other.
//
// An example:
//
//	flock-tape 1
//	agent fence_espurna
//	start 2025-06-01T10:00:00.000Z
//	argv /usr/sbin/fence_espurna
//	stdin <<EOF
//	action=off
//	ip=127.0.0.11
//	apikey=<redacted>
//	EOF
//
//	exchange 1 +0.000s http 127.0.0.11:80
//	> PUT http://127.0.0.11/api/relay/0
//	> header Content-Type application/x-www-form-urlencoded
//	> body apikey=<redacted>&value=0
//	> timeout 5s
//	< status 200
//	< header Content-Type text/plain
//	< body 0
//	< took 0.004s
//
//	exchange 2 +0.004s clock
//	> sleep 5s
//	< ok
//	< took 5s
//
//	outcome +5.010s
//	exit 0
//	stdout "Success: Powered OFF\n"
package tape
