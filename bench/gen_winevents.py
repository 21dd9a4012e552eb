#!/usr/bin/env python3
"""gen_winevents.py - a seeded stream of Windows events in the flat convention (std.windows).

    gen_winevents.py --events 100000 --seed 1 --corpus corpus.hn --windows stdlib/windows.hn \
                     --out events.jsonl --truth truth.tsv

One JSON object per line: the System fields (EventID, Channel, Provider_Name, Computer,
TimeCreated, EventRecordID) and the EventData fields by name. The background mix is a busy
Windows fleet: Sysmon 1/3/5/7/10/11/12/13/22, Security 4624/4625/4672/4688/4698/4768/4769/5145,
System 7045, PowerShell 4103/4104, Application 1000, Defender 1116; 500 hosts, 800 users, real
image paths, command lines, DLLs, registry keys, domains and script blocks (some of which real
Sigma rules fire on, as in life).

With --corpus, one event per Sigma rule of the imported pack is crafted to hit it: a
background event of the rule's log source whose fields are then set from the rule's
detection (one branch of each `or`, every part of each `and`, wildcards filled in, ASCII case
changed at random where the match is case-insensitive; `not` parts are left alone, so a
filter may still exclude it). They are spread over the stream; --truth gets `line<TAB>id`.
"""
import argparse
import hashlib
import ipaddress
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigma_sql  # noqa: E402

SYSMON = "Microsoft-Windows-Sysmon/Operational"
S32 = "C:\\Windows\\System32\\"

# image, original file name, description, command line templates, parents
PROCS = [
    (S32 + "svchost.exe", "svchost.exe", "Host Process for Windows Services",
     ["C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule", "C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p",
      "C:\\Windows\\System32\\svchost.exe -k wsappx -p -s AppXSvc", "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p"],
     [S32 + "services.exe"]),
    (S32 + "cmd.exe", "Cmd.Exe", "Windows Command Processor",
     ['"C:\\Windows\\system32\\cmd.exe" /c "C:\\scripts\\backup.bat"', "cmd.exe /c echo {w} > C:\\Users\\{u}\\AppData\\Local\\Temp\\{w}.txt",
      "C:\\Windows\\system32\\cmd.exe /d /s /c \"npm run build\"", "cmd /c dir C:\\Users\\{u}\\Documents"],
     ["C:\\Windows\\explorer.exe", S32 + "WindowsPowerShell\\v1.0\\powershell.exe", "C:\\Program Files\\Microsoft VS Code\\Code.exe"]),
    (S32 + "WindowsPowerShell\\v1.0\\powershell.exe", "PowerShell.EXE", "Windows PowerShell",
     ['"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile -ExecutionPolicy Bypass -File C:\\scripts\\inventory.ps1',
      "powershell.exe -NoLogo", "powershell.exe Get-Service | Where-Object {{$_.Status -eq 'Running'}}",
      '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -Command "Import-Module ActiveDirectory; Get-ADUser {u}"'],
     ["C:\\Windows\\explorer.exe", S32 + "cmd.exe", S32 + "svchost.exe"]),
    ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "chrome.exe", "Google Chrome",
     ['"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --renderer-client-id={n} --launch-time-ticks={n}{n} /prefetch:1',
      '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US',
      '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" '],
     ["C:\\Windows\\explorer.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"]),
    ("C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "msedge.exe", "Microsoft Edge",
     ['"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=gpu-process --gpu-preferences=UAAAAAAAAADgAAAYAAAAAAAAAAAAAAAAAABgAAAAAAAwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA== --mojo-platform-channel-handle={n}',
      '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --single-argument https://intranet.acme.local/'],
     ["C:\\Windows\\explorer.exe"]),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "WinWord.exe", "Microsoft Word",
     ['"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE" /n "C:\\Users\\{u}\\Documents\\{w}.docx" /o ""'],
     ["C:\\Windows\\explorer.exe", "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"]),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "Excel.exe", "Microsoft Excel",
     ['"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE" "C:\\Users\\{u}\\Documents\\{w}.xlsx"'],
     ["C:\\Windows\\explorer.exe"]),
    ("C:\\Windows\\explorer.exe", "EXPLORER.EXE", "Windows Explorer", ["C:\\Windows\\Explorer.EXE"], [S32 + "userinit.exe"]),
    (S32 + "conhost.exe", "CONHOST.EXE", "Console Window Host", ["\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1"],
     [S32 + "cmd.exe", S32 + "WindowsPowerShell\\v1.0\\powershell.exe"]),
    (S32 + "taskhostw.exe", "taskhostw.exe", "Host Process for Windows Tasks", ["taskhostw.exe {{222A245B-E637-4AE9-A93F-A59CA119A75E}}"],
     [S32 + "svchost.exe"]),
    (S32 + "RuntimeBroker.exe", "RuntimeBroker.exe", "Runtime Broker", ["C:\\Windows\\System32\\RuntimeBroker.exe -Embedding"],
     [S32 + "svchost.exe"]),
    (S32 + "SearchProtocolHost.exe", "SearchProtocolHost.exe", "Microsoft Windows Search Protocol Host",
     ['"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe{n}_ Global\\UsGthrCtrlFltPipeMssGthrPipe{n} 1 -2147483646 "Software\\Microsoft\\Windows Search"'],
     [S32 + "SearchIndexer.exe"]),
    (S32 + "dllhost.exe", "dllhost.exe", "COM Surrogate", ["C:\\Windows\\system32\\DllHost.exe /Processid:{{3EB3C877-1F16-487C-9050-104DBCD66683}}"],
     [S32 + "svchost.exe"]),
    (S32 + "backgroundTaskHost.exe", "backgroundTaskHost.exe", "Background Task Host",
     ['"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider'], [S32 + "svchost.exe"]),
    (S32 + "wbem\\WmiPrvSE.exe", "Wmiprvse.exe", "WMI Provider Host", ["C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding"],
     [S32 + "svchost.exe"]),
    (S32 + "msiexec.exe", "msiexec.exe", "Windows installer", ["C:\\Windows\\system32\\msiexec.exe /V", "C:\\Windows\\System32\\MsiExec.exe -Embedding 5C1F8B3A2D4E6F7A8B9C0D1E2F3A4B5C"],
     [S32 + "services.exe", S32 + "msiexec.exe"]),
    (S32 + "tasklist.exe", "tasklist.exe", "Lists the current running tasks.", ["tasklist /v", "tasklist /fi \"imagename eq {w}.exe\""], [S32 + "cmd.exe"]),
    (S32 + "ipconfig.exe", "ipconfig.exe", "IP Configuration Utility", ["ipconfig /all", "ipconfig /flushdns"], [S32 + "cmd.exe"]),
    (S32 + "sc.exe", "sc.exe", "Service Control Manager Configuration Tool", ["sc query {w}", "sc.exe qc wuauserv"], [S32 + "cmd.exe"]),
    (S32 + "reg.exe", "reg.exe", "Registry Console Tool", ["reg query HKCU\\Software\\{w}", "reg.exe query \"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\" /v ProductName"],
     [S32 + "cmd.exe"]),
    (S32 + "net.exe", "net.exe", "Net Command", ["net use Z: \\\\fs01.corp.acme.local\\share", "net time \\\\dc01"], [S32 + "cmd.exe"]),
    (S32 + "notepad.exe", "NOTEPAD.EXE", "Notepad", ['"C:\\Windows\\system32\\NOTEPAD.EXE" C:\\Users\\{u}\\Desktop\\{w}.txt'], ["C:\\Windows\\explorer.exe"]),
    ("C:\\Program Files\\Git\\cmd\\git.exe", "git.exe", "Git for Windows", ["git status", "git fetch origin", "git log --oneline -n 20"],
     [S32 + "cmd.exe", "C:\\Program Files\\Microsoft VS Code\\Code.exe"]),
    ("C:\\Program Files\\Microsoft VS Code\\Code.exe", "electron.exe", "Visual Studio Code",
     ['"C:\\Program Files\\Microsoft VS Code\\Code.exe" --type=renderer --user-data-dir="C:\\Users\\{u}\\AppData\\Roaming\\Code" --lang=en-US'],
     ["C:\\Windows\\explorer.exe"]),
    ("C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "Teams.exe", "Microsoft Teams",
     ['"C:\\Users\\{u}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe" --type=renderer --autoplay-policy=no-user-gesture-required'],
     ["C:\\Windows\\explorer.exe"]),
    ("C:\\Users\\{u}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe", "OneDrive.exe", "Microsoft OneDrive",
     ['"C:\\Users\\{u}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background'], ["C:\\Windows\\explorer.exe"]),
    ("C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MsMpEng.exe", "MsMpEng.exe", "Antimalware Service Executable",
     ['"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MsMpEng.exe"'], [S32 + "services.exe"]),
    (S32 + "wuauclt.exe", "wuauclt.exe", "Windows Update", ['"C:\\Windows\\system32\\wuauclt.exe" /UpdateDeploymentProvider UpdateDeploymentProvider.dll /ClassId {n}'],
     [S32 + "svchost.exe"]),
    ("C:\\Python311\\python.exe", "python.exe", "Python", ["python.exe C:\\tools\\{w}.py --verbose", "python -m pip list"], [S32 + "cmd.exe"]),
    (S32 + "rundll32.exe", "RUNDLL32.EXE", "Windows host process (Rundll32)",
     ["C:\\Windows\\system32\\rundll32.exe C:\\Windows\\system32\\PcaSvc.dll,PcaPatchSdbTask", "rundll32.exe shell32.dll,Control_RunDLL desk.cpl"],
     [S32 + "svchost.exe", "C:\\Windows\\explorer.exe"]),
    (S32 + "whoami.exe", "whoami.exe", "whoami - displays logged on user information", ["whoami"], [S32 + "cmd.exe"]),
    (S32 + "schtasks.exe", "schtasks.exe", "Task Scheduler Configuration Tool", ["schtasks /query /fo LIST"], [S32 + "cmd.exe"]),
]
DLLS = ["ntdll.dll", "kernel32.dll", "KernelBase.dll", "user32.dll", "advapi32.dll", "combase.dll", "ole32.dll", "oleaut32.dll",
        "shell32.dll", "crypt32.dll", "wintrust.dll", "ws2_32.dll", "winhttp.dll", "wininet.dll", "bcrypt.dll", "sechost.dll",
        "rpcrt4.dll", "msvcrt.dll", "ucrtbase.dll", "gdi32.dll", "uxtheme.dll", "dwmapi.dll", "version.dll", "iphlpapi.dll",
        "dnsapi.dll", "netapi32.dll", "amsi.dll", "clr.dll", "mscoree.dll", "wldp.dll", "profapi.dll", "cfgmgr32.dll"]
DOMAINS = ["www.google.com", "login.microsoftonline.com", "outlook.office365.com", "teams.microsoft.com", "github.com",
           "update.googleapis.com", "ctldl.windowsupdate.com", "settings-win.data.microsoft.com", "intranet.acme.local",
           "dc01.corp.acme.local", "fs01.corp.acme.local", "wpad.corp.acme.local", "cdn.jsdelivr.net", "pypi.org",
           "registry.npmjs.org", "slack.com", "zoom.us", "www.bing.com", "edge.microsoft.com", "graph.microsoft.com"]
REGKEYS = ["HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive",
           "HKU\\{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx\\{n}",
           "HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\{sid}\\\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe",
           "HKU\\{sid}\\Software\\Microsoft\\Office\\16.0\\Common\\Internet\\ServerCache\\{w}",
           "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated",
           "HKU\\{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}}\\Count\\{w}",
           "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{{{n}}}\\DhcpIPAddress",
           "HKU\\{sid}\\Software\\Google\\Chrome\\BLBeacon\\version",
           "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan\\Index"]
SCRIPTS = ["Get-ChildItem -Path C:\\Users\\{u}\\Documents -Recurse | Measure-Object",
           "Import-Module -Name PSReadLine\nSet-PSReadLineOption -EditMode Windows",
           "$ErrorActionPreference = 'Stop'\n$svc = Get-Service -Name {w}\nif ($svc.Status -ne 'Running') {{ Start-Service {w} }}",
           "function Get-DiskReport {{\n  Get-CimInstance Win32_LogicalDisk | Select-Object DeviceID, FreeSpace, Size\n}}\nGet-DiskReport",
           "prompt", "{{ Set-StrictMode -Version 1; $_.PSMessageDetails }}", "$global:?",
           "Invoke-RestMethod -Uri https://intranet.acme.local/api/v1/assets/{n} -UseDefaultCredentials",
           "Get-WinEvent -LogName System -MaxEvents 50 | Format-Table -AutoSize"]
WORDS = ["report", "budget", "q3", "invoice", "notes", "draft", "build", "setup", "update", "data", "export", "plan", "photo", "scan",
         "minutes", "config", "log", "temp", "backup", "release"]
PUBLIC_NETS = ["13.107.", "20.190.", "40.126.", "52.96.", "142.250.", "151.101.", "104.16.", "185.199.", "34.117.", "23.45."]


class Fleet:
    def __init__(self, rng):
        self.r = rng
        self.hosts = ["WS-%04d.corp.acme.local" % i for i in range(1, 481)] + ["SRV-%03d.corp.acme.local" % i for i in range(1, 21)]
        self.users = ["u%04d" % i for i in range(1, 801)]
        self.sids = ["S-1-5-21-3623811015-3361044348-30300820-%d" % (1100 + i) for i in range(800)]

    def fill(self, s, u=None):
        r = self.r
        return s.format(u=u or r.choice(self.users), w=r.choice(WORDS), n=r.randint(1000, 99999),
                        sid=r.choice(self.sids))


def hexs(key, n):
    return hashlib.sha256(key.encode()).hexdigest().upper()[:n]


def guid(r):
    return "{%08X-%04X-%04X-%04X-%012X}" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(16), r.getrandbits(16), r.getrandbits(48))


def public_ip(r):
    return r.choice(PUBLIC_NETS) + "%d.%d" % (r.randint(0, 255), r.randint(1, 254))


def internal_ip(r):
    return "10.%d.%d.%d" % (r.randint(0, 3), r.randint(0, 255), r.randint(1, 254))


def gen_event(f, kind):
    """A background event: (System fields, EventData fields)."""
    r = f.r
    u = r.choice(f.users)
    host = r.choice(f.hosts)
    user = "ACME\\" + u
    img, ofn, desc, cmds, parents = r.choice(PROCS)
    img = f.fill(img, u)
    ed = {}
    if kind in ("s1", "s5", "4688"):
        pimg = f.fill(r.choice(parents), u)
        cmd = f.fill(r.choice(cmds), u)
        if kind == "4688":
            return ("Security", 4688, "Microsoft-Windows-Security-Auditing"), {
                "SubjectUserSid": r.choice(f.sids), "SubjectUserName": u, "SubjectDomainName": "ACME", "SubjectLogonId": "0x%x" % r.getrandbits(24),
                "NewProcessId": "0x%x" % r.randint(0x100, 0xffff), "NewProcessName": img, "TokenElevationType": "%%1938",
                "ProcessId": "0x%x" % r.randint(0x100, 0xffff), "CommandLine": cmd, "TargetUserSid": "S-1-0-0", "TargetUserName": "-",
                "ParentProcessName": pimg, "MandatoryLabel": "S-1-16-8192"}
        if kind == "s5":
            return (SYSMON, 5, "Microsoft-Windows-Sysmon"), {"RuleName": "-", "UtcTime": "", "ProcessGuid": guid(r), "ProcessId": r.randint(100, 65000),
                                                             "Image": img, "User": user}
        pc = f.fill(r.choice([p for p in PROCS if p[0] == pimg or p[0].endswith(pimg.split("\\")[-1])] or PROCS)[3][0], u)
        return (SYSMON, 1, "Microsoft-Windows-Sysmon"), {
            "RuleName": "-", "UtcTime": "", "ProcessGuid": guid(r), "ProcessId": r.randint(100, 65000), "Image": img,
            "FileVersion": "10.0.19041.%d (WinBuild.160101.0800)" % r.randint(1, 4000), "Description": desc,
            "Product": "Microsoft\u00ae Windows\u00ae Operating System", "Company": "Microsoft Corporation", "OriginalFileName": ofn,
            "CommandLine": cmd, "CurrentDirectory": r.choice(["C:\\Windows\\system32\\", "C:\\Users\\%s\\" % u, "C:\\Program Files\\"]),
            "User": user, "LogonGuid": guid(r), "LogonId": "0x%x" % r.getrandbits(24), "TerminalSessionId": r.choice([0, 1, 2]),
            "IntegrityLevel": r.choice(["Medium", "High", "System"]),
            "Hashes": "SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s" % (hexs(img + "1", 40), hexs(img + "5", 32), hexs(img + "2", 64), hexs(img + "i", 32)),
            "ParentProcessGuid": guid(r), "ParentProcessId": r.randint(100, 65000), "ParentImage": pimg, "ParentCommandLine": pc,
            "ParentUser": user}
    if kind == "s3":
        dst = r.random()
        if dst < 0.6:
            ip, port, hn = public_ip(r), r.choice([443, 443, 443, 80]), r.choice(DOMAINS)
        elif dst < 0.95:
            ip, port, hn = internal_ip(r), r.choice([445, 389, 88, 135, 53, 3389, 5985, 8080]), r.choice(f.hosts)
        else:
            ip, port, hn = r.choice(["fe80::%x:%x:%x:%x" % tuple(r.getrandbits(16) for _ in range(4)), "::1", "2603:1036:%x::%x" % (r.getrandbits(16), r.getrandbits(16))]), 443, "-"
        v6 = ":" in ip
        return (SYSMON, 3, "Microsoft-Windows-Sysmon"), {
            "RuleName": "-", "UtcTime": "", "ProcessGuid": guid(r), "ProcessId": r.randint(100, 65000), "Image": img, "User": user,
            "Protocol": "tcp" if port != 53 else "udp", "Initiated": "true", "SourceIsIpv6": "true" if v6 else "false",
            "SourceIp": "fe80::1" if v6 else internal_ip(r), "SourceHostname": host, "SourcePort": r.randint(49152, 65535),
            "SourcePortName": "-", "DestinationIsIpv6": "true" if v6 else "false", "DestinationIp": ip, "DestinationHostname": hn,
            "DestinationPort": port, "DestinationPortName": {443: "https", 80: "http", 445: "microsoft-ds", 53: "domain"}.get(port, "-")}
    if kind == "s7":
        dll = r.choice(DLLS)
        return (SYSMON, 7, "Microsoft-Windows-Sysmon"), {
            "RuleName": "-", "UtcTime": "", "ProcessGuid": guid(r), "ProcessId": r.randint(100, 65000), "Image": img,
            "ImageLoaded": (S32 if dll not in ("clr.dll",) else "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\") + dll,
            "FileVersion": "10.0.19041.%d" % r.randint(1, 4000), "Description": dll, "Product": "Microsoft\u00ae Windows\u00ae Operating System",
            "Company": "Microsoft Corporation", "OriginalFileName": dll,
            "Hashes": "SHA1=%s,MD5=%s,SHA256=%s,IMPHASH=%s" % (hexs(dll + "1", 40), hexs(dll + "5", 32), hexs(dll + "2", 64), hexs(dll + "i", 32)),
            "Signed": "true", "Signature": "Microsoft Windows", "SignatureStatus": "Valid", "User": user}
    if kind == "s10":
        timg = r.choice([S32 + "lsass.exe", S32 + "svchost.exe", "C:\\Windows\\explorer.exe", S32 + "csrss.exe", img])
        return (SYSMON, 10, "Microsoft-Windows-Sysmon"), {
            "RuleName": "-", "UtcTime": "", "SourceProcessGUID": guid(r), "SourceProcessId": r.randint(100, 65000), "SourceThreadId": r.randint(100, 65000),
            "SourceImage": img, "TargetProcessGUID": guid(r), "TargetProcessId": r.randint(100, 65000), "TargetImage": timg,
            "GrantedAccess": r.choice(["0x1000", "0x1400", "0x1410", "0x101000", "0x2000", "0x100000"]),
            "CallTrace": "C:\\Windows\\SYSTEM32\\ntdll.dll+9d4c4|C:\\Windows\\System32\\KERNELBASE.dll+2c13e|%s+%x" % (img, r.getrandbits(20)),
            "SourceUser": user, "TargetUser": "NT AUTHORITY\\SYSTEM"}
    if kind == "s11":
        tf = f.fill(r.choice(["C:\\Users\\{u}\\AppData\\Local\\Temp\\{w}{n}.tmp", "C:\\Users\\{u}\\Downloads\\{w}.pdf",
                              "C:\\Users\\{u}\\Documents\\{w}.docx", "C:\\Windows\\Prefetch\\{w}.EXE-{n}.pf",
                              "C:\\Users\\{u}\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_{n}",
                              "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\{n}.log"]), u)
        return (SYSMON, 11, "Microsoft-Windows-Sysmon"), {"RuleName": "-", "UtcTime": "", "ProcessGuid": guid(r), "ProcessId": r.randint(100, 65000),
                                                          "Image": img, "TargetFilename": tf, "CreationUtcTime": "", "User": user}
    if kind in ("s12", "s13"):
        key = f.fill(r.choice(REGKEYS), u)
        ed = {"RuleName": "-", "EventType": "SetValue" if kind == "s13" else r.choice(["CreateKey", "DeleteValue", "DeleteKey"]), "UtcTime": "",
              "ProcessGuid": guid(r), "ProcessId": r.randint(100, 65000), "Image": img, "TargetObject": key, "User": user}
        if kind == "s13":
            ed["Details"] = r.choice(["DWORD (0x00000001)", "DWORD (0x00000000)", "QWORD (0x01da8c2f-0x4b1e8a00)", f.fill("C:\\Users\\{u}\\Documents\\{w}.docx", u), "Binary Data"])
        return (SYSMON, int(kind[1:]), "Microsoft-Windows-Sysmon"), ed
    if kind == "s22":
        d = r.choice(DOMAINS)
        return (SYSMON, 22, "Microsoft-Windows-Sysmon"), {"RuleName": "-", "UtcTime": "", "ProcessGuid": guid(r), "ProcessId": r.randint(100, 65000),
                                                          "QueryName": d, "QueryStatus": "0", "QueryResults": "type:  5 %s;::ffff:%s;" % (d, public_ip(r)),
                                                          "Image": img, "User": user}
    if kind in ("4624", "4625"):
        lt = r.choice([2, 3, 3, 3, 5, 7, 10, 11])
        ed = {"SubjectUserSid": "S-1-5-18", "SubjectUserName": host.split(".")[0] + "$", "SubjectDomainName": "ACME", "SubjectLogonId": "0x3e7",
              "TargetUserSid": r.choice(f.sids), "TargetUserName": u, "TargetDomainName": "ACME", "LogonType": lt,
              "LogonProcessName": "NtLmSsp " if lt == 3 else "User32 ", "AuthenticationPackageName": "NTLM" if lt == 3 else "Negotiate",
              "WorkstationName": r.choice(f.hosts).split(".")[0], "LogonGuid": "{00000000-0000-0000-0000-000000000000}",
              "ProcessName": "-" if lt == 3 else S32 + "svchost.exe", "IpAddress": internal_ip(r) if lt in (3, 10) else "-",
              "IpPort": str(r.randint(49152, 65535)) if lt in (3, 10) else "-", "KeyLength": 0, "LmPackageName": "NTLM V2" if lt == 3 else "-"}
        if kind == "4625":
            ed.update({"Status": "0xc000006d", "SubStatus": r.choice(["0xc000006a", "0xc0000064"]), "FailureReason": "%%2313"})
        else:
            ed.update({"ImpersonationLevel": "%%1833", "ElevatedToken": "%%1843", "TargetLogonId": "0x%x" % r.getrandbits(24)})
        return ("Security", int(kind), "Microsoft-Windows-Security-Auditing"), ed
    if kind == "4672":
        return ("Security", 4672, "Microsoft-Windows-Security-Auditing"), {
            "SubjectUserSid": "S-1-5-18", "SubjectUserName": "SYSTEM", "SubjectDomainName": "NT AUTHORITY", "SubjectLogonId": "0x3e7",
            "PrivilegeList": "SeAssignPrimaryTokenPrivilege\n\t\t\tSeTcbPrivilege\n\t\t\tSeSecurityPrivilege\n\t\t\tSeBackupPrivilege"}
    if kind in ("4768", "4769"):
        return ("Security", int(kind), "Microsoft-Windows-Security-Auditing"), {
            "TargetUserName": u + "@CORP.ACME.LOCAL", "TargetDomainName": "CORP.ACME.LOCAL",
            "ServiceName": r.choice(["krbtgt", "cifs/fs01.corp.acme.local", "HTTP/intranet.acme.local", host.split(".")[0] + "$"]),
            "TicketOptions": r.choice(["0x40810000", "0x40810010", "0x60810010"]), "TicketEncryptionType": r.choice(["0x12", "0x12", "0x12", "0x17"]),
            "IpAddress": "::ffff:" + internal_ip(r), "IpPort": str(r.randint(49152, 65535)), "Status": "0x0"}
    if kind == "5145":
        return ("Security", 5145, "Microsoft-Windows-Security-Auditing"), {
            "SubjectUserSid": r.choice(f.sids), "SubjectUserName": u, "SubjectDomainName": "ACME", "ObjectType": "File",
            "IpAddress": internal_ip(r), "IpPort": str(r.randint(49152, 65535)), "ShareName": r.choice(["\\\\*\\IPC$", "\\\\*\\share", "\\\\*\\SYSVOL"]),
            "ShareLocalPath": "", "RelativeTargetName": r.choice(["srvsvc", "lsarpc", "corp.acme.local\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\GPT.INI", f.fill("{w}\\{w}.xlsx")]),
            "AccessMask": "0x1", "AccessList": "%%4416"}
    if kind == "4698":
        tn = f.fill(r.choice(["\\Microsoft\\Windows\\UpdateOrchestrator\\{w}", "\\GoogleUpdateTaskMachineUA{{{n}}}", "\\OneDrive Standalone Update Task-{sid}"]))
        return ("Security", 4698, "Microsoft-Windows-Security-Auditing"), {
            "SubjectUserSid": r.choice(f.sids), "SubjectUserName": u, "SubjectDomainName": "ACME", "SubjectLogonId": "0x%x" % r.getrandbits(24),
            "TaskName": tn, "TaskContent": '<?xml version="1.0" encoding="UTF-16"?><Task><Actions Context="Author"><Exec><Command>%s</Command><Arguments>/c</Arguments></Exec></Actions></Task>' % img}
    if kind == "7045":
        svc = r.choice(["Google Update Service (gupdate)", "Sysmon64", "VMware Tools", "Microsoft Edge Update Service (edgeupdate)", "AcmeBackupAgent"])
        return ("System", 7045, "Service Control Manager"), {
            "ServiceName": svc, "ImagePath": r.choice(['"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe" /svc', "C:\\Windows\\Sysmon64.exe",
                                                      '"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe"', "C:\\Program Files\\Acme\\agent.exe -service"]),
            "ServiceType": "user mode service", "StartType": r.choice(["auto start", "demand start"]), "AccountName": "LocalSystem"}
    if kind == "4104":
        return ("Microsoft-Windows-PowerShell/Operational", 4104, "Microsoft-Windows-PowerShell"), {
            "MessageNumber": 1, "MessageTotal": 1, "ScriptBlockText": f.fill(r.choice(SCRIPTS), u), "ScriptBlockId": guid(r)[1:-1].lower(),
            "Path": f.fill(r.choice(["", "C:\\scripts\\{w}.ps1", "C:\\Program Files\\WindowsPowerShell\\Modules\\PSReadLine\\2.0.0\\PSReadLine.psm1"]), u)}
    if kind == "4103":
        return ("Microsoft-Windows-PowerShell/Operational", 4103, "Microsoft-Windows-PowerShell"), {
            "ContextInfo": "        Severity = Informational\r\n        Host Name = ConsoleHost\r\n        Host Application = C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\r\n        User = %s\r\n" % user,
            "Payload": f.fill(r.choice(['CommandInvocation(Get-Service): "Get-Service"\r\nParameterBinding(Get-Service): name="Name"; value="{w}"',
                                        'CommandInvocation(Out-Default): "Out-Default"'])), "UserData": ""}
    if kind == "app1000":
        return ("Application", 1000, "Application Error"), {"AppName": r.choice(["chrome.exe", "OUTLOOK.EXE", "Teams.exe"]), "AppVersion": "16.0.%d.20000" % r.randint(1000, 9999),
                                                            "ModuleName": r.choice(["ntdll.dll", "KERNELBASE.dll", "mso20win32client.dll"]),
                                                            "ExceptionCode": r.choice(["c0000005", "c0000409", "e0434352"]), "Data": ""}
    if kind == "def1116":
        return ("Microsoft-Windows-Windows Defender/Operational", 1116, "Microsoft-Windows-Windows Defender"), {
            "Threat Name": "PUA:Win32/Presenoker", "ThreatName": "PUA:Win32/Presenoker", "Severity Name": "Low",
            "Path": f.fill("file:_C:\\Users\\{u}\\Downloads\\{w}setup.exe", u), "Process Name": "C:\\Windows\\explorer.exe"}
    raise ValueError(kind)


MIX = [("s1", 28), ("s3", 10), ("s5", 4), ("s7", 13), ("s10", 4), ("s11", 9), ("s12", 4), ("s13", 8), ("s22", 5),
       ("4624", 3), ("4625", 0.6), ("4672", 1.5), ("4688", 2), ("4698", 0.1), ("4768", 0.6), ("4769", 1.2), ("5145", 1),
       ("7045", 0.1), ("4104", 4), ("4103", 1), ("app1000", 0.2), ("def1116", 0.05)]
# the kind whose fields a crafted event of a log source starts from
SOURCE_KIND = {"process_creation": "s1", "process_termination": "s5", "network_connection": "s3", "image_load": "s7",
               "driver_load": "s7", "process_access": "s10", "create_remote_thread": "s10", "file_event": "s11",
               "file_delete": "s11", "file_change": "s11", "create_stream_hash": "s11", "registry_set": "s13",
               "registry_event": "s13", "registry_add": "s12", "registry_delete": "s12", "dns_query": "s22",
               "ps_script": "4104", "ps_module": "4103", "service_install": "7045", "application": "app1000",
               "windefend": "def1116", "security": "4624", "system": "7045"}


# ---- crafting an event from a rule ----------------------------------------------------------

def ls_assign(expr):
    """Field values that satisfy the first alternative of a std.windows log source."""
    top = re.split(r"\)\s*or\s*\(|\s+or\s+", expr)[0]
    out = {}
    for m in re.finditer(r'([A-Za-z_]+)\s*(==|in)\s*(\[[^\]]*\]|"[^"]*"|-?\d+)', top):
        v = m.group(3)
        if v.startswith("["):
            v = re.findall(r'"[^"]*"|-?\d+', v)[0]
        out[m.group(1)] = v.strip('"') if v.startswith('"') else int(v)
    return out


def flip(r, s):
    return "".join(c.swapcase() if c.isascii() and c.isalpha() and r.random() < 0.3 else c for c in s)


def fill_wild(r, toks):
    return "".join(t[1] if t[0] == "lit" else (r.choice(WORDS) if t[0] == "*" else "x") for t in toks)


def craft(r, ast, ev, types):
    """Set fields of ev so that the positive parts of ast hold (best effort)."""
    parts = {}  # field -> {'eq':..., 'starts':..., 'ends':..., 'contains':[...]}

    def walk(e):
        k = e[0]
        if k == "and":
            for x in e[1]:
                walk(x)
        elif k == "or":
            walk(r.choice(e[1]))
        elif k in ("not", "true", "false", "re"):
            return
        elif k == "null" or (k == "exists" and not e[2]):
            ev.pop(e[1], None)
            parts.pop(e[1], None)
        elif k == "exists":
            ev.setdefault(e[1], "x")
        elif k == "int":
            n = int(float(e[3]))
            ev[e[1]] = {"=": n, ">": n + 1, ">=": n, "<": n - 1, "<=": n}[e[2]]
        elif k == "cidr":
            net = ipaddress.ip_network(e[2], strict=False)
            ev[e[1]] = str(net.network_address + (1 if net.num_addresses > 2 else 0))
        elif k == "fieldref":
            ev[e[2]] = ev.get(e[1], "x")
        elif k == "str":
            _, f, op, toks, cased = e
            v = fill_wild(r, toks)
            if not cased:
                v = flip(r, v)
            p = parts.setdefault(f, {"contains": []})
            if op == "eq":
                p["eq"] = v
            elif op == "startswith":
                p["starts"] = v
            elif op == "endswith":
                p["ends"] = v
            else:
                p["contains"].append(v)

    walk(ast)
    for f, p in parts.items():
        if "eq" in p:
            ev[f] = p["eq"]
            continue
        mid = " ".join(p["contains"])
        if "starts" not in p and "ends" not in p:
            base = ev.get(f)
            ev[f] = (base + " " + mid) if isinstance(base, str) and base else mid
        else:
            ev[f] = p.get("starts", "") + (" " + mid + " " if mid else "") + p.get("ends", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus")
    ap.add_argument("--windows")
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth")
    a = ap.parse_args()
    r = random.Random(a.seed)
    f = Fleet(r)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    crafted = []  # (id, source, ast)
    if a.corpus:
        types, sources = sigma_sql.read_windows_hn(a.windows)
        conv = sigma_sql.Conv(types)
        for path, rid, _ in sigma_sql.corpus_rules(a.corpus):
            try:
                yid, source, ast = conv.rule(path)
            except sigma_sql.Untranslatable:
                continue
            crafted.append((rid, source, ast, ls_assign(sources.get(source, ""))))
    n = a.events
    slots = {}
    if crafted:
        pos = r.sample(range(n), min(len(crafted), n))
        slots = dict(zip(pos, crafted))
    t = 1714521600.0  # 2024-05-01T00:00:00Z
    import time as _time
    truth = open(a.truth, "w") if a.truth else None
    with open(a.out, "w", encoding="utf-8") as out:
        for i in range(n):
            t += r.expovariate(1 / 0.02)
            c = slots.get(i)
            kind = SOURCE_KIND.get(c[1]) if c else r.choices(kinds, weights)[0]
            (chan, eid, prov), ed = gen_event(f, kind) if kind else (("", 0, "Microsoft-Windows-" + c[1]), {})
            sysf = {"EventID": eid, "Channel": chan, "Provider_Name": prov, "Computer": r.choice(f.hosts),
                    "TimeCreated": _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6),
                    "EventRecordID": 1000000 + i}
            if "UtcTime" in ed:
                ed["UtcTime"] = sysf["TimeCreated"][:23].replace("T", " ")
            ev = dict(sysf, **ed)
            if c:
                rid, source, ast, ls = c
                ev.update(ls)
                craft(r, ast, ev, None)
                if truth:
                    truth.write("%d\t%s\n" % (i + 1, rid))
            out.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")
    if truth:
        truth.close()
    print("gen_winevents: %d events (%d crafted from rules) -> %s" % (n, len(slots), a.out))


if __name__ == "__main__":
    main()
