#!/usr/bin/env python3
"""compare.py - do hornet and SEC report the same detections, and the ground truth?
(standard library only)

  compare.py --truth truth.tsv --hornet alerts.jsonl --sec sec_alerts.txt [--out result.md]

hornet alerts are JSON objects (rule, time, key); SEC writes `RULE TIMESTAMP [USER SOURCE_IP]`
lines (sec.conf). Timestamps are compared as instants (hornet prints as many fraction digits
as needed, the events carry milliseconds); an event is identified by its timestamp, which
gen_auth.py makes unique.

1. single-event rules: the same (rule, event) pairs in hornet and in SEC, and exactly the
   injected indicators of the truth file (no background event matches a rule);
2. threshold (ssh_brute_force): the same keys with the same number of detections in both, one
   per injected burst; hornet's is dated by the 5th failure (the event that completes the
   count), SEC's by the 1st (SEC binds the action's variables when the operation starts);
3. pair (brute_force_then_success): the same keys in both, one per burst followed by a success,
   each dated by the success in both.
Prints one line per check (markdown list items) and exits 1 if one fails.
"""
import argparse
import calendar
import collections
import json
import sys
import time

THRESHOLD, PAIR = "ssh_brute_force", "brute_force_then_success"


def instant(ts):
    """RFC 3339 UTC (Z) -> integer nanoseconds since the epoch."""
    base, frac = ts.rstrip("Zz"), ""
    if "." in base:
        base, frac = base.split(".", 1)
    s = calendar.timegm(time.strptime(base.replace("t", "T").replace(" ", "T"), "%Y-%m-%dT%H:%M:%S"))
    return s * 10 ** 9 + int((frac + "000000000")[:9])


def load_hornet(path):
    single, corr = set(), collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            if a["rule"] in (THRESHOLD, PAIR):
                k = a["key"]
                corr[a["rule"]].append(((k["user.name"], k["source.ip"]), instant(a["time"])))
            else:
                single.add((a["rule"], instant(a["time"])))
    return single, corr


def load_sec(path):
    single, corr = set(), collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if not p:
                continue
            if p[0] in (THRESHOLD, PAIR):
                corr[p[0]].append(((p[2], p[3]), instant(p[1])))
            else:
                single.add((p[0], instant(p[1])))
    return single, corr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", required=True)
    ap.add_argument("--hornet", required=True)
    ap.add_argument("--sec", required=True)
    ap.add_argument("--out")
    a = ap.parse_args()

    t_single, t_first, t_fifth, t_pair = set(), {}, {}, {}
    for line in open(a.truth, encoding="utf-8"):
        p = line.rstrip("\n").split("\t")
        if p[0] == "single":
            t_single.add((p[1], instant(p[2])))
        elif p[0] == "threshold":
            key = (p[4], p[5])
            t_first[key], t_fifth[key] = instant(p[2]), instant(p[3])
        elif p[0] == "pair":
            t_pair[(p[3], p[4])] = instant(p[2])
    h_single, h_corr = load_hornet(a.hornet)
    s_single, s_corr = load_sec(a.sec)
    res, ok = [], True

    def show(x):  # instants back to RFC 3339 in the samples
        if isinstance(x, tuple):
            return "(" + " ".join(show(y) for y in x) + ")"
        if isinstance(x, int):
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(x // 10 ** 9)) + ".%09dZ" % (x % 10 ** 9)
        return str(x)

    def sample(xs):
        return ", ".join(show(x) for x in sorted(xs)[:3])

    # 1. single-event rules
    agree = h_single == s_single
    exact = h_single == t_single
    ok &= agree and exact
    rules = len({r for r, _ in h_single | s_single})
    msg = "single-event rules (%d with detections): hornet %d, SEC %d (rule, event) detections: %s; truth: %s" % (
        rules, len(h_single), len(s_single), "identical" if agree else "DIFFERENT",
        "exactly the %d injected indicators" % len(t_single) if exact else "MISMATCH")
    if not agree:
        msg += "; only hornet: %d [%s]; only SEC: %d [%s]" % (len(h_single - s_single), sample(h_single - s_single),
                                                             len(s_single - h_single), sample(s_single - h_single))
    if not exact:
        msg += "; missed by hornet: %d [%s]; hornet beyond the truth: %d [%s]" % (
            len(t_single - h_single), sample(t_single - h_single), len(h_single - t_single), sample(h_single - t_single))
    res.append(msg)

    # 2. and 3. correlations: by key and count, then the dates against the truth
    for rule, truth, h_date, s_date, what in (
            (THRESHOLD, t_first, t_fifth, t_first, "hornet dated by the 5th failure, SEC by the 1st"),
            (PAIR, t_pair, t_pair, t_pair, "both dated by the success")):
        hk = collections.Counter(k for k, _ in h_corr[rule])
        sk = collections.Counter(k for k, _ in s_corr[rule])
        tk = collections.Counter(truth.keys())
        agree = hk == sk
        exact = hk == tk and sk == tk
        h_bad = [k for k, t in h_corr[rule] if h_date.get(k) != t]
        s_bad = [k for k, t in s_corr[rule] if s_date.get(k) != t]
        dates = not h_bad and not s_bad
        ok &= agree and exact and dates
        msg = "%s: hornet %d, SEC %d detections on %d keys: %s by key and count; truth: %s; dates: %s" % (
            rule, sum(hk.values()), sum(sk.values()), len(hk | sk), "identical" if agree else "DIFFERENT",
            "one per injected burst (%d)" % len(tk) if exact else "MISMATCH",
            ("as expected (%s)" % what) if dates else "WRONG (%s)" % what)
        if not agree or not exact:
            msg += "; only hornet: [%s]; only SEC: [%s]; missed: [%s]" % (
                sample((hk - sk).keys()), sample((sk - hk).keys()), sample((tk - hk).keys() | (tk - sk).keys()))
        if not dates:
            msg += "; hornet off: %d [%s]; SEC off: %d [%s]" % (len(h_bad), sample(h_bad), len(s_bad), sample(s_bad))
        res.append(msg)

    res.append("verdict: %s" % ("hornet and SEC report the same detections, all of the truth and nothing else" if ok
                                else "DISAGREEMENT (see above)"))
    text = "\n".join("- " + r for r in res) + "\n"
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
    sys.stdout.write(text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
