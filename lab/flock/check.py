#!/usr/bin/python3
"""The flock tier's checks and timelines, from the logs a run left (lab/flock/README.md).

usage: check.py records FILE ACKS
       check.py exclusive RUN SINCE_MS
       check.py fences RUN VICTIM SURVIVOR SINCE_MS
       check.py timeline RUN SCENARIO SINCE_MS SURVIVOR VICTIM ACKS OUT.txt OUT.svg

RUN is the lab's directory ($FLOCK_LAB/flock): run/NODE/log/pacemaker/pacemaker.log (the
node's own log, kept across its boots), host/NODE/power.log (epoch times of power off/on),
plugs/plug-NODE.timeline; ACKS is the writer's log (writer.py). Every clock is the host's: guests
set theirs from the RTC (qemu's is the host clock, UTC) with hwclock at boot; the plugs run on the
host and stamp their timelines in its local time. Exit 1 with a reason when a check fails; the
timeline fails only when an event it needs is missing.
"""
import datetime
import html
import os
import re
import sys

NODES = ("n1", "n2")
UTC = datetime.timezone.utc
# A daemon's line: stamp, host, daemon. Agents' lines ("stamp IPaddr2(ip)[885]: INFO: ...") are
# what an agent chose to print, no evidence of what Pacemaker did.
PCMK_TS = re.compile(r"^(\w{3} [ \d]\d \d{2}:\d{2}:\d{2}\.\d{3}) (\S+) (pacemaker[\w-]*) +\[")
OP = r"(\w+) operation for (\S+?)(?::\d+)? on ([^\s:|]+)"
REQUEST = re.compile(r"Requesting local execution of %s(?:.* op_key=(\S+))?" % OP)
RESULT = re.compile(r"Result of %s: ([^|]*?)\s*(?:\|.* key=(\S+).*)?$" % OP)
# The scheduler's own word that it found a primitive active on more than one node.
MULTIPLE = re.compile(r"resource (\S+?)(?::\d+)? (?:might be|is) active on (?:\d+|multiple) nodes")
# Clones run on both nodes; of drbd, only its Promoted role ("promoted drbd") must be alone.
CLONES = ("cache", "drbd", "fence-plugs")
# The service: each must have a history, or the check would pass on logs that lost it.
SERVICE = ("promoted drbd", "fs", "nfs", "ip")
# The guests' clocks are the host's to a few ms (README); a stamp further out is no clock of it.
CLOCK_SLACK_MS = 1000
TIMELINE_TS = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) ")


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def fail(msg):
    print("check failed: " + msg)
    sys.exit(1)


def pcmk_ms(stamp, ref_ms):
    """A year-less pacemaker stamp ("Dec 02 14:01:02.123", UTC) as epoch ms: of the candidate
    years, the one closest to ref_ms (so within 6 months of it, across a new year too)."""
    ref = datetime.datetime.fromtimestamp(ref_ms / 1000, UTC)
    best = None
    for year in (ref.year - 1, ref.year, ref.year + 1):
        try:
            t = datetime.datetime.strptime("%d %s" % (year, stamp), "%Y %b %d %H:%M:%S.%f")
        except ValueError:
            continue  # 29 Feb of a year without it
        ms = int(t.replace(tzinfo=UTC).timestamp() * 1000)
        if best is None or abs(ms - ref_ms) < abs(best - ref_ms):
            best = ms
    return best


def day_ms(h, m, s, milli, ref_ms):
    """A time of day in the host's local time as epoch ms: of the days around ref_ms, the one
    that puts it closest to ref_ms (so within 12 hours of it, across a midnight too)."""
    ref = datetime.datetime.fromtimestamp(ref_ms / 1000)
    best = None
    for d in (-1, 0, 1):
        day = ref.date() + datetime.timedelta(days=d)
        ms = int(datetime.datetime(day.year, day.month, day.day, h, m, s, milli * 1000).timestamp() * 1000)
        if best is None or abs(ms - ref_ms) < abs(best - ref_ms):
            best = ms
    return best


def pcmk_path(run, node):
    return "%s/run/%s/log/pacemaker/pacemaker.log" % (run, node)


def pcmk_lines(run, node, ref_ms):
    """(ms, daemon, line) of the node's own pacemaker.log lines, in order. ref_ms resolves the
    year (0: the log's own mtime, its last line). A missing log, lines logged by another host,
    or stamped while the host had the node off (a clock not the host's), fail: they are not
    this node's evidence on the host's time base."""
    path = pcmk_path(run, node)
    try:
        with open(path, errors="replace") as f:
            text = f.read().splitlines()
    except FileNotFoundError:
        fail("%s has no pacemaker.log (%s)" % (node, path))
    ref_ms = ref_ms or int(os.stat(path).st_mtime * 1000)
    up, _ = power_log(run, node)
    out = []
    for line in text:
        m = PCMK_TS.match(line)
        if not m:
            continue
        if m.group(2) != node:
            fail("%s's pacemaker.log has a line of host %s: %s" % (node, m.group(2), line))
        t = pcmk_ms(m.group(1), ref_ms)
        if not any(b - CLOCK_SLACK_MS <= t and (o is None or t <= o + CLOCK_SLACK_MS) for b, o in up):
            fail("%s's pacemaker.log has a line from when the host had it off: %s" % (node, line))
        out.append((t, m.group(3), line))
    return out


def power_log(run, node):
    """The node's power.log (lab.sh): its times on, [boot, power off) with None while it still
    is, and its power cuts, in epoch ms."""
    path = "%s/host/%s/power.log" % (run, node)
    try:
        text = read(path).splitlines()
    except FileNotFoundError:
        fail("%s has no power.log (%s)" % (node, path))
    up, offs = [], []
    for line in text:
        w = line.split(None, 1)
        if len(w) != 2:
            continue
        t, what = int(float(w[0]) * 1000), w[1].strip()
        if what.startswith("boot "):
            up.append([t, None])
        elif what == "power off":
            offs.append(t)
            if up and up[-1][1] is None:
                up[-1][1] = t
    return up, offs


def plug_offs(run, node, since):
    """Epoch ms of each time the node's plug switched its relay off, from since on. Each stamp
    is placed within 12 h of since; the plug keeps its timeline in order, so a line placed after
    the next one is from a day before (a lab up for longer than 12 h before since)."""
    path = "%s/plugs/plug-%s.timeline" % (run, node)
    try:
        text = read(path).splitlines()
    except FileNotFoundError:
        fail("no timeline of plug-%s (%s)" % (node, path))
    ev = []
    for line in text:
        m = TIMELINE_TS.match(line)
        if m:
            hms = [int(g) for g in m.groups()]
            ev.append([day_ms(*hms, since), hms, line.split()[1:4] == ["switch", "relay=0", "on=false"]])
    for k in range(len(ev) - 2, -1, -1):
        while ev[k][0] > ev[k + 1][0]:
            ev[k][0] = day_ms(*ev[k][1], ev[k][0] - 86400000)
    return [t for t, _, off in ev if off and t >= since]


def records(path, acks):
    """Every acknowledged record is in the file exactly once, and the file is in order. After the
    last whole record the file may hold the torn start of the next one (a power cut during an
    unacknowledged write: each byte the next record's own or NUL), or NUL padding."""
    data = read(path, "rb")
    recs, i = [], 0
    while i + 11 <= len(data) and re.fullmatch(rb"\d{10}\n", data[i:i + 11]):
        recs.append(int(data[i:i + 10]))
        i += 11
    tail = data[i:]
    acked, errors = [], []
    for line in read(acks).splitlines(keepends=True):
        w = line.split()
        if not line.endswith("\n"):
            break  # copied while the writer was appending it: not acknowledged yet
        if len(w) == 2 and w[0].isdigit():
            acked.append(int(w[0]))
        elif w and w[0] == "error":
            errors.append(line.strip())
    if errors:
        fail("the writer saw an error: " + errors[0])
    if not acked:
        fail("nothing was acknowledged")
    if acked != list(range(1, len(acked) + 1)):
        bad = next(k for k, n in enumerate(acked) if n != k + 1)
        fail("the writer's log is not 1, 2, 3...: acknowledgement %d is of record %d" % (bad + 1, acked[bad]))
    if recs and recs[0] != 1:
        fail("the file starts at record %d, not 1" % recs[0])
    seen = {}
    for pos, n in enumerate(recs):
        if n in seen:
            fail("record %d is in the file twice (at %d and %d)" % (n, seen[n] + 1, pos + 1))
        seen[n] = pos
    for a, b in zip(recs, recs[1:]):
        if b != a + 1:
            fail("the file jumps from record %d to %d" % (a, b))
    missing = [n for n in acked if n not in seen]
    if missing:
        fail("%d acknowledged record(s) missing, first %d" % (len(missing), missing[0]))
    if tail:
        nxt = b"%010d\n" % ((recs[-1] if recs else 0) + 1)
        torn = len(tail) < len(nxt) and all(c in (0, nxt[k]) for k, c in enumerate(tail))
        if not torn and tail.strip(b"\0"):
            fail("the file's tail at byte %d is neither a torn record %d nor padding: %r"
                 % (i, int(nxt), tail[:22]))
    print("%d records acknowledged, all in the file once and in order (%d in the file%s)"
          % (len(acked), len(recs), ", then %d bytes of a torn write" % len(tail) if tail else ""))


def intervals(run, nodes, since):
    """Per (resource, node): [start, end) where it may have run (for drbd: been Promoted), end
    None while it still may. A start or promote counts from its request, whatever its result;
    only a stop's (a demote's) ok result or a power cut ends it. A probe or monitor that found it
    running counts from that request. Also returns the scheduler's multiply-active findings."""
    out, multiple = {}, []
    for node in nodes:
        ev = [(t, 0, daemon, line) for t, daemon, line in pcmk_lines(run, node, since)]
        ev += [(t, 1, "power", None) for t in power_log(run, node)[1]]
        ev.sort(key=lambda e: e[:2])  # a cut in the same ms as a line ends after it
        active, requested, results = {}, {}, 0

        def begin(key, t):
            active.setdefault(key, t)

        def end(key, t):
            if key in active:
                out.setdefault((key, node), []).append((active.pop(key), t))

        for t, _, daemon, line in ev:
            if daemon == "power":
                for key in list(active):
                    end(key, t)
                continue
            m = MULTIPLE.search(line)
            if m and t >= since:
                multiple.append((m.group(1), line))
            if not daemon.startswith("pacemaker-controld"):
                continue
            m = REQUEST.search(line)
            if m and m.group(3) == node:
                op, rsc, opkey = m.group(1), m.group(2), m.group(4)
                requested[opkey] = t
                if op == "start":
                    begin(rsc, t)
                elif op == "promote":
                    begin(rsc, t)
                    begin("promoted " + rsc, t)
                continue
            m = RESULT.search(line)
            if not m or m.group(3) != node:
                continue
            op, rsc, _, result, opkey = m.groups()
            results += 1
            asked = requested.pop(opkey, t)
            if op == "start" or (op in ("probe", "monitor") and result == "ok"):
                begin(rsc, asked)
            elif op == "promote" or (op in ("probe", "monitor") and result == "promoted"):
                begin(rsc, asked)
                begin("promoted " + rsc, asked)
            elif op == "demote" and result == "ok":
                end("promoted " + rsc, t)
            elif op == "stop" and result == "ok":
                end("promoted " + rsc, t)
                end(rsc, t)
        if not results:
            fail("%s's pacemaker.log has no result of an operation: an empty or a foreign log" % node)
        for key, t in active.items():
            out.setdefault((key, node), []).append((t, None))
    return {k: [(a, b) for a, b in v if b is None or b >= since] for k, v in out.items()}, multiple


def exclusive(run, since):
    """No primitive of the service ran, and DRBD was not Promoted, on two nodes at once."""
    since = int(since)
    iv, multiple = intervals(run, NODES, since)
    for rsc, line in multiple:
        if rsc not in CLONES:
            fail("the scheduler found %s on more than one node: %s" % (rsc, line))
    never = [r for r in SERVICE if not any(k[0] == r for k in iv)]
    if never:
        fail("no history of %s in the nodes' logs" % ", ".join(never))
    checked = 0
    end = lambda e: e if e is not None else 1 << 62
    for rsc in sorted({k[0] for k in iv}):
        if rsc in CLONES:
            continue
        a, b = iv.get((rsc, NODES[0]), []), iv.get((rsc, NODES[1]), [])
        for s1, e1 in a:
            for s2, e2 in b:
                if s1 < end(e2) and s2 < end(e1):
                    fail("%s ran on %s [%s, %s) and %s [%s, %s) at once" % (rsc, NODES[0], s1, e1, NODES[1], s2, e2))
        checked += 1
    print("%d resources, never on both nodes at once" % checked)


# The fence's evidence in the survivor's log, as the timeline reads it too; VICTIM, SURVIVOR are
# re.escape'd names. The takeover is the service's own: drbd's promote, the group's starts.
FENCE_REQUEST = r"wants to fence \(\w+\) '?%s(?![\w.-])"
FENCED = r"'\w+' .*targeting %s using \S+ returned 0"
TAKEOVER = (r"Requesting local execution of (?:promote operation for drbd|start operation for (?:fs|nfs|ip))"
            r"(?::\d+)? on %s(?![\w.-])")
# A plug's switch-off and the power cut it makes: both on the host's clock, the cut right after.
CUT_WITHIN_MS = 1000


def fences(run, victim, survivor, since):
    """Since since, the victim's plug switched off exactly once and cut its power once, and every
    other plug neither: one fence, of the right node. In this order: the survivor asked for the
    fence, the plug switched off, the power went (within 1 s), the fencer said it was done, and
    only then did the survivor take the service over."""
    since = int(since)
    for node in (victim, survivor):
        if node not in NODES:
            fail("%s is not a node of the flock (%s)" % (node, " ".join(NODES)))
    if victim == survivor:
        fail("%s cannot be both the victim and the survivor" % victim)
    rel = lambda t: "%+.3f s" % ((t - since) / 1000)
    bad, sw, cuts = [], {}, {}
    for node in NODES:
        sw[node] = offs = plug_offs(run, node, since)
        cuts[node] = [t for t in power_log(run, node)[1] if t >= since]
        want = 1 if node == victim else 0
        print("plug-%s: switched off %d time(s), power cut %d time(s) since %d%s"
              % (node, len(offs), len(cuts[node]), since, "".join(" +%.3fs" % ((t - since) / 1000) for t in offs)))
        if len(offs) != want or len(cuts[node]) != want:
            bad.append("plug-%s switched off %d and cut %d time(s), not %d" % (node, len(offs), len(cuts[node]), want))
    # Each switch-off with the first unclaimed cut at or within 1 s after it.
    pairs, free = [], sorted(cuts[victim])
    for off in sw[victim]:
        cut = next((c for c in free if off <= c <= off + CUT_WITHIN_MS), None)
        if cut is None:
            bad.append("plug-%s's switch-off at %s cut no power within 1 s" % (victim, rel(off)))
        else:
            free.remove(cut)
            pairs.append((off, cut))
    bad += ["%s's power cut at %s followed no switch-off of its plug within 1 s" % (victim, rel(c)) for c in free]
    v, s = re.escape(victim), re.escape(survivor)
    ev = [("%s's fence request" % survivor, first(run, survivor, since, FENCE_REQUEST % v)),
          ("plug-%s's switch-off" % victim, pairs[0][0] if pairs else None),
          ("%s's power cut" % victim, pairs[0][1] if pairs else None),
          ("%s's fencer's \"returned 0\"" % survivor, first(run, survivor, since, FENCED % v)),
          ("%s's first promote or start of the service" % survivor, first(run, survivor, since, TAKEOVER % s))]
    missing = [name for name, t in ev if t is None]
    if missing:
        bad.append("no %s since %d" % (", no ".join(missing), since))
    else:
        print("order: " + "".join("%s%s %s" % (op, name, rel(t))
                                  for op, (name, t) in zip(("", " < ", " <= ", " < ", " < "), ev)))
        # Each link, and the takeover against the cut itself: the point of the fence.
        for (an, a), (bn, b), strict in ((ev[0], ev[1], True), (ev[1], ev[2], False), (ev[2], ev[3], True),
                                         (ev[3], ev[4], True), (ev[2], ev[4], True)):
            if b < a or (strict and b == a):
                bad.append("out of order: %s at %s is not after %s at %s" % (bn, rel(b), an, rel(a)))
    if bad:
        fail("; ".join(bad))


def first(run, node, since, pattern):
    """The time of the node's earliest line at or after since that matches pattern, or None."""
    rx = re.compile(pattern)
    return min((t for t, _, line in pcmk_lines(run, node, since) if t >= since and rx.search(line)), default=None)


def acks(path):
    """(ms, n) of each acknowledgement; a last line without its newline is still being written."""
    out = []
    for line in read(path).splitlines(keepends=True):
        w = line.split()
        if line.endswith("\n") and len(w) == 2 and w[0].isdigit():
            out.append((int(w[1]), int(w[0])))
    return out


def stall(a, since, recovered):
    """The longest time between consecutive acknowledgements from the last before since to the
    first at or after recovered (the last ack's time: anywhere after the fault): (gap, from, to),
    or None without one on each side."""
    before = [t for t, _ in a if t < since]
    after = [t for t, _ in a if recovered is not None and t >= recovered]
    if not before or not after:
        return None
    window = sorted(t for t, _ in a if before[-1] <= t <= after[0])
    return max(((b - a_, a_, b) for a_, b in zip(window, window[1:])), default=None)


def timeline(run, scenario, since, survivor, victim, ackfile, txt, svg):
    since = int(since)
    a = acks(ackfile)
    v, s = re.escape(victim), re.escape(survivor)
    ev = [("network cut" if "network" in scenario else "hang", "host", since)]
    ev.append(("peer lost", survivor, first(run, survivor, since, r"Node %s state is now lost" % v)))
    ev.append(("fence requested", survivor, first(run, survivor, since, FENCE_REQUEST % v)))
    offs = plug_offs(run, victim, since)
    ev.append(("plug off", "plug-" + victim, offs[0] if offs else None))
    ev.append(("fenced", survivor, first(run, survivor, since, FENCED % v)))
    ev.append(("promoted", survivor, first(run, survivor, since, r"Result of promote operation for drbd on %s: ok" % s)))
    ev.append(("fs mounted", survivor, first(run, survivor, since, r"Result of start operation for fs on %s: ok" % s)))
    ev.append(("nfs up", survivor, first(run, survivor, since, r"Result of start operation for nfs on %s: ok" % s)))
    ip = first(run, survivor, since, r"Result of start operation for ip on %s: ok" % s)
    ev.append(("IP up", survivor, ip))
    after = [t for t, _ in a if ip is not None and t >= ip]
    ev.append(("first ack after", "client", after[0] if after else None))
    missing = [name for name, _, t in ev if t is None]
    # The client's longest time without an acknowledgement, from before the fault to its return.
    st = stall(a, since, ip)
    if st is None:
        missing.append("client stall")
    lines = ["timeline of %s (seconds after the %s)" % (scenario, ev[0][0])]
    for name, lane, t in ev:
        lines.append("  %-16s %-10s %s" % (name, lane, "%8.3f s" % ((t - since) / 1000) if t is not None else "missing"))
    # The failover's stall need not be the longest: the victim's return and DRBD's resync come
    # after it, in the same scenario (31.7 s seen in a run).
    gap = lambda g: ("%8.3f s (no ack from %+.3f s to %+.3f s)"
                     % (g[0] / 1000, (g[1] - since) / 1000, (g[2] - since) / 1000))
    lines.append("  client stall      %s" % (gap(st) if st else "unknown"))
    longest = stall(a, since, max(t for t, _ in a)) if a else None
    if st and longest != st:
        lines.append("  longest gap       %s" % gap(longest))
    write(txt, "\n".join(lines) + "\n")
    print("\n".join(lines))
    draw(svg, scenario, since, ev, a, survivor, victim)
    if missing:
        fail("timeline of %s lacks: %s" % (scenario, ", ".join(missing)))


def draw(path, scenario, since, ev, a, survivor, victim):
    """One lane per node, the victim's plug and the client; events as marks on a time axis."""
    lanes = [victim, survivor, "plug-" + victim, "client"]
    lane_of = {"host": victim}
    times = [t for _, _, t in ev if t is not None]
    end = max(times + [since + 1000]) + 3000
    start = since - 3000
    W, left, top, lh = 1200, 110, 40, 90
    x = lambda t: left + (t - start) * (W - left - 20) / (end - start)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'
           % (W, top + lh * len(lanes) + 40),
           '<text x="10" y="20" font-size="14">%s: %s</text>' % (html.escape(scenario), "hang to first acknowledged write")]
    for i, lane in enumerate(lanes):
        y = top + i * lh + lh // 2
        out.append('<text x="10" y="%d">%s</text><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#bbb"/>'
                   % (y + 4, html.escape(lane), left, y, W - 20, y))
    cy = top + 3 * lh + lh // 2
    for t, _ in a:
        if start <= t <= end:
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#4a4"/>' % (x(t), cy - 8, x(t), cy + 8))
    for k, (name, lane, t) in enumerate(ev):
        if t is None:
            continue
        i = lanes.index(lane_of.get(lane, lane))
        y = top + i * lh + lh // 2
        dy = (-10, 22, -24, 36)[k % 4]  # staggered: neighbouring labels do not overlap
        out.append('<circle cx="%.1f" cy="%d" r="5" fill="#c33"/><text x="%.1f" y="%d">%s %.1fs</text>'
                   % (x(t), y, x(t) + 6, y + dy, html.escape(name), (t - since) / 1000))
    for s in range(0, int((end - start) / 1000) + 1, 5):
        t = start + s * 1000
        out.append('<text x="%.1f" y="%d" fill="#666">%+ds</text>' % (x(t), top + lh * len(lanes) + 20, (t - since) // 1000))
    out.append("</svg>")
    write(path, "\n".join(out) + "\n")


COMMANDS = {"records": (records, 2), "exclusive": (exclusive, 2), "fences": (fences, 4), "timeline": (timeline, 8)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS or len(sys.argv) - 2 != COMMANDS[sys.argv[1]][1]:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]][0](*sys.argv[2:])
