#!/usr/bin/env python3
"""gen_rules.py - generates the benchmark's rule packs from one seeded model (rulemodel.py).

  gen_rules.py --seed 7 --rules 3000 --sizes 30,2000,3000 --out bench/out

Rule i is the same in every pack (bench_N holds rules 0..N-1), so one event stream, whose
attacks are crafted from the witnesses, serves every pack. For each size N it writes:

  bench_N.hn       the hornet pack (import std.ecs; severity, tags, entities on every rule)
  bench_N.sql      SQLite side: `#col` lines (field, type, column) then `rule<TAB>SELECT ...`,
                   one per rule; rules using `matches` (regex) are left out of the SQL side
  bench_N.fields   the event fields the pack references, one a line (for the simdjson floor)
  bench_N.witness  one attack witness per rule: rule, event kind, then field/JSON-value pairs
                   (value ~DEL~ = remove the field); each is checked against its rule here.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rulemodel import (And, Or, Not, Macro, ListRef, Pred, FieldCmp, eq, ieq, ne, isin, iin,  # noqa
                       has, contains, startswith, endswith, like, matches, exists, missing,
                       inrange, gt, walk, wildcard_tokens, fields_of, to_hornet, to_sql, SqlCtx, evaluate,
                       read_schema, col, ncol, MISSING)

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# vocabulary (attack side; the event generator's benign pools overlap only partly)
# ---------------------------------------------------------------------------------------------
OFFICE = ["winword.exe", "excel.exe", "powerpnt.exe", "outlook.exe", "onenote.exe", "mspub.exe",
          "msaccess.exe", "visio.exe"]
SHELLS = ["cmd.exe", "powershell.exe", "pwsh.exe", "wscript.exe", "cscript.exe", "mshta.exe",
          "rundll32.exe", "regsvr32.exe", "certutil.exe", "bitsadmin.exe", "msbuild.exe"]
LOLBINS = ["certutil.exe", "bitsadmin.exe", "mshta.exe", "rundll32.exe", "regsvr32.exe",
           "msiexec.exe", "wmic.exe", "cmstp.exe", "installutil.exe", "regasm.exe", "regsvcs.exe",
           "msbuild.exe", "odbcconf.exe", "forfiles.exe", "pcalua.exe", "msxsl.exe", "esentutl.exe",
           "expand.exe", "extrac32.exe", "hh.exe", "ieexec.exe", "makecab.exe", "mavinject.exe",
           "ntdsutil.exe", "vssadmin.exe", "wevtutil.exe", "bcdedit.exe", "schtasks.exe", "sc.exe",
           "reg.exe", "netsh.exe", "nltest.exe", "dsquery.exe", "whoami.exe", "net.exe", "net1.exe",
           "powershell.exe", "cmd.exe", "wscript.exe", "cscript.exe", "control.exe", "diskshadow.exe",
           "fsutil.exe", "icacls.exe", "takeown.exe", "cipher.exe", "procdump.exe", "psexec.exe"]
CMD_FRAGS = ["-enc ", "-encodedcommand", "frombase64string", "downloadstring", "downloadfile",
             "invoke-webrequest", "iex(", "new-object net.webclient", "-nop -w hidden",
             "start-bitstransfer", "invoke-mimikatz", "sekurlsa::logonpasswords", "lsadump::sam",
             "urlcache -split -f", "-decode ", "/transfer ", "comsvcs.dll, minidump",
             "delete shadows /all", "shadowcopy delete", "recoveryenabled no",
             "bootstatuspolicy ignoreallfailures", "user /add", "localgroup administrators",
             "/create /sc onlogon", "/ru system", "save hklm\\sam", "save hklm\\system", "ac i ntds",
             "-ma lsass", "javascript:", "mshtml,runhtmlapplication", "/i:http", "scrobj.dll",
             "-exclusionpath", "-disablerealtimemonitoring $true", "/domain_trusts", "-sc trustdmp",
             "\\\\127.0.0.1\\admin$", "cl security", "clear-eventlog", "deletejournal /d",
             "/grant everyone:f", "cipher /w:", "reflection.assembly]::load", "-windowstyle hidden",
             "bypass -file", "add-mppreference", "set-mppreference", "dumpcreds", "kerberoast",
             "invoke-sharefinder", "get-netdomaintrust", "invoke-bloodhound", "sharphound",
             "rubeus.exe asktgt", "ticket.kirbi", "pass-the-hash", "wdigest uselogoncredential",
             "vaultcmd /listcreds", "copy-vsc", "portproxy add", "firewall set opmode disable",
             "advfirewall set allprofiles state off", "-accepteula -s", "uploaddata",
             "hidden -noni", "[convert]::frombase64", "gzipstream", "memorystream"]
LINUX_FRAGS = ["/dev/tcp/", "nc -e /bin/sh", "bash -i >&", "base64 -d | sh", "curl -fsSL http",
               "wget -q -O- http", "chmod +x /tmp/", "chmod 777 /dev/shm/", "python3 -c 'import pty",
               "perl -e 'use socket", "mkfifo /tmp/", "socat exec:", "xmrig", "--donate-level",
               "stratum+tcp://", "/etc/shadow", "crontab -r", "history -c", "unset histfile",
               "iptables -f", "setenforce 0", "ld_preload=", "/proc/self/environ", "nohup ./"]
WEB_PROCS = ["httpd", "apache2", "nginx", "php-fpm", "java", "node", "tomcat9"]
UNIX_SHELLS = ["sh", "bash", "dash", "zsh", "ksh", "busybox", "python3", "perl"]
SYL = ["zor", "vex", "kra", "mal", "dra", "nox", "qua", "ryn", "tal", "bel", "cyr", "dex", "fen",
       "gor", "hex", "jax", "kel", "lum", "mor", "nim", "orb", "pyx", "ral", "sil", "tor", "ulm",
       "vor", "wex", "xan", "yor", "zep", "ash", "bry", "cro", "dun", "elk", "fro", "gul"]
BAD_TLDS = ["top", "xyz", "club", "info", "ru", "su", "icu", "buzz", "monster", "rest", "cyou"]
DYNDNS = [".duckdns.org", ".no-ip.com", ".no-ip.org", ".ddns.net", ".hopto.org", ".zapto.org",
          ".sytes.net", ".dynu.net", ".ngrok.io", ".ngrok-free.app", ".trycloudflare.com",
          ".serveo.net", ".loca.lt", ".portmap.io", ".freedns.afraid.org"]
BAD_UAS = ["sqlmap", "nikto", "masscan", "zgrab", "nuclei", "dirbuster", "gobuster", "wpscan",
           "hydra", "nmap scripting engine", "acunetix", "netsparker", "havij", "w3af",
           "python-requests/2.", "go-http-client/1.1", "curl/7.", "libwww-perl", "jndi:ldap",
           "fuzz faster u fool", "feroxbuster", "commix", "whatweb", "burp collaborator"]
URL_FRAGS = ["../../", "..%2f", "%2e%2e%2f", "union select", "union all select", "<script",
             "%3cscript", "/etc/passwd", "cmd.exe", "/bin/sh", "wp-login.php", "xmlrpc.php", "/.env",
             "/.git/config", "${jndi:", "%24%7bjndi", "/cgi-bin/", "phpmyadmin", "eval(",
             "base64_decode(", "/actuator/env", "/owa/auth/x.js", "/autodiscover/autodiscover.json",
             "/vpn/../vpns/", "/remote/fgt_lang", "/mgmt/tm/util/bash", "/hnap1", "/boaform/",
             "sleep(5)", "waitfor delay", "' or '1'='1", "/manager/html", "/solr/admin/cores",
             "/api/v1/pods", "/.aws/credentials", "/server-status", "/console/login", "/webshell",
             "c99.php", "r57.php", "/shell.aspx", "/cmd.jsp"]
STORAGE = ["mega.nz", "mega.io", "dropboxusercontent.com", "wetransfer.com", "gofile.io", "file.io",
           "transfer.sh", "anonfiles.com", "pastebin.com", "temp.sh", "sendspace.com", "mediafire.com",
           "paste.ee", "hastebin.com", "catbox.moe", "filebin.net"]
PRIV_USERS = ["administrator", "admin", "root", "svc_backup", "svc_sql", "svc_deploy", "krbtgt",
              "sa", "oracle", "postgres", "svc_exchange", "svc_sharepoint", "helpdesk", "breakglass",
              "svc_vpn", "svc_ad_sync", "scanner", "svc_jenkins", "ansible", "veeam"]
LOGON_STATUS = ["0xC000006A", "0xC0000064", "0xC0000234", "0xC0000072", "0xC000006F",
                "0xC0000070", "0xC0000193", "0xC0000071", "0xC0000133", "0xC0000224"]
ADMIN_PORTS = [22, 23, 135, 139, 445, 1433, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 9200, 27017]
C2_PORTS = [4444, 4445, 1337, 31337, 8443, 8080, 8888, 9001, 9050, 6667, 6697, 1080, 3128, 5555,
            7777, 2222, 50050, 4782, 8081, 9999]
RUN_KEYS = [r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run",
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce",
            r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run",
            r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
            r"HKLM\SYSTEM\CurrentControlSet\Services",
            r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options",
            r"HKLM\SOFTWARE\Policies\Microsoft\Windows Defender",
            r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa",
            r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System",
            r"HKLM\SOFTWARE\Classes\CLSID"]
REG_DATA = ["\\appdata\\", "\\temp\\", "\\users\\public\\", "powershell", "mshta", "rundll32",
            "regsvr32", "wscript", "cscript", "http://", "https://", ".vbs", ".js", ".hta", ".bat",
            ".ps1", "cmd /c", "-enc", "\\programdata\\", "\\perflogs\\"]
REG_VALUES = ["DisableAntiSpyware", "DisableRealtimeMonitoring", "Debugger", "Userinit", "Shell",
              "RunAsPPL", "EnableLUA", "LocalAccountTokenFilterPolicy", "UseLogonCredential",
              "DisableRestrictedAdmin", "ImagePath", "InprocServer32", "AppInit_DLLs",
              "LmCompatibilityLevel", "NoLMHash", "ConsentPromptBehaviorAdmin"]
RANSOM_EXT = ["locked", "crypt", "encrypted", "enc", "crypted", "lockbit", "conti", "ryuk", "akira",
              "blackcat", "royal", "play", "hive", "basta", "phobos", "dharma", "stop", "djvu"]
DROP_EXT = ["exe", "dll", "scr", "hta", "vbs", "js", "ps1", "bat", "lnk", "iso", "img", "cpl", "jar"]
DROP_DIRS = [r"C:\Users\Public\\", r"C:\ProgramData\\", r"C:\Windows\Temp\\", r"C:\PerfLogs\\",
             r"C:\Windows\Tasks\\", r"C:\Windows\System32\Tasks\\", r"C:\Recycler\\",
             r"C:\Windows\Fonts\\", r"C:\Windows\debug\\", r"C:\Windows\Help\\"]
SIGNERS = ["Microsoft Windows", "Microsoft Corporation", "Google LLC", "Mozilla Corporation"]

TACTICS = {
    "proc": [("execution", "t1059.001"), ("execution", "t1059.003"), ("defense_evasion", "t1218.011"),
             ("defense_evasion", "t1218.005"), ("credential_access", "t1003.001"), ("discovery", "t1482"),
             ("impact", "t1490"), ("persistence", "t1053.005"), ("defense_evasion", "t1562.001"),
             ("command_and_control", "t1105"), ("lateral_movement", "t1570")],
    "linux": [("execution", "t1059.004"), ("command_and_control", "t1095"), ("impact", "t1496"),
              ("persistence", "t1505.003"), ("defense_evasion", "t1070.003")],
    "net": [("command_and_control", "t1071.001"), ("command_and_control", "t1571"),
            ("lateral_movement", "t1021.001"), ("lateral_movement", "t1021.002"), ("exfiltration", "t1041")],
    "dns": [("command_and_control", "t1071.004"), ("command_and_control", "t1568.002"),
            ("exfiltration", "t1048.003")],
    "web": [("initial_access", "t1190"), ("reconnaissance", "t1595.002"), ("exfiltration", "t1567.002"),
            ("persistence", "t1505.003")],
    "auth": [("credential_access", "t1110.001"), ("credential_access", "t1110.003"),
             ("initial_access", "t1078"), ("lateral_movement", "t1021.001")],
    "file": [("impact", "t1486"), ("defense_evasion", "t1036.007"), ("persistence", "t1547.001"),
             ("command_and_control", "t1105")],
    "registry": [("persistence", "t1547.001"), ("defense_evasion", "t1112"), ("persistence", "t1546.012"),
                 ("credential_access", "t1003")],
}

# shared lists and macros, like a real pack's
L_OFFICE = ListRef("office_apps", OFFICE)
L_SHELLS = ListRef("shells", SHELLS)
L_INTERNAL = ListRef("internal_nets", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                       "127.0.0.0/8", "169.254.0.0/16"], "cidr")
L_ADMIN_PORTS = ListRef("admin_ports", ADMIN_PORTS)
L_PRIV = ListRef("privileged_accounts", PRIV_USERS)
L_STORAGE = ListRef("unsanctioned_storage", STORAGE)
L_DYNDNS = ListRef("dyndns_and_tunnels", DYNDNS)
M_PROC = Macro("process_start", has("event.category", "process") & has("event.type", "start"))
M_WPROC = Macro("windows_process_start", M_PROC & eq("host.os.type", "windows"))
M_LPROC = Macro("linux_process_start", M_PROC & eq("host.os.type", "linux"))
M_NET = Macro("network_connection", has("event.category", "network"))
M_DNS = Macro("dns_query", has("event.category", "network") & eq("network.protocol", "dns"))
M_WEB = Macro("web_request", has("event.category", "web"))
M_AUTHF = Macro("auth_failure", has("event.category", "authentication") & eq("event.outcome", "failure"))
M_AUTHS = Macro("auth_success", has("event.category", "authentication") & eq("event.outcome", "success"))
M_FILEC = Macro("file_creation", has("event.category", "file") & has("event.type", "creation"))
M_REG = Macro("registry_change", has("event.category", "registry") & has("event.type", "change"))
M_INET_DST = Macro("internet_destination",
                   exists("destination.ip") & Not(isin("destination.ip", L_INTERNAL)))
M_INET_SRC = Macro("internet_source", exists("source.ip") & Not(isin("source.ip", L_INTERNAL)))

BASE = {  # fields each event kind's witness sets for the shared macros
    "process": {"event.category": ["process"], "event.type": ["start"], "host.os.type": "windows"},
    "linux": {"event.category": ["process"], "event.type": ["start"], "host.os.type": "linux"},
    "network": {"event.category": ["network"], "network.protocol": "tls"},
    "dns": {"event.category": ["network"], "network.protocol": "dns"},
    "web": {"event.category": ["web", "network"]},
    "auth": {"event.category": ["authentication"]},
    "file": {"event.category": ["file"], "event.type": ["creation"]},
    "registry": {"event.category": ["registry"], "event.type": ["change"]},
}


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.used_names = set()

    def pick(self, pool, lo, hi=None):
        return self.r.sample(pool, self.r.randint(lo, hi if hi is not None else lo))

    def word(self, n=2):
        if n == 1:
            return self.r.choice(SYL)
        tries = 0
        while True:
            w = "".join(self.r.choice(SYL) for _ in range(n + tries // 20))
            tries += 1
            if w not in self.used_names:
                self.used_names.add(w)
                return w

    def ioc_ip(self):
        a = self.r.choice([45, 91, 185, 193, 194, 195, 212, 217, 5, 37, 46, 77, 80, 89, 109, 141])
        return "%d.%d.%d.%d" % (a, self.r.randint(0, 255), self.r.randint(0, 255), self.r.randint(1, 254))

    def sha256(self):
        return "%064x" % self.r.getrandbits(256)

    def bad_domain(self):
        return "%s-%s.%s" % (self.word(), self.r.choice(["cdn", "update", "sync", "api", "login", "static"]),
                             self.r.choice(BAD_TLDS))


def rule_family(g, i):
    """-> (family, kind, cond, witness, entities, title, severity). `kind` picks the base event."""
    r = g.r
    fam = FAMILIES[i % len(FAMILIES)]
    if i % 53 == 17:
        fam = "regex"
    return fam, FAMILY_FN[fam](g, i)


def f_office(g, i):
    r = g.r
    parents, kids = g.pick(OFFICE, 1, 4), g.pick(SHELLS, 1, 4)
    frags = g.pick(CMD_FRAGS, 2, 5)
    pv = L_OFFICE if r.random() < 0.3 else parents
    kv = L_SHELLS if r.random() < 0.3 else kids
    cond = M_WPROC & iin("process.parent.name", pv) & iin("process.name", kv) & \
        contains("process.command_line", frags, quant="any")
    p, k = r.choice(parents), r.choice(kids)
    w = dict(BASE["process"], **{"process.parent.name": p.upper() if r.random() < .3 else p,
                                 "process.name": k,
                                 "process.command_line": "%s /c %s%s" % (k, r.choice(frags).upper(), " x")})
    return "process", cond, w, "Office application %s spawns %s" % (p, k), "high"


def f_lolbin(g, i):
    r = g.r
    b = r.choice(LOLBINS)
    frags = g.pick(CMD_FRAGS, 2, 3)
    all_ = r.random() < 0.4
    sel = ieq("process.name", b) if r.random() < 0.5 else endswith("process.executable", "\\" + b)
    if r.random() < 0.3:
        sel = Or([sel, ieq("process.pe.original_file_name", b)])
    cond = M_WPROC & sel & contains("process.command_line", frags, quant="all" if all_ else "any")
    if r.random() < 0.3:
        cond = cond & Not(iin("process.parent.name", ["services.exe", "msiexec.exe", "ccmexec.exe"]))
    cl = "%s %s" % (b, " ".join(frags) if all_ else r.choice(frags))
    w = dict(BASE["process"], **{"process.name": b, "process.executable": "C:\\Windows\\System32\\" + b,
                                 "process.pe.original_file_name": b, "process.command_line": cl,
                                 "process.parent.name": "explorer.exe"})
    return "process", cond, w, "%s used with suspicious arguments" % b, r.choice(["medium", "high"])


def f_hash(g, i):
    r = g.r
    hs = [g.sha256() for _ in range(r.randint(5, 25))]
    fam = g.word()
    L = ListRef("ioc_sha256_%s" % fam, hs)
    fld = r.choice(["process.hash.sha256", "process.hash.sha256", "file.hash.sha256"])
    if fld == "file.hash.sha256":
        cond = has("event.category", "file") & isin(fld, L)
        w = dict(BASE["file"], **{fld: r.choice(hs)})
        kind = "file"
    else:
        cond = M_PROC & isin(fld, L)
        w = dict(BASE["process"], **{fld: r.choice(hs)})
        kind = "process"
    return kind, cond, w, "Known %s malware hash" % fam, "critical"


def f_path(g, i):
    r = g.r
    name = g.word() + ".exe"
    d = r.choice([r"C:\Users\\*\AppData\Local\Temp\\*\\", r"C:\Users\\*\AppData\Roaming\\*\\",
                  r"C:\Users\\*\Downloads\\", r"C:\ProgramData\\*\\", r"C:\Users\Public\\*"])
    pat = d + (name if not d.endswith("*") else "\\" + name)
    cond = M_WPROC & like("process.executable", pat)
    if r.random() < 0.5:
        cond = cond & (missing("process.code_signature.subject_name") |
                       eq("process.code_signature.signed", False))
    real = "".join("x7" if t[0] == "any" else "x" if t[0] == "one" else t[1] for t in wildcard_tokens(pat))
    w = dict(BASE["process"], **{"process.executable": real, "process.name": name,
                                 "process.code_signature.subject_name": MISSING,
                                 "process.code_signature.signed": False})
    return "process", cond, w, "%s run from a user-writable path" % name, "medium"


def f_renamed(g, i):
    r = g.r
    tools = g.pick(["rclone.exe", "AdFind.exe", "CertUtil.exe", "RUNDLL32.EXE", "Cmd.Exe",
                    "PowerShell.EXE", "REGSVR32.EXE", "MSHTA.EXE", "wmic.exe", "bitsadmin.exe",
                    "psexec.exe", "procdump", "nltest.exe", "ntdsutil.exe", "7z.exe", "WinRAR.exe",
                    "plink.exe", "AnyDesk.exe", "ScreenConnect.ClientService.exe", "ngrok.exe"], 2, 5)
    cond = M_WPROC & exists("process.pe.original_file_name") & \
        iin("process.pe.original_file_name", tools) & FieldCmp("process.name", "ne", "process.pe.original_file_name")
    t = r.choice(tools)
    w = dict(BASE["process"], **{"process.pe.original_file_name": t, "process.name": g.word() + ".exe"})
    return "process", cond, w, "Renamed %s" % t, "medium"


def f_linux(g, i):
    r = g.r
    frags = g.pick(LINUX_FRAGS, 1, 3)
    if r.random() < 0.5:
        cond = M_LPROC & isin("process.parent.name", g.pick(WEB_PROCS, 1, 4)) & \
            isin("process.name", g.pick(UNIX_SHELLS, 2, 5))
        par = cond.kids[-2].value[0]
        kid = cond.kids[-1].value[0]
        w = dict(BASE["linux"], **{"process.parent.name": par, "process.name": kid})
        title = "Web server %s spawns %s" % (par, kid)
        if r.random() < 0.5:
            cond = cond & contains("process.command_line", frags, ci=False, quant="any")
            w["process.command_line"] = "%s -c '%s'" % (kid, frags[0])
    else:
        cond = M_LPROC & contains("process.command_line", frags, ci=False, quant="any")
        if r.random() < 0.5:
            cond = cond & startswith("process.executable", ["/tmp/", "/var/tmp/", "/dev/shm/"], ci=False)
        w = dict(BASE["linux"], **{"process.command_line": "sh -c '%s'" % frags[-1],
                                   "process.executable": "/tmp/.%s" % g.word(1)})
        title = "Suspicious shell command: %s" % frags[0]
    return "linux", cond, w, title, r.choice(["medium", "high"])


def f_net_ioc(g, i):
    r = g.r
    fam = g.word()
    ips = [g.ioc_ip() for _ in range(r.randint(3, 12))]
    nets = ["%s.0/24" % ".".join(g.ioc_ip().split(".")[:3]) for _ in range(r.randint(0, 3))]
    L = ListRef("c2_%s" % fam, ips + nets, "cidr")
    cond = M_NET & isin("destination.ip", L)
    ports = None
    if r.random() < 0.5:
        ports = g.pick(C2_PORTS + [80, 443, 53], 2, 5)
        cond = cond & isin("destination.port", ports)
    ip = r.choice(ips + nets)
    if "/" in ip:
        ip = ip.split("/")[0][:-1] + str(r.randint(1, 254))
    w = dict(BASE["network"], **{"destination.ip": ip, "destination.port": ports[0] if ports else 443})
    return "network", cond, w, "Connection to %s infrastructure" % fam, "high"


def f_net_port(g, i):
    r = g.r
    if r.random() < 0.5:
        ports = g.pick(ADMIN_PORTS, 1, 3)
        pv = L_ADMIN_PORTS if r.random() < 0.3 else ports
        cond = M_NET & isin("destination.port", pv) & M_INET_DST & eq("network.direction", "outbound")
        if r.random() < 0.5:
            cond = cond & eq("network.transport", "tcp")
        w = dict(BASE["network"], **{"destination.port": ports[0], "destination.ip": g.ioc_ip(),
                                     "network.direction": "outbound", "network.transport": "tcp"})
        title = "Outbound admin protocol to the internet (port %d)" % ports[0]
    else:
        lo = r.choice(C2_PORTS)
        bins = g.pick(LOLBINS, 2, 6)
        cond = M_NET & iin("process.name", bins) & inrange("destination.port", lo, lo + r.randint(0, 20))
        if r.random() < 0.5:
            cond = cond & M_INET_DST
        w = dict(BASE["network"], **{"process.name": bins[0], "destination.port": lo,
                                     "destination.ip": g.ioc_ip()})
        title = "%s connects to a C2-style port" % bins[0]
    return "network", cond, w, title, "medium"


def f_dns(g, i):
    r = g.r
    if r.random() < 0.5:
        doms = ["." + g.bad_domain() for _ in range(r.randint(2, 8))]
        cond = M_DNS & endswith("dns.question.name", doms, quant="any")
        q = "www" + r.choice(doms)
        title = "DNS lookup of a known-bad domain"
    else:
        sfx = g.pick(DYNDNS, 1, 4)
        sv = L_DYNDNS if r.random() < 0.25 else sfx
        cond = M_DNS & endswith("dns.question.name", sv)
        if r.random() < 0.5:
            t = r.choice(["TXT", "NULL", "CNAME", "A"])
            cond = cond & eq("dns.question.type", t)
        q = g.word() + sfx[0]
        title = "DNS lookup of a dynamic DNS or tunnel domain"
    w = dict(BASE["dns"], **{"dns.question.name": q, "dns.question.type": "TXT"})
    if "dns.question.type" in fields_of(cond):
        w["dns.question.type"] = cond.kids[-1].value
    return "dns", cond, w, title, r.choice(["low", "medium", "high"])


def f_web(g, i):
    r = g.r
    k = r.random()
    if k < 0.35:
        uas = g.pick(BAD_UAS, 1, 4)
        cond = M_WEB & contains("user_agent.original", uas, quant="any")
        if r.random() < 0.5:
            cond = cond & inrange("http.response.status_code", 200, 299)
        w = dict(BASE["web"], **{"user_agent.original": "Mozilla/5.0 (%s)" % uas[0],
                                 "http.response.status_code": 200})
        title = "Scanner user agent %s" % uas[0]
    elif k < 0.75:
        frags = g.pick(URL_FRAGS, 1, 4)
        cond = M_WEB & contains("url.original", frags, quant="any")
        meth = None
        if r.random() < 0.5:
            meth = g.pick(["GET", "POST", "PUT", "HEAD"], 1, 2)
            cond = cond & isin("http.request.method", meth)
        w = dict(BASE["web"], **{"url.original": "https://portal.example.com/a?q=%s" % frags[0],
                                 "http.request.method": meth[0] if meth else "GET"})
        title = "Web attack pattern %s" % frags[0]
    else:
        doms = g.pick(STORAGE, 2, 5)
        dv = L_STORAGE if r.random() < 0.3 else doms
        n = r.choice([1, 5, 10, 50, 100]) * 1000000
        cond = M_WEB & iin("url.domain", dv) & eq("http.request.method", "POST") & gt("http.request.bytes", n)
        w = dict(BASE["web"], **{"url.domain": doms[0], "http.request.method": "POST",
                                 "http.request.bytes": n + 12345})
        title = "Large upload to %s" % doms[0]
    return "web", cond, w, title, r.choice(["low", "medium", "high"])


def f_auth(g, i):
    r = g.r
    k = r.random()
    if k < 0.4:
        us = g.pick(PRIV_USERS, 1, 4)
        uv = L_PRIV if r.random() < 0.3 else us
        cond = M_AUTHF & iin("user.name", uv) & M_INET_SRC
        w = dict(BASE["auth"], **{"event.outcome": "failure", "user.name": us[0].upper(),
                                  "source.ip": g.ioc_ip()})
        title = "Failed logon to %s from the internet" % us[0]
    elif k < 0.7:
        st = g.pick(LOGON_STATUS, 1, 3)
        cond = M_AUTHF & eq("winlog.event_id", 4625) & isin("winlog.event_data.Status", st) & \
            isin("winlog.event_data.LogonType", g.pick(["2", "3", "7", "8", "10", "11"], 1, 3))
        lt = cond.kids[-1].value[0]
        w = dict(BASE["auth"], **{"event.outcome": "failure", "winlog.event_id": 4625,
                                  "winlog.event_data.Status": st[0], "winlog.event_data.LogonType": lt})
        title = "Logon failure %s (type %s)" % (st[0], lt)
    else:
        ips = [g.ioc_ip() for _ in range(r.randint(3, 10))]
        fam = g.word()
        L = ListRef("bad_sources_%s" % fam, ips, "cidr")
        cond = M_AUTHS & isin("source.ip", L)
        if r.random() < 0.5:
            cond = cond & ieq("winlog.logon.type", r.choice(["RemoteInteractive", "Network"]))
        w = dict(BASE["auth"], **{"event.outcome": "success", "source.ip": ips[0],
                                  "winlog.logon.type": (cond.kids[-1].value if isinstance(cond.kids[-1], Pred) and cond.kids[-1].field == "winlog.logon.type" else "Network")})
        title = "Successful logon from %s infrastructure" % fam
    return "auth", cond, w, title, r.choice(["medium", "high"])


def f_file(g, i):
    r = g.r
    k = r.random()
    if k < 0.35:
        ex = g.pick(RANSOM_EXT, 2, 5) + [g.word(1) + g.word(1)]
        cond = M_FILEC & iin("file.extension", ex)
        w = dict(BASE["file"], **{"file.extension": ex[-1], "file.name": "q3-report.xlsx." + ex[-1]})
        title = "Ransomware extension .%s" % ex[-1]
    elif k < 0.7:
        d = r.choice(DROP_DIRS)
        ex = g.pick(DROP_EXT, 1, 4)
        cond = M_FILEC & startswith("file.path", d.rstrip("\\") + "\\") & \
            endswith("file.path", ["." + e for e in ex], quant="any")
        if r.random() < 0.5:
            cond = cond & iin("process.name", g.pick(SHELLS + OFFICE, 1, 4))
        w = dict(BASE["file"], **{"file.path": d.rstrip("\\") + "\\" + g.word(1) + "." + ex[0]})
        pn = [p for p in fields_of(cond) if p == "process.name"]
        if pn:
            w["process.name"] = cond.kids[-1].value[0]
        title = "Executable content dropped in %s" % d.rstrip("\\")
    else:
        pats = ["*%s*.txt" % g.word(1), "*readme*%s*" % g.word(1), "*.%s.exe" % r.choice(["pdf", "doc", "xlsx", "jpg"])]
        pats = r.sample(pats, r.randint(1, 3))
        cond = M_FILEC & like("file.name", pats)
        w = dict(BASE["file"], **{"file.name": pats[0].replace("*", "ab")})
        title = "Suspicious file name %s" % pats[0]
    return "file", cond, w, title, r.choice(["medium", "high", "critical"])


def f_registry(g, i):
    r = g.r
    keys = g.pick(RUN_KEYS, 1, 3)
    if r.random() < 0.5:
        data = g.pick(REG_DATA, 2, 5)
        cond = M_REG & startswith("registry.path", keys, quant="any") & contains("registry.data.strings", data, quant="any")
        w = dict(BASE["registry"], **{"registry.path": keys[0] + "\\" + g.word(1),
                                      "registry.data.strings": ["C:\\x\\" + data[0] + "y"]})
        title = "Registry persistence under %s" % keys[0].split("\\")[-1]
    else:
        v = r.choice(REG_VALUES)
        val = r.choice(["0", "1", "2"])
        cond = M_REG & endswith("registry.path", "\\" + v) & has("registry.data.strings", val)
        if r.random() < 0.5:
            cond = cond & Not(iin("process.name", ["msiexec.exe", "trustedinstaller.exe", "svchost.exe"]))
        w = dict(BASE["registry"], **{"registry.path": keys[0] + "\\" + v, "registry.data.strings": [val],
                                      "process.name": "reg.exe"})
        title = "Registry value %s set to %s" % (v, val)
    return "registry", cond, w, title, r.choice(["medium", "high"])


def f_regex(g, i):
    r = g.r
    k = r.randint(0, 2)
    if k == 0:
        n = r.randint(30, 60)
        cond = M_WPROC & iin("process.name", ["powershell.exe", "pwsh.exe"]) & \
            matches("process.command_line", r"\s[-/]e(nc?|ncodedcommand)?\s+[A-Za-z0-9+/=]{%d,}" % n, ci=True)
        w = dict(BASE["process"], **{"process.name": "powershell.exe",
                                     "process.command_line": "powershell -enc " + "QUJD" * (n // 4 + 2)})
        title = "PowerShell encoded payload of %d+ characters" % n
        kind = "process"
    elif k == 1:
        n = r.randint(20, 40)
        tld = "|".join(g.pick(BAD_TLDS, 2, 4))
        cond = M_DNS & matches("dns.question.name", r"^[a-z0-9]{%d,}\.(%s)$" % (n, tld), ci=True)
        w = dict(BASE["dns"], **{"dns.question.name": "a1" * (n // 2 + 1) + "." + tld.split("|")[0]})
        title = "DGA-like domain (.%s)" % tld.replace("|", ", .")
        kind = "dns"
    else:
        fam = g.word()
        cond = M_WEB & matches("url.path", r"/%s/[0-9a-f]{8,}/(gate|panel|beacon)\.php" % fam)
        w = dict(BASE["web"], **{"url.path": "/%s/deadbeef01/gate.php" % fam})
        title = "%s panel URL" % fam
        kind = "web"
    return kind, cond, w, title, "high"


FAMILY_FN = {"office": f_office, "lolbin": f_lolbin, "hash": f_hash, "path": f_path,
             "renamed": f_renamed, "linux": f_linux, "net_ioc": f_net_ioc, "net_port": f_net_port,
             "dns": f_dns, "web": f_web, "auth": f_auth, "file": f_file, "registry": f_registry,
             "regex": f_regex}
FAMILIES = ["lolbin", "net_ioc", "dns", "web", "auth", "office", "file", "registry", "hash",
            "lolbin", "net_port", "web", "path", "linux", "renamed", "dns", "auth", "file"]
KIND_TAGS = {"process": "proc", "linux": "linux", "network": "net", "dns": "dns", "web": "web",
             "auth": "auth", "file": "file", "registry": "registry"}
ENTITIES = {"process": ["host.name", "user.name"], "linux": ["host.name", "user.name"],
            "network": ["host.name", "source.ip", "destination.ip"], "dns": ["host.name", "dns.question.name"],
            "web": ["source.ip", "url.domain"], "auth": ["user.name", "source.ip"],
            "file": ["host.name", "user.name"], "registry": ["host.name", "registry.path"]}


def hn_rule(name, title, sev, tags, cond, ents, rid):
    body = to_hornet(cond)
    return ("rule %s {\n  id \"bench-%05d\"\n  title %s\n  severity %s\n  tags %s\n"
            "  where %s\n  entities %s\n}\n" % (name, rid, json.dumps(title), sev, ", ".join(tags),
                                               body, ", ".join(ents)))


def list_decl(L):
    vals = "[" + ", ".join((('r"%s"' % v) if isinstance(v, str) and "\\" in v else
                            (json.dumps(v) if isinstance(v, str) else str(v))) for v in L.values) + "]"
    return "list %s%s = %s\n" % (L.name, ": " + L.typ if L.typ else "", vals)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rules", type=int, default=3000)
    ap.add_argument("--sizes", default="30,2000,3000")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    a = ap.parse_args()
    types = read_schema(os.path.join(HERE, "..", "stdlib", "ecs.hn"))
    g = Gen(a.seed)
    rules = []
    for i in range(a.rules):
        fam, (kind, cond, w, title, sev) = rule_family(g, i)
        name = "r%04d_%s" % (i, fam)
        for f in fields_of(cond):
            assert f in types, f
            assert f in w, (name, f)
        if not evaluate(cond, w, types):
            sys.exit("witness of %s does not satisfy it: %s / %s" % (name, to_hornet(cond), w))
        tac, tech = g.r.choice(TACTICS[KIND_TAGS[kind]])
        tags = ["attack.%s" % tac, "attack.%s" % tech]
        rules.append(dict(name=name, fam=fam, kind=kind, cond=cond, w=w, title=title, sev=sev,
                          tags=tags, ents=ENTITIES[kind], regex=False))
        walk(cond, lambda n, r=rules[-1]: r.__setitem__("regex", True)
             if isinstance(n, Pred) and n.op == "matches" else None)
    os.makedirs(a.out, exist_ok=True)
    for n in [int(x) for x in a.sizes.split(",")]:
        sub = rules[:n]
        lists, macros, fields = {}, {}, []

        def coll(node):
            if isinstance(node, Pred) and isinstance(node.value, ListRef):
                lists.setdefault(node.value.name, node.value)
        for rr in sub:
            walk(rr["cond"], coll)
            # macros, innermost first
            def mac(node, acc=macros):
                if isinstance(node, Macro):
                    walk(node.body, mac_inner)
                    acc.setdefault(node.name, node)
            def mac_inner(node, acc=macros):
                if isinstance(node, Macro):
                    acc.setdefault(node.name, node)
            walk(rr["cond"], mac)
            for f in fields_of(rr["cond"]) + rr["ents"] + ["@timestamp"]:
                if f not in fields:
                    fields.append(f)
        # order macros so that a macro's dependencies come first
        order = []
        def place(m):
            if m.name in [x.name for x in order]:
                return
            walk(m.body, lambda x: place(x) if isinstance(x, Macro) and x is not m else None)
            order.append(m)
        for m in macros.values():
            place(m)
        with open(os.path.join(a.out, "bench_%d.hn" % n), "w") as f:
            f.write("// generated by bench/gen_rules.py --seed %d: %d single-event rules\n" % (a.seed, n))
            f.write("pack bench.rules%d 1.0.0\n\nimport std.ecs\n\n" % n)
            for L in lists.values():
                f.write(list_decl(L))
            f.write("\n")
            for m in order:
                f.write("macro %s = %s\n" % (m.name, to_hornet(m.body)))
            f.write("\n")
            for k, rr in enumerate(sub):
                f.write(hn_rule(rr["name"], rr["title"], rr["sev"], rr["tags"], rr["cond"], rr["ents"], k) + "\n")
        cx = SqlCtx(types)
        queries = []
        for rr in sub:
            if rr["regex"]:
                continue
            queries.append((rr["name"], "SELECT rowid FROM ev WHERE " + to_sql(rr["cond"], cx)))
        with open(os.path.join(a.out, "bench_%d.sql" % n), "w") as f:
            f.write("# columns: field, hornet type, SQL column; then one `rule<TAB>query` per non-regex rule\n")
            for fl in fields:
                f.write("#col\t%s\t%s\t%s\n" % (fl, types[fl], col(fl).strip('"')))
                if fl in cx.ipnum:
                    f.write("#col\t%s\tipnum\t%s\n" % (fl, ncol(fl).strip('"')))
            for nm, q in queries:
                f.write("%s\t%s\n" % (nm, q))
        with open(os.path.join(a.out, "bench_%d.fields" % n), "w") as f:
            for fl in fields:
                f.write("%s\t%s\n" % (fl, types[fl]))
        with open(os.path.join(a.out, "bench_%d.witness" % n), "w") as f:
            for rr in sub:
                parts = [rr["name"], rr["kind"]]
                for k, v in rr["w"].items():
                    parts += [k, "~DEL~" if v is MISSING else json.dumps(v)]
                f.write("\t".join(parts) + "\n")
        nre = sum(1 for rr in sub if rr["regex"])
        print("bench_%d: %d rules (%d regex, left out of SQL), %d lists, %d macros, %d fields"
              % (n, n, nre, len(lists), len(order), len(fields)))


if __name__ == "__main__":
    main()
