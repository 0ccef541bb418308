#!/usr/bin/python3
"""check.py on synthetic logs, its commands called as e2e.sh calls them (in this process: a
python3 start is 0.1-0.3 s, and there are more than 100 calls).

usage: lab/flock/check_test.py [-v]     (CHECK_PY=other/check.py: the same tests against it)

Each test writes a lab directory (run/NODE/log/pacemaker/pacemaker.log, host/NODE/power.log,
plugs/plug-NODE.timeline) or a records file and an ack log into a temporary directory.
"""
import contextlib
import datetime
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import time
import unittest

CHECK = os.environ.get("CHECK_PY", os.path.join(os.path.dirname(os.path.abspath(__file__)), "check.py"))
sys.dont_write_bytecode = True  # no __pycache__ left in the tree
_spec = importlib.util.spec_from_file_location("check", CHECK)
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)
UTC = datetime.timezone.utc
# A fault at 12:00 UTC on a fixed day; the tests that cross a year use dates of their own.
T = int(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=UTC).timestamp() * 1000)


def stamp(ms):
    """pacemaker.log's stamp (the guests' clock is UTC): no year."""
    t = datetime.datetime.fromtimestamp(ms / 1000, UTC)
    return t.strftime("%b %d %H:%M:%S.") + "%03d" % (ms % 1000)


class Lab:
    """A run directory written line by line; times are epoch ms."""

    def __init__(self, root, tz_hours=0):
        self.root, self.tz, self.logs = root, tz_hours, {}
        for node in ("n1", "n2"):
            self.pcmk(node)  # every node has a log, and a power.log and a plug timeline
            self.write("host/%s/power.log" % node, "%.9f boot 1\n" % (T / 1000 - 86400))
            self.write("plugs/plug-%s.timeline" % node, "")

    def write(self, rel, text, mode="a"):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(text)
        return path

    def pcmk(self, node, line=None, ms=None, daemon="pacemaker-controld", host=None):
        rel = "run/%s/log/pacemaker/pacemaker.log" % node
        self.write(rel, "" if line is None else "%s %s %s  [232] (fn) \tnotice: %s\n"
                   % (stamp(ms), host or node, daemon, line))

    def request(self, node, ms, op, rsc):
        self.pcmk(node, "Requesting local execution of %s operation for %s on %s | transition_key=5:1:0:x op_key=%s_%s_0"
                  % (op, rsc, node, rsc, op), ms)

    def result(self, node, ms, op, rsc, res="ok"):
        self.pcmk(node, "Result of %s operation for %s on %s: %s | CIB update 16, graph action confirmed; call=6 key=%s_%s_0 rc=0"
                  % (op, rsc, node, res, rsc, op), ms)

    def op(self, node, ms, op, rsc, took=1000, res="ok"):
        self.request(node, ms, op, rsc)
        self.result(node, ms + took, op, rsc, res)

    def service(self, node, ms):
        """DRBD Promoted, then fs, nfs and ip started on node, 2 s each from ms."""
        self.op(node, ms, "promote", "drbd")
        for k, rsc in enumerate(("fs", "nfs", "ip")):
            self.op(node, ms + 2000 * (k + 1), "start", rsc)

    def power_off(self, node, ms):
        self.write("host/%s/power.log" % node, "%.9f power off\n%.9f power on\n%.9f boot 2\n"
                   % (ms / 1000, ms / 1000 + 4, ms / 1000 + 4.05))

    def plug(self, node, ms, what="switch relay=0 on=false"):
        """A plug's line, stamped as the plug does: time of day in the host's local time."""
        t = datetime.datetime.fromtimestamp(ms / 1000 + self.tz * 3600, UTC)
        self.write("plugs/plug-%s.timeline" % node, "%s.%03d %s\n" % (t.strftime("%H:%M:%S"), ms % 1000, what))

    def failover(self, since=T, asked=25000, off=26000, cut=26010, fenced=31000, took=50000):
        """n1 ran the service, hung at since; n2 asked to fence it at +25 s, its plug switched off
        at +26 s and cut it 10 ms later, n2's fencer said done at +31 s; n2 took over at +50 s.
        Each time (ms after since) may be moved to break the order."""
        self.service("n1", since - 600000)
        self.pcmk("n2", "Node n1 state is now lost | nodeid=1", since + 21000, "pacemaker-controld")
        self.pcmk("n2", "Client pacemaker-controld.198 wants to fence (reboot) n1 using any device", since + asked, "pacemaker-fenced")
        self.plug("n1", since + off)
        self.power_off("n1", since + cut)
        self.pcmk("n2", "Operation 'reboot' [2264] targeting n1 using fence-plugs returned 0 | call 4", since + fenced, "pacemaker-fenced")
        self.service("n2", since + took)


class CheckTest(unittest.TestCase):
    tz = 0

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.lab = Lab(self.tmp.name, self.tz)
        self.host_tz = os.environ.get("TZ")
        os.environ["TZ"] = "UTC%+d" % -self.tz  # POSIX TZ: "UTC-1" is one hour east
        time.tzset()

    def tearDown(self):
        self.tmp.cleanup()
        if self.host_tz is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = self.host_tz
        time.tzset()

    def run_check(self, cmd, *args):
        """check.py CMD ARGS...: its exit code and what it printed."""
        out = io.StringIO()
        rc = 0
        with contextlib.redirect_stdout(out):
            try:
                getattr(check, cmd)(*(str(a) for a in args))
            except SystemExit as e:
                rc = e.code
        return rc, out.getvalue()

    def passes(self, *args):
        rc, out = self.run_check(*args)
        self.assertEqual(rc, 0, out)
        return out

    def fails(self, why, *args):
        rc, out = self.run_check(*args)
        self.assertEqual(rc, 1, out)
        self.assertIn(why, out)
        return out


class Exclusive(CheckTest):
    def test_a_clean_failover_passes(self):
        self.lab.op("n2", T - 700000, "probe", "fs", res="not running")
        self.lab.failover()
        self.lab.op("n1", T + 60000, "probe", "fs", res="not running")  # n1's next boot
        self.assertIn("4 resources, never on both nodes at once", self.passes("exclusive", self.tmp.name, 0))

    def test_without_the_power_cut_the_victim_still_runs_it(self):
        self.lab.service("n1", T - 600000)
        self.lab.service("n2", T + 50000)
        self.fails("ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_start_counts_from_its_request(self):
        # n1 stops ip (ok at +10 s) while n2's start of ip was requested at +9.5 s
        self.lab.service("n1", T - 600000)
        self.lab.op("n1", T + 8000, "stop", "ip", took=2000)
        self.lab.op("n2", T + 9500, "start", "ip", took=5000)
        self.fails("ip ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_stop_counts_until_its_ok_result(self):
        self.lab.service("n1", T - 600000)
        self.lab.op("n1", T, "stop", "ip", took=2000)
        self.lab.op("n2", T + 2001, "start", "ip")
        self.lab.power_off("n1", T + 3000)  # n1's other resources
        self.lab.service("n2", T + 4000)
        self.passes("exclusive", self.tmp.name, 0)
        self.lab.op("n2", T + 1999, "start", "ip")  # before n1's stop was done
        self.fails("ip ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_failed_start_still_counts(self):
        self.lab.service("n1", T - 600000)
        self.lab.op("n2", T - 300000, "start", "ip", res="error")
        self.fails("ip ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_failed_stop_still_runs(self):
        self.lab.service("n1", T - 600000)
        self.lab.op("n1", T, "stop", "ip", res="Timed Out")
        self.lab.op("n2", T + 60000, "start", "ip")
        self.fails("ip ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_failed_start_counts_until_its_stop(self):
        self.lab.failover()
        self.lab.op("n1", T - 300000, "start", "other", res="error")
        self.lab.op("n1", T - 200000, "stop", "other")
        self.lab.op("n2", T - 100000, "start", "other")
        self.passes("exclusive", self.tmp.name, 0)

    def test_promoted_from_the_promote_request_to_the_demote_result(self):
        self.lab.service("n1", T - 600000)
        for rsc in ("ip", "nfs", "fs"):
            self.lab.op("n1", T - 10000, "stop", rsc)
        self.lab.op("n1", T, "demote", "drbd", took=3000)
        self.lab.op("n2", T + 2000, "promote", "drbd", took=5000)  # asked before n1's demote was done
        self.fails("promoted drbd ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_failed_promote_is_promoted(self):
        self.lab.failover()
        self.lab.op("n1", T + 40000, "promote", "drbd", res="error")  # after n1's cut: its next boot
        self.fails("promoted drbd ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_probe_that_finds_it_running(self):
        self.lab.service("n1", T - 600000)
        self.lab.op("n2", T, "probe", "fs", res="ok")
        self.fails("fs ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_monitor_that_finds_drbd_promoted(self):
        self.lab.failover()
        self.lab.op("n1", T + 100000, "monitor", "drbd", res="promoted")
        self.fails("promoted drbd ran on n1", "exclusive", self.tmp.name, 0)

    def test_the_schedulers_word_that_it_runs_twice(self):
        self.lab.failover()
        self.lab.pcmk("n2", "Critical resource fs might be active on 2 nodes (attempting recovery)", T + 100000,
                      "pacemaker-schedulerd")
        self.fails("the scheduler found fs on more than one node", "exclusive", self.tmp.name, 0)

    def test_a_node_without_a_log(self):
        self.lab.service("n1", T - 600000)
        os.remove(os.path.join(self.tmp.name, "run/n2/log/pacemaker/pacemaker.log"))
        self.fails("n2 has no pacemaker.log", "exclusive", self.tmp.name, 0)

    def test_a_log_that_lost_the_service(self):
        self.lab.op("n1", T, "start", "fs")  # the logs know only fs and a probe
        self.lab.op("n2", T, "probe", "fs", res="not running")
        self.fails("no history of promoted drbd, nfs, ip", "exclusive", self.tmp.name, 0)

    def test_an_empty_log(self):
        self.lab.service("n1", T - 600000)
        self.fails("n2's pacemaker.log has no result of an operation", "exclusive", self.tmp.name, 0)
        self.lab.pcmk("n2", "Node n1 state is now lost | nodeid=1", T)
        self.fails("n2's pacemaker.log has no result of an operation", "exclusive", self.tmp.name, 0)

    def test_another_hosts_log(self):
        self.lab.service("n1", T - 600000)
        self.lab.pcmk("n2", "Result of start operation for fs on n1: ok", T, host="n1")
        self.fails("n2's pacemaker.log has a line of host n1", "exclusive", self.tmp.name, 0)

    def test_a_clock_not_the_hosts(self):
        self.lab.failover()
        self.lab.op("n1", T + 28000, "start", "fs")  # n1 was off from +26 s to +30 s
        self.fails("n1's pacemaker.log has a line from when the host had it off", "exclusive", self.tmp.name, 0)

    def test_a_line_from_before_the_first_boot(self):
        self.lab.failover()
        self.lab.op("n2", T - 2 * 86400000, "stop", "fs")  # a previous lab's log, or a clock far off
        self.fails("n2's pacemaker.log has a line from when the host had it off", "exclusive", self.tmp.name, 0)

    def test_an_agents_line_is_no_evidence(self):
        # n1 was never cut nor stopped: an agent's words do not stop it
        self.lab.service("n1", T - 600000)
        for rsc in ("ip", "nfs", "fs"):
            self.lab.write("run/n1/log/pacemaker/pacemaker.log", "%s agent(%s)[885]: INFO: Result of stop operation"
                           " for %s on n1: ok | key=%s_stop_0\n" % (stamp(T), rsc, rsc, rsc))
        self.lab.write("run/n1/log/pacemaker/pacemaker.log", "%s agent(drbd)[885]: INFO: Result of stop operation"
                       " for drbd on n1: ok | key=drbd_stop_0\n" % stamp(T))
        self.lab.service("n2", T + 50000)
        self.fails("ran on n1", "exclusive", self.tmp.name, 0)

    def test_only_the_clones_may_run_twice(self):
        self.lab.failover()
        for node in ("n1", "n2"):
            self.lab.op(node, T - 700000, "start", "cache")
            self.lab.op(node, T - 700000, "start", "drbd-meta")
        self.fails("drbd-meta ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_clone_instance_is_its_resource(self):
        self.lab.failover()
        self.lab.op("n1", T + 100000, "promote", "drbd:1")
        self.fails("promoted drbd ran on n1", "exclusive", self.tmp.name, 0)

    def test_a_previous_boot_ends_at_its_power_cut(self):
        self.lab.failover()
        self.lab.op("n1", T + 60000, "probe", "fs", res="not running")  # n1's next boot
        self.passes("exclusive", self.tmp.name, 0)

    def test_since_drops_what_ended_before(self):
        self.lab.op("n1", T - 900000, "start", "fs")
        self.lab.op("n2", T - 900000, "start", "fs")  # both, long ago
        self.lab.op("n2", T - 850000, "stop", "fs")
        self.lab.power_off("n1", T - 800000)
        self.lab.failover()
        self.fails("fs ran on n1", "exclusive", self.tmp.name, 0)
        self.passes("exclusive", self.tmp.name, T - 700000)

    def test_across_a_new_year(self):
        # n1 stopped the service at 23:59:58 on 31 Dec, n2 started it at 00:00:01 on 1 Jan
        eve = int(datetime.datetime(datetime.date.today().year, 12, 31, 23, 59, 58, tzinfo=UTC).timestamp() * 1000)
        self.lab.service("n1", eve - 600000)
        for rsc in ("ip", "nfs", "fs"):
            self.lab.op("n1", eve - 30000, "stop", rsc)
        self.lab.op("n1", eve - 1000, "demote", "drbd")
        self.lab.service("n2", eve + 3000)
        for node in ("n1", "n2"):  # the logs as read after the run: the reference is their mtime
            p = os.path.join(self.tmp.name, "run/%s/log/pacemaker/pacemaker.log" % node)
            os.utime(p, (eve / 1000 + 60, eve / 1000 + 60))
        self.passes("exclusive", self.tmp.name, 0)
        self.passes("exclusive", self.tmp.name, eve + 2000)


class CommandLine(CheckTest):
    def test_e2e_calls(self):
        """The command line e2e.sh uses, once through a real python3: its exit codes."""
        self.lab.failover()
        cli = lambda *a: subprocess.run([sys.executable, CHECK] + list(a), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.assertEqual(cli("exclusive", self.tmp.name, "0").returncode, 0)
        self.assertEqual(cli("fences", self.tmp.name, "n1", "n2", str(T)).returncode, 0)
        p = cli("fences", self.tmp.name, "n1", str(T))  # the signature before the survivor
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("usage: check.py records FILE ACKS", p.stdout)


class Fences(CheckTest):
    def test_one_cut_of_the_victim(self):
        self.lab.failover()
        out = self.passes("fences", self.tmp.name, "n1", "n2", T)
        self.assertIn("plug-n1: switched off 1 time(s), power cut 1 time(s)", out)
        self.assertIn("plug-n2: switched off 0 time(s), power cut 0 time(s)", out)

    def test_the_order_it_printed(self):
        self.lab.failover()
        self.assertIn("order: n2's fence request +25.000 s < plug-n1's switch-off +26.000 s <= n1's power cut"
                      " +26.010 s < n2's fencer's \"returned 0\" +31.000 s < n2's first promote or start of the"
                      " service +50.000 s", self.passes("fences", self.tmp.name, "n1", "n2", T))

    def test_fenced_before_the_plug_was_off(self):
        self.lab.failover(fenced=25500)
        self.fails("out of order: n2's fencer's \"returned 0\" at +25.500 s is not after n1's power cut at +26.010 s",
                   "fences", self.tmp.name, "n1", "n2", T)

    def test_a_switch_off_without_its_cut(self):
        self.lab.failover(cut=25900)  # a cut, but 100 ms before the relay went off: not its
        out = self.fails("plug-n1's switch-off at +26.000 s cut no power within 1 s", "fences", self.tmp.name, "n1", "n2", T)
        self.assertIn("n1's power cut at +25.900 s followed no switch-off of its plug within 1 s", out)

    def test_a_cut_long_after_the_off(self):
        self.lab.failover(cut=27001)
        out = self.fails("plug-n1's switch-off at +26.000 s cut no power within 1 s", "fences", self.tmp.name, "n1", "n2", T)
        self.assertIn("n1's power cut at +27.001 s followed no switch-off", out)

    def test_a_cut_1_s_after_the_off(self):
        self.lab.failover(cut=27000)
        self.passes("fences", self.tmp.name, "n1", "n2", T)

    def test_a_cut_in_the_same_ms_as_the_off(self):
        self.lab.failover(cut=26000)
        self.passes("fences", self.tmp.name, "n1", "n2", T)

    def test_the_survivor_promotes_before_the_cut(self):
        self.lab.failover()
        self.lab.request("n2", T + 26005, "promote", "drbd")  # the relay is off, the power not yet
        out = self.fails("out of order: n2's first promote or start of the service at +26.005 s is not after n1's"
                         " power cut at +26.010 s", "fences", self.tmp.name, "n1", "n2", T)
        self.assertIn("is not after n2's fencer's \"returned 0\" at +31.000 s", out)

    def test_the_survivor_starts_the_group_before_fenced(self):
        self.lab.failover()
        self.lab.request("n2", T + 30000, "start", "fs")
        self.fails("out of order: n2's first promote or start of the service at +30.000 s is not after n2's fencer's",
                   "fences", self.tmp.name, "n1", "n2", T)

    def test_clone_starts_are_no_takeover(self):
        self.lab.failover()
        for rsc in ("cache", "drbd", "fence-plugs"):
            self.lab.op("n2", T + 20000, "start", rsc)
        self.lab.op("n1", T - 1000, "promote", "drbd")  # the victim's own
        self.passes("fences", self.tmp.name, "n1", "n2", T)

    def test_a_fence_asked_for_after_the_off(self):
        self.lab.failover(asked=26000)
        self.fails("out of order: plug-n1's switch-off at +26.000 s is not after n2's fence request at +26.000 s",
                   "fences", self.tmp.name, "n1", "n2", T)

    def test_missing_steps(self):
        self.lab.service("n1", T - 600000)
        self.lab.plug("n1", T + 26000)
        self.lab.power_off("n1", T + 26010)
        self.fails("no n2's fence request, no n2's fencer's \"returned 0\", no n2's first promote or start of the"
                   " service since", "fences", self.tmp.name, "n1", "n2", T)
        self.fails("n1 cannot be both", "fences", self.tmp.name, "n1", "n1", T)
        self.fails("n3 is not a node", "fences", self.tmp.name, "n1", "n3", T)

    def test_the_wrong_node(self):
        self.lab.failover()
        self.fails("plug-n2 switched off 0 and cut 0 time(s), not 1", "fences", self.tmp.name, "n2", "n1", T)

    def test_cuts_before_since_do_not_count(self):
        self.lab.plug("n2", T - 1000)
        self.lab.power_off("n2", T - 990)
        self.lab.failover()
        self.passes("fences", self.tmp.name, "n1", "n2", T)
        self.fails("plug-n2 switched off 1", "fences", self.tmp.name, "n1", "n2", T - 2000)

    def test_twice(self):
        self.lab.failover()
        self.lab.plug("n1", T + 60000)
        self.lab.power_off("n1", T + 60010)
        self.fails("plug-n1 switched off 2 and cut 2 time(s), not 1", "fences", self.tmp.name, "n1", "n2", T)

    def test_a_switch_that_cut_no_power(self):
        self.lab.failover()
        self.lab.write("host/n1/power.log", "", mode="w")
        self.fails("plug-n1 switched off 1 and cut 0 time(s), not 1", "fences", self.tmp.name, "n1", "n2", T)

    def test_another_relay_or_switch_on_is_no_cut(self):
        self.lab.failover()
        self.lab.plug("n1", T + 30000, "switch relay=0 on=true")
        self.lab.plug("n2", T + 30000, "switch relay=1 on=false")
        self.lab.plug("n2", T + 30000, "target relay=0 on=false delay=2s")
        self.passes("fences", self.tmp.name, "n1", "n2", T)

    def test_missing_evidence(self):
        self.lab.failover()
        os.remove(os.path.join(self.tmp.name, "plugs/plug-n2.timeline"))
        self.fails("no timeline of plug-n2", "fences", self.tmp.name, "n1", "n2", T)
        self.lab.write("plugs/plug-n2.timeline", "")
        os.remove(os.path.join(self.tmp.name, "host/n2/power.log"))
        self.fails("n2 has no power.log", "fences", self.tmp.name, "n1", "n2", T)
        self.fails("n3 is not a node", "fences", self.tmp.name, "n3", "n2", T)

    def test_across_midnight(self):
        late = int(datetime.datetime(2026, 12, 2, 23, 59, 50, tzinfo=UTC).timestamp() * 1000)
        self.lab.plug("n1", late - 600000, "http GET /api/relay/0 key=\"query\" auth=true -> 200")
        self.lab.failover(late)  # the cut at 00:00:16 of the next day
        self.assertIn("+26.000s", self.passes("fences", self.tmp.name, "n1", "n2", late))

    def test_a_timeline_longer_than_a_day(self):
        # the lab was up 30 h before since; 13 h before since its plug was cut (by hand, say)
        for h in range(30, 0, -1):
            self.lab.plug("n1", T - h * 3600000, "http GET /api/relay/0 key=\"query\" auth=true -> 200")
            if h == 13:
                self.lab.plug("n1", T - h * 3600000, "switch relay=0 on=false")
        self.lab.failover()
        self.assertIn("+26.000s\n", self.passes("fences", self.tmp.name, "n1", "n2", T))


class FencesEastOfUTC(CheckTest):
    tz = 1  # the plug stamps the host's local time, an hour ahead of the guests' UTC

    def test_the_plugs_local_time(self):
        self.lab.failover()
        self.assertIn("+26.000s", self.passes("fences", self.tmp.name, "n1", "n2", T))


class Timeline(CheckTest):
    def acks(self, times, since=T, tail=""):
        lines = "".join("%d %d\n" % (k + 1, t) for k, t in enumerate(times))
        return self.lab.write("run/client/acks", "locked %d\n%s%s" % (since - 60000, lines, tail), "w")

    def timeline(self, since=T, victim="n1", survivor="n2", acks=None):
        d = self.tmp.name
        return self.run_check("timeline", d, "1-hung-primary", since, survivor, victim,
                              acks or os.path.join(d, "run/client/acks"), d + "/t.txt", d + "/t.svg")

    def event(self, out, name):
        line = next(l for l in out.splitlines() if l.strip().startswith(name))
        return line.split()[-2]

    def steady(self, since=T):
        """Acks every 100 ms until since, one more 20 ms after it (the fault had not bitten yet),
        then every 100 ms from 2 s after n2's IP came up (+56 s)."""
        return ([since - 5000 + 100 * k for k in range(50)] + [since + 20]
                + [since + 58000 + 100 * k for k in range(20)])

    def test_the_events_and_the_stall(self):
        self.lab.failover()
        self.acks(self.steady())
        rc, out = self.timeline()
        self.assertEqual(rc, 0, out)
        want = {"peer lost": "21.000", "fence requested": "25.000", "plug off": "26.000", "fenced": "31.000",
                "promoted": "51.000", "fs mounted": "53.000", "nfs up": "55.000", "IP up": "57.000",
                "first ack after": "58.000"}
        self.assertEqual({k: self.event(out, k) for k in want}, want)
        self.assertIn("client stall        57.980 s (no ack from +0.020 s to +58.000 s)", out)
        self.assertNotIn("longest gap", out)

    def test_a_gap_after_recovery(self):
        self.lab.failover()
        # the failover's stall, then longer without an ack while n1 returns and DRBD resyncs
        self.acks(self.steady() + [T + 121600 + 100 * k for k in range(10)])
        rc, out = self.timeline()
        self.assertEqual(rc, 0, out)
        self.assertIn("client stall        57.980 s (no ack from +0.020 s to +58.000 s)\n"
                      "  longest gap         61.700 s (no ack from +59.900 s to +121.600 s)", out)

    def test_the_longest_gap_wherever_it_is(self):
        self.lab.failover()
        # the client was already stuck 40 s before the fault, and hiccups after its return
        a = [T - 50000, T - 10000] + [T + 58000 + 100 * k for k in range(20)]
        self.acks(a)
        rc, out = self.timeline()
        self.assertIn("client stall        68.000 s (no ack from -10.000 s to +58.000 s)", out)
        self.acks([T - 60000, T - 100, T + 58000, T + 58100, T + 130000], tail="")
        rc, out = self.timeline()
        self.assertIn("client stall        58.100 s (no ack from -0.100 s to +58.000 s)\n"
                      "  longest gap         71.900 s (no ack from +58.100 s to +130.000 s)", out)

    def test_no_ack_before_or_after(self):
        self.lab.failover()
        self.acks([T + 58000 + 100 * k for k in range(20)])
        rc, out = self.timeline()
        self.assertEqual(rc, 1, out)
        self.assertIn("lacks: client stall", out)
        self.acks([T - 100, T + 20])
        rc, out = self.timeline()
        self.assertEqual(rc, 1, out)
        self.assertIn("lacks: first ack after, client stall", out)

    def test_an_ack_still_being_written(self):
        self.lab.failover()
        self.acks(self.steady(), tail="71 17")  # "71 1796..." cut short by the copy
        rc, out = self.timeline()
        self.assertEqual(rc, 0, out)
        self.assertIn("client stall        57.980 s", out)

    def test_a_node_whose_name_starts_the_victims(self):
        self.lab.pcmk("n2", "Client pacemaker-controld.198 wants to fence (reboot) 'n10' using any device", T + 5000,
                      "pacemaker-fenced")
        self.lab.failover()
        self.acks(self.steady())
        rc, out = self.timeline()
        self.assertEqual(self.event(out, "fence requested"), "25.000", out)

    def test_across_midnight(self):
        late = int(datetime.datetime(2026, 12, 2, 23, 59, 50, tzinfo=UTC).timestamp() * 1000)
        self.lab.failover(late)
        self.acks(self.steady(late), since=late)
        rc, out = self.timeline(since=late)
        self.assertEqual(rc, 0, out)
        self.assertEqual((self.event(out, "plug off"), self.event(out, "IP up")), ("26.000", "57.000"))

    def test_across_a_new_year(self):
        # a run in the last minute of this year, read now: its events are in the next one
        eve = int(datetime.datetime(datetime.date.today().year, 12, 31, 23, 59, 50, tzinfo=UTC).timestamp() * 1000)
        self.lab.failover(eve)
        self.acks(self.steady(eve), since=eve)
        rc, out = self.timeline(since=eve)
        self.assertEqual(rc, 0, out)
        self.assertEqual((self.event(out, "peer lost"), self.event(out, "IP up")), ("21.000", "57.000"))

    def test_a_plug_cut_a_day_before(self):
        self.lab.plug("n1", T - 13 * 3600000)  # yesterday 23:00: not 11 h after the hang
        self.lab.failover()
        self.acks(self.steady())
        rc, out = self.timeline()
        self.assertEqual(self.event(out, "plug off"), "26.000", out)

    def test_a_missing_event_fails(self):
        self.lab.service("n1", T - 600000)
        self.acks(self.steady())
        rc, out = self.timeline()
        self.assertEqual(rc, 1, out)
        self.assertIn("lacks: peer lost, fence requested, plug off, fenced, promoted", out)


class Records(CheckTest):
    def files(self, records, acked, extra=""):
        f = self.lab.write("records", "", "w")
        with open(f, "wb") as out:
            out.write(records)
        a = self.lab.write("acks", "locked 1\n" + "".join("%d %d\n" % (n, T + n) for n in acked) + extra, "w")
        return f, a

    def recs(self, first, last):
        return b"".join(b"%010d\n" % n for n in range(first, last + 1))

    def test_every_ack_once_in_order(self):
        self.assertIn("5 records acknowledged, all in the file once and in order (7 in the file)",
                      self.passes("records", *self.files(self.recs(1, 7), range(1, 6))))

    def test_a_lost_a_doubled_a_reordered_record(self):
        self.fails("1 acknowledged record(s) missing, first 5",
                   "records", *self.files(self.recs(1, 4), range(1, 6)))
        self.fails("record 3 is in the file twice",
                   "records", *self.files(self.recs(1, 3) + self.recs(3, 6), range(1, 6)))
        self.fails("the file starts at record 0, not 1",
                   "records", *self.files(self.recs(0, 6), range(1, 6)))
        self.fails("the file jumps from record 2 to 4",
                   "records", *self.files(self.recs(1, 2) + self.recs(4, 4) + self.recs(3, 3), range(1, 4)))

    def test_a_torn_last_record(self):
        out = self.passes("records", *self.files(self.recs(1, 6) + b"000000", range(1, 6)))
        self.assertIn("then 6 bytes of a torn write", out)
        self.passes("records", *self.files(self.recs(1, 6) + b"0000000007", range(1, 6)))
        self.passes("records", *self.files(self.recs(1, 6) + b"0000\0\0", range(1, 6)))  # its second block unwritten

    def test_nul_padding(self):
        self.passes("records", *self.files(self.recs(1, 6) + b"\0" * 4096, range(1, 6)))
        self.passes("records", *self.files(self.recs(1, 6) + b"\0" * 3, range(1, 6)))

    def test_a_tail_that_is_not_the_next_record(self):
        self.fails("neither a torn record 7", "records", *self.files(self.recs(1, 6) + b"0000000009", range(1, 6)))
        self.fails("neither a torn record 7", "records", *self.files(self.recs(1, 6) + b"1", range(1, 6)))
        self.fails("neither a torn record 7", "records", *self.files(self.recs(1, 6) + b"000000000\n", range(1, 6)))

    def test_a_torn_record_that_was_acknowledged(self):
        self.fails("1 acknowledged record(s) missing, first 7",
                   "records", *self.files(self.recs(1, 6) + b"00000", range(1, 8)))

    def test_a_hole_before_more_records(self):
        self.fails("neither a torn record 4", "records",
                   *self.files(self.recs(1, 3) + b"\0" * 11 + self.recs(5, 6), range(1, 4)))
        self.fails("neither a torn record 4", "records",
                   *self.files(self.recs(1, 3) + b"0000" + self.recs(4, 6), range(1, 4)))

    def test_the_ack_log(self):
        self.passes("records", *self.files(self.recs(1, 5), range(1, 6), extra="6 17"))  # being written
        self.fails("the writer saw an error", "records", *self.files(self.recs(1, 5), range(1, 6), extra="error 1 EIO\n"))
        self.fails("nothing was acknowledged", "records", *self.files(self.recs(1, 5), []))
        # a second writer's log appended to the first's: its records 1..3 are not this file's
        self.fails("acknowledgement 6 is of record 1",
                   "records", *self.files(self.recs(1, 5), list(range(1, 6)) + [1, 2, 3]))


if __name__ == "__main__":
    unittest.main()
