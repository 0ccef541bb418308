#!/usr/bin/python3
"""The flock tier's checks and timelines, from the logs a run left (lab/flock/README.md).

usage: check.py records FILE ACKS
       check.py exclusive RUN SINCE_MS
       check.py timeline RUN SCENARIO SINCE_MS SURVIVOR VICTIM ACKS OUT.txt OUT.svg

RUN is the lab's directory ($FLOCK_LAB/flock): run/NODE/log/pacemaker/pacemaker.log (the
node's own log, kept across its boots), host/NODE/power.log (epoch times of power off/on),
plugs/plug-NODE.timeline; ACKS is the writer's log (writer.py). Every clock is the host's: guests set theirs from
the RTC (qemu's is the host clock) with hwclock at boot. Exit 1 with a reason when a check
fails; the timeline fails only when an event it needs is missing.
"""
import datetime
import html
import re
import sys

YEAR = datetime.datetime.now(datetime.timezone.utc).year
PCMK_TS = re.compile(r"^(\w{3} \d{2} \d{2}:\d{2}:\d{2}\.\d{3}) (\S+) ")
RESULT = re.compile(r"Result of (start|stop|promote|demote) operation for (\S+) on (\S+): (\S+)")


def pcmk_ms(stamp):
    t = datetime.datetime.strptime("%d %s" % (YEAR, stamp), "%Y %b %d %H:%M:%S.%f")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


def pcmk_lines(run, node):
    """(ms, line) of the node's pacemaker.log, in order."""
    try:
        with open("%s/run/%s/log/pacemaker/pacemaker.log" % (run, node), errors="replace") as f:
            for line in f:
                m = PCMK_TS.match(line)
                if m:
                    yield pcmk_ms(m.group(1)), line.rstrip("\n")
    except FileNotFoundError:
        return


def power_offs(run, node):
    offs = []
    try:
        with open("%s/host/%s/power.log" % (run, node)) as f:
            for line in f:
                t, what = line.split(None, 1)
                if what.strip() == "power off":
                    offs.append(int(float(t) * 1000))
    except FileNotFoundError:
        pass
    return offs


def fail(msg):
    print("check failed: " + msg)
    sys.exit(1)


def records(path, acks):
    """Every acknowledged record is in the file exactly once, and the file is in order."""
    data = open(path, "rb").read()
    recs = []
    for i in range(0, len(data), 11):
        r = data[i:i + 11]
        if not re.fullmatch(rb"\d{10}\n", r):
            if i + 11 >= len(data) and not r.strip(b"\0"):
                break  # an unacknowledged tail the server never got
            fail("record %d at byte %d is not a record: %r" % (i // 11 + 1, i, r))
        recs.append(int(r[:10]))
    acked, errors = [], []
    for line in open(acks):
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
    print("%d records acknowledged, all in the file once and in order (%d in the file)"
          % (len(acked), len(recs)))


def intervals(run, nodes, since):
    """Per (resource, node): [start, end) where it ran (or, for drbd, was Promoted)."""
    out = {}
    for node in nodes:
        offs = power_offs(run, node)
        open_ = {}
        for t, line in pcmk_lines(run, node):
            m = RESULT.search(line)
            if not m or m.group(3) != node or m.group(4) != "ok":
                continue
            op, rsc = m.group(1), m.group(2)
            key = "promoted " + rsc if op in ("promote", "demote") else rsc
            if rsc.startswith("drbd") and op in ("start", "stop") and "promoted " + rsc in open_:
                if op == "stop":
                    out.setdefault(("promoted " + rsc, node), []).append((open_.pop("promoted " + rsc), t))
            if op in ("start", "promote"):
                # A start after a power cut: the resource ended when the power did.
                if key in open_:
                    cut = [o for o in offs if open_[key] <= o <= t]
                    out.setdefault((key, node), []).append((open_.pop(key), cut[0] if cut else t))
                open_[key] = t
            elif key in open_:
                out.setdefault((key, node), []).append((open_.pop(key), t))
        for key, t in open_.items():
            cut = [o for o in offs if o >= t]
            out.setdefault((key, node), []).append((t, cut[0] if cut else None))
    return {k: [(a, b) for a, b in v if b is None or b >= since] for k, v in out.items()}


def exclusive(run, since):
    """No primitive of the service ran, and DRBD was not Promoted, on two nodes at once."""
    iv = intervals(run, ("n1", "n2"), int(since))
    checked = 0
    for rsc in sorted({k[0] for k in iv}):
        if rsc.startswith(("cache", "drbd", "fence")):
            continue  # clones and the stonith device may run on both
        a, b = iv.get((rsc, "n1"), []), iv.get((rsc, "n2"), [])
        for s1, e1 in a:
            for s2, e2 in b:
                if s1 < (e2 if e2 is not None else 1 << 62) and s2 < (e1 if e1 is not None else 1 << 62):
                    fail("%s ran on n1 [%s, %s) and n2 [%s, %s) at once" % (rsc, s1, e1, s2, e2))
        checked += 1
    if checked == 0:
        fail("no resource history found in the nodes' logs")
    print("%d resources, never on both nodes at once" % checked)


def first(run, node, since, pattern):
    rx = re.compile(pattern)
    for t, line in pcmk_lines(run, node):
        if t >= since and rx.search(line):
            return t
    return None


def plug_off(run, node, since):
    day = datetime.datetime.fromtimestamp(since / 1000, datetime.timezone.utc).date()
    try:
        for line in open("%s/plugs/plug-%s.timeline" % (run, node)):
            w = line.split()
            if len(w) >= 4 and w[1] == "switch" and w[3] == "on=false":
                t = datetime.datetime.strptime("%s %s" % (day, w[0]), "%Y-%m-%d %H:%M:%S.%f")
                ms = int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
                if ms >= since:
                    return ms
    except FileNotFoundError:
        pass
    return None


def acks(path):
    out = []
    for line in open(path):
        w = line.split()
        if len(w) == 2 and w[0].isdigit():
            out.append((int(w[1]), int(w[0])))
    return out


def timeline(run, scenario, since, survivor, victim, ackfile, txt, svg):
    since = int(since)
    a = acks(ackfile)
    ev = [("network cut" if "network" in scenario else "hang", "host", since)]
    ev.append(("peer lost", survivor, first(run, survivor, since, r"Node %s state is now lost" % victim)))
    ev.append(("fence requested", survivor, first(run, survivor, since, r"wants to fence \(\w+\) '?%s" % victim)))
    ev.append(("plug off", "plug-" + victim, plug_off(run, victim, since)))
    ev.append(("fenced", survivor, first(run, survivor, since, r"'\w+' .*targeting %s using \S+ returned 0" % victim)))
    ev.append(("promoted", survivor, first(run, survivor, since, r"Result of promote operation for drbd on %s: ok" % survivor)))
    ev.append(("fs mounted", survivor, first(run, survivor, since, r"Result of start operation for fs on %s: ok" % survivor)))
    ev.append(("nfs up", survivor, first(run, survivor, since, r"Result of start operation for nfs on %s: ok" % survivor)))
    ev.append(("IP up", survivor, first(run, survivor, since, r"Result of start operation for ip on %s: ok" % survivor)))
    last_before = max([t for t, _ in a if t < since], default=None)
    after = [t for t, _ in a if t >= since]
    ev.append(("first ack after", "client", after[0] if after else None))
    missing = [name for name, _, t in ev if t is None]
    # The client's longest time without an acknowledgement, around this scenario.
    stall = (after[0] - last_before) if after and last_before else None
    lines = ["timeline of %s (seconds after the %s)" % (scenario, ev[0][0])]
    for name, lane, t in ev:
        lines.append("  %-16s %-10s %s" % (name, lane, "%8.3f s" % ((t - since) / 1000) if t is not None else "missing"))
    lines.append("  client stall      %s" % ("%8.3f s (last ack before to first ack after)" % (stall / 1000) if stall else "unknown"))
    open(txt, "w").write("\n".join(lines) + "\n")
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
    open(path, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"records": records, "exclusive": exclusive, "timeline": timeline}[cmd](*args)
