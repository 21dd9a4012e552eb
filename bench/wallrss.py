#!/usr/bin/env python3
"""wallrss.py - wall-clock time and peak RSS of whole commands, run in alternation.

    wallrss.py [-n RUNS] [--warmup N] [--stdin FILE] [--json OUT] NAME='COMMAND [<FILE]' ...

Each round runs every command once, in the order given (A B C A B C ...), so that a machine
whose speed drifts (a shared one) slows every command alike and ratios of the same round hold.
A command is split as a shell splits words (no shell runs it); its standard output goes to
/dev/null unless the command names its own output; its standard input is the FILE of a last
word `<FILE`, else --stdin's (default /dev/null). Wall time is time.perf_counter_ns() from
before the fork to after wait4(); CPU time is wait4's user + system time (on a busy shared
machine the wall clock also counts the time other processes ran; CPU time does not). Peak RSS comes from one more run of each command under
`/usr/bin/time -f %M`: wait4's ru_maxrss of a child of this Python process counts the
interpreter's own pages, copied at the fork (about 15 MB), so it cannot see a smaller process.
A command that exits non-zero stops everything (exit 1).

Prints, per command, the median, min and max wall (ms), the median CPU time and the peak RSS
(MB); with --json, writes {name: {"wall_ms": [per round], "cpu_ms": [per round], "rss_kb": [the
/usr/bin/time run], "cmd": ...}}.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv, stdin_path, rss=False):
    if argv[-1].startswith("<"):
        argv, stdin_path = argv[:-1], argv[-1][1:]
    if rss:
        with open(stdin_path, "rb") as fin:
            p = subprocess.run(["/usr/bin/time", "-f", "wallrss-peak %M"] + argv, stdin=fin,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = [l for l in p.stderr.decode(errors="replace").splitlines() if l.startswith("wallrss-peak ")]
        if p.returncode != 0 or not peak:
            sys.stderr.write("wallrss: /usr/bin/time %s failed\n" % " ".join(argv))
            sys.exit(1)
        return 0.0, int(peak[-1].split()[1])
    with open(stdin_path, "rb") as fin, open(os.devnull, "wb") as fout:
        t0 = time.perf_counter_ns()
        p = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        t1 = time.perf_counter_ns()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write("wallrss: %s exited %d\n%s" % (" ".join(argv), p.returncode, err.decode(errors="replace")))
        sys.exit(1)
    return (t1 - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--runs", type=int, default=11)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--stdin", default=os.devnull)
    ap.add_argument("--json")
    ap.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    a = ap.parse_args()
    cmds = []
    for c in a.commands:
        name, _, cmd = c.partition("=")
        if not cmd:
            ap.error("give NAME=COMMAND: %r" % c)
        cmds.append((name, shlex.split(cmd), cmd))
    res = {name: {"cmd": cmd, "wall_ms": [], "cpu_ms": [], "rss_kb": []} for name, _, cmd in cmds}
    for r in range(a.warmup + a.runs):
        for name, argv, _ in cmds:
            ms, cpu = run_once(argv, a.stdin)
            if r >= a.warmup:
                res[name]["wall_ms"].append(ms)
                res[name]["cpu_ms"].append(cpu)
    for name, argv, _ in cmds:
        res[name]["rss_kb"].append(run_once(argv, a.stdin, rss=True)[1])
    for name, _, cmd in cmds:
        w = res[name]["wall_ms"]
        print("%-14s median %9.1f ms  min %9.1f  max %9.1f  CPU %9.1f ms  peak RSS %7.1f MB   %s" % (
            name, statistics.median(w), min(w), max(w), statistics.median(res[name]["cpu_ms"]),
            statistics.median(res[name]["rss_kb"]) / 1024, cmd))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
