#!/usr/bin/env python3
"""gen_corr.py - seeded generator of correlation rules over the fields of bench/gen_events.c's
ECS stream, to run beside the 2,000 single-event rules of bench/gen_rules.py (bench/sec/pack.sh).

  gen_corr.py --seed 3 --rules 50 --pack bench.rules2000 --version 1.0.0 --out out/corr_50.hn

The file declares the same pack as bench_2000.hn, so `hornet run bench_2000.hn corr_50.hn`
runs one pack of 2,050 rules. Rules cycle through families that real packs hold: failed-logon
thresholds (per user, per source), password spraying (distinct users per source), port scans
and lateral movement (distinct ports / destinations), DNS and web volume, upload volume (sum),
process and file bursts per host (sliding and tumbling windows), and sequences: failures then
a success, an Office start then a network connection, a file drop then its execution (a step
binding), a logon then a shell, and an absence (a registry change not followed by any process
start on the host). Each family's thresholds and windows are drawn from a range, so the rules
differ. The stream spans about 200 s for 200,000 events (gen_events.c), so windows are 5 s to
1 min, but for logons (1 to 10 min). Thresholds are set so that each rule fires now and then
(about 6,000 correlation alerts over the 200,000 events of bench/run.sh's stream).
"""
import argparse
import random

AUTH_FAIL = 'event.category has "authentication" and event.outcome == "failure"'
AUTH_OK = 'event.category has "authentication" and event.outcome == "success"'
NET = 'event.category has "network" and exists destination.port'
DNS = 'event.category has "network" and network.protocol == "dns" and exists dns.question.name'
WEB = 'event.category has "web"'
PROC = 'event.category has "process" and event.type has "start"'
FILE = 'event.category has "file" and event.type has "creation"'
REG = 'event.category has "registry" and event.type has "change"'


def window(r):
    """Per-host and per-source windows: a host sees about 40 events in the 200 s of the stream."""
    return r.choice(["15s", "30s", "1m"])


def long_window(r):
    """Logon windows: a user fails a logon about once in three streams."""
    return r.choice(["1m", "5m", "10m"])


def families():
    """(name prefix, tags, function(r) -> rule body lines)."""
    return [
        ("failed_logons_user", "attack.credential-access, attack.t1110.001", lambda r: [
            "where " + AUTH_FAIL, "group by user.name", "window " + long_window(r),
            "having count() >= %d" % r.randint(3, 5)]),
        ("failed_logons_source", "attack.credential-access, attack.t1110.001", lambda r: [
            "where " + AUTH_FAIL, "group by source.ip", "window " + long_window(r),
            "having count() >= %d" % r.randint(2, 4)]),
        ("password_spray", "attack.credential-access, attack.t1110.003", lambda r: [
            "where " + AUTH_FAIL, "group by source.ip", "window " + long_window(r),
            "having distinct(user.name) >= %d" % r.randint(3, 4)]),
        ("port_scan", "attack.discovery, attack.t1046", lambda r: [
            "where " + NET, "group by source.ip", "window " + window(r),
            "having distinct(destination.port) >= %d" % r.randint(5, 7)]),
        ("lateral_fanout", "attack.lateral-movement, attack.t1021.002", lambda r: [
            "where %s and destination.port in [445, 3389, 135]" % NET, "group by source.ip", "window " + window(r),
            "having distinct(destination.ip) >= %d" % r.randint(4, 5)]),
        ("dns_burst", "attack.command-and-control, attack.t1071.004", lambda r: [
            "where " + DNS, "group by host.name", "window " + window(r),
            "having count() >= %d" % r.randint(7, 9)]),
        ("dns_many_names", "attack.command-and-control, attack.t1568.002", lambda r: [
            "where " + DNS, "group by host.name", "window " + window(r),
            "having distinct(dns.question.name) >= %d" % r.randint(6, 8)]),
        ("upload_volume", "attack.exfiltration, attack.t1048", lambda r: [
            "where " + NET, "group by source.ip", "window " + window(r),
            "having sum(destination.bytes) > %d" % r.choice([1000000, 1500000])]),
        ("web_errors", "attack.reconnaissance, attack.t1595.002", lambda r: [
            "where %s and http.response.status_code >= 400" % WEB, "group by source.ip", "window " + window(r),
            "having count() >= %d" % r.randint(4, 5)]),
        ("web_posts", "attack.exfiltration, attack.t1567", lambda r: [
            'where %s and http.request.method == "POST"' % WEB, "group by source.ip", "window " + window(r),
            "having sum(http.request.bytes) > %d and count() >= 3" % r.choice([300000, 400000])]),
        ("process_variety", "attack.discovery, attack.t1082", lambda r: [
            "where " + PROC, "group by host.name", "window " + window(r),
            "having distinct(process.name) >= %d" % r.randint(7, 9)]),
        ("file_burst", "attack.impact, attack.t1486", lambda r: [
            "where " + FILE, "group by host.name", "window tumbling " + r.choice(["30s", "1m"]),
            "having count() >= %d" % r.randint(4, 5)]),
        ("host_activity", "attack.execution, attack.t1059", lambda r: [
            "where " + PROC, "group by user.name", "window tumbling " + r.choice(["30s", "1m"]),
            "having count() >= %d and max(process.pid) > 1000" % r.randint(8, 10)]),
        ("brute_then_success", "attack.credential-access, attack.t1110.001", lambda r: [
            "sequence by user.name within %s {" % r.choice(["2m", "5m", "10m"]),
            "  fail: %s repeat >= %d" % (AUTH_FAIL, r.randint(2, 3)),
            "  ok: " + AUTH_OK,
            "}"]),
        ("office_then_network", "attack.execution, attack.t1204.002", lambda r: [
            "sequence by host.name within %s {" % r.choice(["5s", "10s"]),
            '  office: %s and process.name in~ ["winword.exe", "excel.exe", "outlook.exe"]' % PROC,
            "  net: %s and destination.port == 8080" % NET,
            "}"]),
        ("drop_then_execute", "attack.execution, attack.t1204.002", lambda r: [
            "sequence by host.name within %s {" % r.choice(["1m", "5m", "10m"]),
            '  drop: %s and file.extension in~ ["exe", "dll"]' % FILE,
            "  run: %s and process.name ==~ $drop.file.name" % PROC,
            "}"]),
        ("logon_then_shell", "attack.execution, attack.t1059.001", lambda r: [
            "sequence by user.name within %s {" % r.choice(["5s", "10s"]),
            "  logon: " + AUTH_OK,
            '  shell: %s and process.name ==~ "powershell.exe"' % PROC,
            "  until event.category has \"authentication\" and event.outcome == \"failure\"",
            "}"]),
        ("change_then_quiet", "attack.persistence, attack.t1547.001", lambda r: [
            "sequence by host.name within %s {" % r.choice(["20s", "30s"]),
            '  change: %s and registry.value == "%s"' % (REG, r.choice(["OneDrive", "NoAutoUpdate"])),
            '  not other: %s' % PROC,
            "}"]),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--rules", type=int, default=50)
    ap.add_argument("--pack", default="bench.rules2000")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    r = random.Random(a.seed)
    fams = families()
    # no `import std.ecs` here: the pack's other file (bench_2000.hn) has it, and a pack imports
    # a pack once
    lines = ["// generated by bench/sec/gen_corr.py --seed %d: %d correlation rules" % (a.seed, a.rules),
             "pack %s %s" % (a.pack, a.version), ""]
    for i in range(a.rules):
        name, tags, body = fams[i % len(fams)]
        lines.append("rule corr_%02d_%s {" % (i, name))
        lines.append("  severity %s" % r.choice(["low", "medium", "high"]))
        lines.append("  tags " + tags)
        body_lines = body(r)
        for b in body_lines:
            lines.append("  " + b)
        # entities: the key paths (what the defaults would be, written out)
        key = next(b for b in body_lines if b.startswith(("group by ", "sequence by ")))
        lines.append("  entities " + key.split(" by ", 1)[1].split(" within ")[0])
        lines.append("}")
        lines.append("")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
