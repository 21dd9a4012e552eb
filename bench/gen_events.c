// gen_events.c - seeded generator of a mixed ECS event stream (nested JSON Lines) for the
// hornet benchmark.
//
//   gen_events --seed 1 --events 200000 --attacks 2000 --witness out/bench_2000.witness
//              --truth out/truth.tsv > out/events.jsonl
//
// Background: process starts (Windows and Linux), network connections, DNS, web proxy,
// authentication success and failure, file creation, registry changes, from 5,000 hosts and
// 8,000 users, @timestamp increasing. Attacks: --attacks events spread over the stream, the
// k-th built from witness k mod W (a base event of the witness's kind with the witness's fields
// set or removed; gen_rules.py checked that each witness satisfies its rule). The ground
// truth file gets one `line<TAB>rule` per attack (lines count from 1). --events counts all lines.
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---------------------------------------------------------------------------------------------
// random numbers (splitmix64)
static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }
static bool chance(double p) { return (double)(rnd() >> 11) / 9007199254740992.0 < p; }
#define PICK(a) (a[rn(sizeof(a) / sizeof(a[0]))])

// ---------------------------------------------------------------------------------------------
// an event: ordered (dotted path, raw JSON value) pairs, emitted as nested JSON
#define MAXF 64
#define MAXV 1536
typedef struct {
  char path[80];
  char val[MAXV];
} kv;
typedef struct {
  kv f[MAXF];
  int n;
} event;

static int find(event *e, const char *path) {
  for (int i = 0; i < e->n; i++)
    if (strcmp(e->f[i].path, path) == 0) return i;
  return -1;
}
static char *slot(event *e, const char *path) {
  int i = find(e, path);
  if (i < 0) {
    if (e->n == MAXF) { fprintf(stderr, "gen_events: too many fields\n"); exit(1); }
    i = e->n++;
    snprintf(e->f[i].path, sizeof e->f[i].path, "%s", path);
  }
  return e->f[i].val;
}
static void del(event *e, const char *path) {
  int i = find(e, path);
  if (i < 0) return;
  memmove(&e->f[i], &e->f[i + 1], (size_t)(e->n - i - 1) * sizeof(kv));
  e->n--;
}
static void json_esc(char *out, size_t cap, const char *s) {
  size_t o = 0;
  out[o++] = '"';
  for (; *s && o + 8 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
    else if (c < 0x20) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
    else out[o++] = (char)c;
  }
  out[o++] = '"';
  out[o] = 0;
}
static void raw(event *e, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(slot(e, path), MAXV, fmt, ap);
  va_end(ap);
}
static void str(event *e, const char *path, const char *fmt, ...) {
  char tmp[MAXV];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  json_esc(slot(e, path), MAXV, tmp);
}
static void emit_level(FILE *o, event *e, const int *idx, int n, size_t *off) {
  bool used[MAXF] = {0}, first = true;
  fputc('{', o);
  for (int i = 0; i < n; i++) {
    if (used[i]) continue;
    const char *p = e->f[idx[i]].path + off[idx[i]];
    size_t seg = strcspn(p, ".");
    int grp[MAXF], g = 0;
    for (int j = i; j < n; j++) {
      const char *q = e->f[idx[j]].path + off[idx[j]];
      if (!used[j] && strncmp(q, p, seg) == 0 && (q[seg] == '.' || q[seg] == 0)) {
        grp[g++] = idx[j];
        used[j] = true;
      }
    }
    if (!first) fputc(',', o);
    first = false;
    fprintf(o, "\"%.*s\":", (int)seg, p);
    if (g == 1 && p[seg] == 0) {
      fputs(e->f[grp[0]].val, o);
    } else {
      for (int k = 0; k < g; k++) off[grp[k]] += seg + 1;
      emit_level(o, e, grp, g, off);
    }
  }
  fputc('}', o);
}
static void emit(FILE *o, event *e) {
  int idx[MAXF];
  size_t off[MAXF] = {0};
  for (int i = 0; i < e->n; i++) idx[i] = i;
  emit_level(o, e, idx, e->n, off);
  fputc('\n', o);
}

// ---------------------------------------------------------------------------------------------
// pools
static const char *FIRST[] = {"anna", "ben", "carla", "david", "emma", "felix", "greta", "hugo", "ines", "jonas",
                              "katrin", "lukas", "mia", "noah", "olga", "paul", "rita", "sven", "tina", "uwe",
                              "vera", "wim", "xenia", "yusuf", "zoe", "marc", "lea", "tom", "nina", "omar"};
static const char *LAST[] = {"keller", "schmidt", "meyer", "wagner", "becker", "hoffmann", "koch", "richter",
                             "klein", "wolf", "neumann", "schwarz", "zimmermann", "braun", "hartmann", "lange",
                             "werner", "krause", "lehmann", "walter", "fischer", "weber", "bauer", "roth",
                             "martin", "dubois", "rossi", "garcia", "smith", "jones", "brown", "nowak"};
static const char *DEPT[] = {"fin", "hr", "eng", "ops", "sales", "it", "lab", "mkt", "legal", "sup"};
#define NHOSTS 5000
#define NUSERS 8000
static char hosts[NHOSTS][32], users[NUSERS][40];
static int host_os[NHOSTS];  // 0 windows workstation, 1 windows server, 2 linux

typedef struct {
  const char *parent, *name, *exe, *cmd, *signer;
} proc_t;
static const proc_t WPROCS[] = {
    {"explorer.exe", "chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
     "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --field-trial-handle=%u",
     "Google LLC"},
    {"explorer.exe", "msedge.exe", "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
     "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --single-argument https://intranet.acme-corp.com/%u",
     "Microsoft Corporation"},
    {"explorer.exe", "winword.exe", "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
     "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n \"C:\\Users\\%s\\Documents\\report-%u.docx\"",
     "Microsoft Corporation"},
    {"explorer.exe", "excel.exe", "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE",
     "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE\" \"C:\\Users\\%s\\Downloads\\budget-%u.xlsx\"",
     "Microsoft Corporation"},
    {"services.exe", "svchost.exe", "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule %s%u",
     "Microsoft Windows"},
    {"winword.exe", "splwow64.exe", "C:\\Windows\\splwow64.exe", "C:\\Windows\\splwow64.exe 12288 %s%u", "Microsoft Windows"},
    {"explorer.exe", "teams.exe", "C:\\Users\\%s\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe",
     "\"C:\\Users\\%s\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe\" --process-start-args --system-initiated %u",
     "Microsoft Corporation"},
    {"ccmexec.exe", "powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
     "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Windows\\CCM\\SystemTemp\\%s-inventory-%u.ps1",
     "Microsoft Windows"},
    {"explorer.exe", "cmd.exe", "C:\\Windows\\System32\\cmd.exe", "cmd.exe /c \"C:\\Program Files\\Backup\\nightly.bat\" %s %u",
     "Microsoft Windows"},
    {"explorer.exe", "code.exe", "C:\\Users\\%s\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe",
     "\"C:\\Users\\%s\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe\" --folder-uri file:///C:/src/proj%u",
     "Microsoft Corporation"},
    {"services.exe", "msiexec.exe", "C:\\Windows\\System32\\msiexec.exe", "C:\\Windows\\system32\\msiexec.exe /V %s%u",
     "Microsoft Windows"},
    {"explorer.exe", "rundll32.exe", "C:\\Windows\\System32\\rundll32.exe",
     "rundll32.exe shell32.dll,Control_RunDLL desk.cpl,,%s%u", "Microsoft Windows"},
    {"svchost.exe", "taskhostw.exe", "C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe Install $(Arg0) %s%u",
     "Microsoft Windows"},
    {"explorer.exe", "onedrive.exe", "C:\\Users\\%s\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
     "\"C:\\Users\\%s\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background /sync%u", "Microsoft Corporation"},
    {"services.exe", "certutil.exe", "C:\\Windows\\System32\\certutil.exe", "certutil.exe -verify -urlfetch C:\\certs\\%s-%u.cer",
     "Microsoft Windows"},
    {"cmd.exe", "reg.exe", "C:\\Windows\\System32\\reg.exe",
     "reg.exe query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall /s /f %s%u", "Microsoft Windows"},
    {"explorer.exe", "notepad.exe", "C:\\Windows\\System32\\notepad.exe", "notepad.exe C:\\Users\\%s\\Desktop\\notes-%u.txt",
     "Microsoft Windows"},
    {"explorer.exe", "outlook.exe", "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE",
     "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE\" /recycle %s%u", "Microsoft Corporation"},
    {"services.exe", "wmiprvse.exe", "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe", "C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding %s%u",
     "Microsoft Windows"},
    {"explorer.exe", "python.exe", "C:\\Python311\\python.exe", "python.exe C:\\tools\\%s\\sync_reports.py --day %u", NULL},
};
static const proc_t LPROCS[] = {
    {"systemd", "sshd", "/usr/sbin/sshd", "/usr/sbin/sshd -D -R %s%u", NULL},
    {"sshd", "bash", "/usr/bin/bash", "-bash %s%u", NULL},
    {"cron", "sh", "/usr/bin/sh", "/bin/sh -c /usr/local/bin/backup.sh --user %s --job %u", NULL},
    {"bash", "python3", "/usr/bin/python3.11", "python3 /opt/app/%s/manage.py migrate --run %u", NULL},
    {"systemd", "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "java -Xmx2g -jar /opt/%s/service.jar --port %u", NULL},
    {"systemd", "nginx", "/usr/sbin/nginx", "nginx: worker process %s %u", NULL},
    {"bash", "curl", "/usr/bin/curl", "curl -s https://repo.acme-corp.com/%s/health?id=%u", NULL},
    {"apt-get", "dpkg", "/usr/bin/dpkg", "/usr/bin/dpkg --status-fd 35 --configure %s-%u", NULL},
    {"bash", "git", "/usr/bin/git", "git -C /srv/%s pull --ff-only origin main%u", NULL},
    {"containerd-shim", "node", "/usr/local/bin/node", "node /app/%s/server.js --worker %u", NULL},
};
static const char *DOMAINS[] = {"microsoft.com", "office365.com", "google.com", "github.com", "slack.com", "zoom.us",
                                "amazonaws.com", "windowsupdate.com", "akamaiedge.net", "acme-corp.com",
                                "salesforce.com", "cloudflare.com", "okta.com", "atlassian.net", "apple.com",
                                "linkedin.com", "gstatic.com", "azureedge.net", "digicert.com", "wikipedia.org"};
static const char *SUBS[] = {"www", "login", "api", "cdn", "mail", "portal", "update", "static", "auth", "files"};
static const char *UAS[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)",
    "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.33"};
static const char *PATHS[] = {"/", "/index.html", "/api/v2/items", "/login", "/static/app.js", "/search",
                              "/images/logo.png", "/download/installer.msi", "/en-us/docs", "/graphql"};
static const char *EXTS[] = {"docx", "xlsx", "pdf", "tmp", "log", "txt", "png", "csv", "dll", "exe", "zip", "pptx"};

static uint32_t public_ip(void) {
  static const uint8_t first[] = {13, 20, 23, 34, 35, 40, 52, 104, 140, 142, 151, 157, 172, 199};
  uint8_t a = PICK(first);
  uint8_t b = a == 172 ? (uint8_t)(217 + rn(10)) : (uint8_t)rn(256);
  return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)rn(256) << 8 | (1 + rn(254));
}
static uint32_t host_ip(int h) { return 10u << 24 | (uint32_t)(h / 250) << 16 | (uint32_t)(h % 250 + 1); }
static void ipstr(char *b, uint32_t ip) {
  sprintf(b, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}
static void hex(char *b, int n) {
  static const char d[] = "0123456789abcdef";
  for (int i = 0; i < n; i++) b[i] = d[rn(16)];
  b[n] = 0;
}

// ---------------------------------------------------------------------------------------------
// base events
enum { K_PROCESS, K_LINUX, K_NETWORK, K_DNS, K_WEB, K_AUTH, K_FILE, K_REGISTRY, K_N };
static const char *KIND_NAMES[] = {"process", "linux", "network", "dns", "web", "auth", "file", "registry"};

static void common(event *e, const char *ts, int h, int u, const char *cat, const char *type, const char *action,
                   const char *dataset) {
  str(e, "@timestamp", "%s", ts);
  raw(e, "event.category", "[\"%s\"]", cat);
  raw(e, "event.type", "[\"%s\"]", type);
  str(e, "event.action", "%s", action);
  str(e, "event.dataset", "%s", dataset);
  str(e, "host.name", "%s", hosts[h]);
  bool lin = host_os[h] == 2;
  str(e, "host.os.type", lin ? "linux" : "windows");
  char ip[20];
  ipstr(ip, host_ip(h));
  raw(e, "host.ip", "[\"%s\"]", ip);
  str(e, "user.name", "%s", users[u]);
}

static void process_fields(event *e, const proc_t *p, int u, bool win) {
  char buf[600], sha[70];
  unsigned n = rn(100000);
  str(e, "process.name", "%s", p->name);
  snprintf(buf, sizeof buf, p->exe, users[u]);
  str(e, "process.executable", "%s", buf);
  if (strstr(p->cmd, "%s"))
    snprintf(buf, sizeof buf, p->cmd, users[u], n);
  else
    snprintf(buf, sizeof buf, p->cmd, n);
  str(e, "process.command_line", "%s", buf);
  raw(e, "process.pid", "%u", 1000 + rn(60000));
  str(e, "process.parent.name", "%s", p->parent);
  hex(sha, 64);
  str(e, "process.hash.sha256", "%s", sha);
  if (win) {
    char ofn[64];
    snprintf(ofn, sizeof ofn, "%s", p->name);
    str(e, "process.pe.original_file_name", "%s", ofn);
    if (p->signer) {
      str(e, "process.code_signature.subject_name", "%s", p->signer);
      raw(e, "process.code_signature.signed", "true");
    } else {
      raw(e, "process.code_signature.signed", "false");
    }
  }
}

static void make(event *e, int kind, const char *ts) {
  e->n = 0;
  int h = (int)rn(NHOSTS), u = (int)rn(NUSERS);
  if (kind == K_LINUX && host_os[h] != 2) h = (h / 10) * 10 + 9;          // every 10th host is linux
  if (kind != K_LINUX && kind != K_NETWORK && kind != K_WEB && kind != K_AUTH && host_os[h] == 2)
    h = (h / 10) * 10;
  char ip[20], ip2[20];
  switch (kind) {
  case K_PROCESS: {
    common(e, ts, h, u, "process", "start", "start", "endpoint.events.process");
    process_fields(e, &PICK(WPROCS), u, true);
    break;
  }
  case K_LINUX: {
    common(e, ts, h, u, "process", "start", "exec", "endpoint.events.process");
    process_fields(e, &PICK(LPROCS), u, false);
    str(e, "process.working_directory", "/home/%s", users[u]);
    break;
  }
  case K_NETWORK: {
    common(e, ts, h, u, "network", "connection", "connection_attempted", "endpoint.events.network");
    static const char *pn[] = {"chrome.exe", "svchost.exe", "teams.exe", "outlook.exe", "onedrive.exe", "msedge.exe",
                               "lsass.exe", "java"};
    static const int ports[] = {443, 443, 443, 80, 53, 445, 3389, 8080, 135, 22};
    int port = PICK(ports);
    bool internal = port == 445 || port == 3389 || port == 135 || port == 53 || port == 22 || chance(0.2);
    ipstr(ip, host_ip(h));
    ipstr(ip2, internal ? host_ip((int)rn(NHOSTS)) : public_ip());
    str(e, "source.ip", "%s", ip);
    raw(e, "source.port", "%u", 49152 + rn(16000));
    str(e, "destination.ip", "%s", ip2);
    raw(e, "destination.port", "%d", port);
    str(e, "network.transport", port == 53 ? "udp" : "tcp");
    str(e, "network.protocol", "%s", port == 443 ? "tls" : port == 80 || port == 8080 ? "http" : port == 53 ? "dns"
                                     : port == 445 ? "smb" : port == 3389 ? "rdp" : port == 22 ? "ssh" : "dcerpc");
    str(e, "network.direction", internal ? "internal" : "outbound");
    str(e, "process.name", "%s", PICK(pn));
    raw(e, "process.pid", "%u", 1000 + rn(60000));
    raw(e, "destination.bytes", "%u", rn(200000));
    break;
  }
  case K_DNS: {
    common(e, ts, h, u, "network", "protocol", "lookup_result", "endpoint.events.network");
    const char *d = PICK(DOMAINS);
    char q[128];
    snprintf(q, sizeof q, "%s.%s", PICK(SUBS), d);
    str(e, "dns.question.name", "%s", q);
    str(e, "dns.question.type", chance(0.8) ? "A" : "AAAA");
    str(e, "dns.question.registered_domain", "%s", d);
    str(e, "dns.response_code", "NOERROR");
    ipstr(ip, public_ip());
    ipstr(ip2, public_ip());
    raw(e, "dns.answers", "[{\"data\":\"%s\",\"type\":\"A\",\"ttl\":%u},{\"data\":\"%s\",\"type\":\"A\",\"ttl\":%u}]", ip,
        rn(3600), ip2, rn(3600));
    str(e, "network.protocol", "dns");
    str(e, "process.name", "svchost.exe");
    break;
  }
  case K_WEB: {
    common(e, ts, h, u, "web", "access", "proxy_request", "proxy.access");
    raw(e, "event.category", "[\"web\",\"network\"]");
    const char *d = PICK(DOMAINS);
    const char *p = PICK(PATHS);
    char dom[128];
    snprintf(dom, sizeof dom, "%s.%s", PICK(SUBS), d);
    unsigned q = rn(1000000);
    str(e, "url.original", "https://%s%s?id=%u&lang=en", dom, p, q);
    str(e, "url.domain", "%s", dom);
    str(e, "url.path", "%s", p);
    static const char *meth[] = {"GET", "GET", "GET", "POST", "HEAD"};
    const char *m = PICK(meth);
    str(e, "http.request.method", "%s", m);
    raw(e, "http.request.bytes", "%u", m[0] == 'P' ? 500 + rn(200000) : 300 + rn(900));
    static const int st[] = {200, 200, 200, 304, 302, 404, 403, 500};
    raw(e, "http.response.status_code", "%d", PICK(st));
    str(e, "user_agent.original", "%s", PICK(UAS));
    ipstr(ip, host_ip(h));
    ipstr(ip2, public_ip());
    str(e, "source.ip", "%s", ip);
    str(e, "destination.ip", "%s", ip2);
    break;
  }
  case K_AUTH: {
    bool ok = chance(0.85);
    common(e, ts, h, u, "authentication", "start", "logged-in", "system.security");
    str(e, "event.outcome", ok ? "success" : "failure");
    raw(e, "winlog.event_id", ok ? "4624" : "4625");
    static const char *lt[][2] = {{"Network", "3"}, {"Interactive", "2"}, {"RemoteInteractive", "10"},
                                  {"Network", "3"}, {"CachedInteractive", "11"}};
    int k = (int)rn(5);
    str(e, "winlog.logon.type", "%s", lt[k][0]);
    str(e, "winlog.event_data.LogonType", "%s", lt[k][1]);
    str(e, "winlog.event_data.TargetUserName", "%s", users[u]);
    str(e, "winlog.event_data.TargetDomainName", "ACME");
    if (!ok) str(e, "winlog.event_data.Status", chance(0.02) ? "0xC000006A" : "0xC000006D");
    bool ext = chance(0.05);
    ipstr(ip, ext ? public_ip() : host_ip((int)rn(NHOSTS)));
    str(e, "source.ip", "%s", ip);
    str(e, "winlog.computer_name", "%s.acme-corp.com", hosts[h]);
    break;
  }
  case K_FILE: {
    common(e, ts, h, u, "file", "creation", "creation", "endpoint.events.file");
    const char *x = PICK(EXTS);
    char name[64], path[256];
    snprintf(name, sizeof name, "%s-%u.%s", PICK(LAST), rn(10000), x);
    static const char *dirs[] = {"C:\\Users\\%s\\Documents", "C:\\Users\\%s\\Downloads",
                                 "C:\\Users\\%s\\AppData\\Local\\Temp", "C:\\Program Files\\Acme\\%s",
                                 "C:\\Windows\\Temp\\%s", "C:\\ProgramData\\Microsoft\\%s"};
    char dir[160];
    snprintf(dir, sizeof dir, PICK(dirs), users[u]);
    snprintf(path, sizeof path, "%s\\%s", dir, name);
    str(e, "file.path", "%s", path);
    str(e, "file.name", "%s", name);
    str(e, "file.extension", "%s", x);
    str(e, "file.directory", "%s", dir);
    raw(e, "file.size", "%u", rn(5000000));
    char sha[70];
    hex(sha, 64);
    str(e, "file.hash.sha256", "%s", sha);
    static const char *pn[] = {"explorer.exe", "chrome.exe", "outlook.exe", "winword.exe", "msiexec.exe", "svchost.exe"};
    str(e, "process.name", "%s", PICK(pn));
    break;
  }
  case K_REGISTRY: {
    common(e, ts, h, u, "registry", "change", "modification", "endpoint.events.registry");
    static const char *keys[][3] = {
        {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", "OneDrive",
         "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background"},
        {"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs", "MRUListEx", "0a000000"},
        {"SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU", "NoAutoUpdate", "0"},
        {"SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings", "SequenceNumber", "42"},
        {"SOFTWARE\\Microsoft\\Office\\16.0\\Common\\Roaming", "LastSync", "20240514"},
        {"SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates", "SignaturesLastUpdated", "1.411.212.0"}};
    int k = (int)rn(6);
    str(e, "registry.hive", "HKLM");
    str(e, "registry.key", "%s", keys[k][0]);
    str(e, "registry.value", "%s", keys[k][1]);
    str(e, "registry.path", "HKLM\\%s\\%s", keys[k][0], keys[k][1]);
    char d[300];
    json_esc(d, sizeof d, keys[k][2]);
    raw(e, "registry.data.strings", "[%s]", d);
    static const char *pn[] = {"svchost.exe", "explorer.exe", "msiexec.exe", "onedrive.exe", "MsMpEng.exe"};
    str(e, "process.name", "%s", PICK(pn));
    break;
  }
  }
}

// ---------------------------------------------------------------------------------------------
// witnesses
typedef struct {
  char rule[64];
  int kind;
  int n;
  char *path[32];
  char *val[32];
} witness;

static witness *load_witnesses(const char *file, int *count) {
  FILE *f = fopen(file, "r");
  if (!f) { perror(file); exit(1); }
  witness *w = NULL;
  int n = 0, cap = 0;
  char *line = NULL;
  size_t lcap = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, f)) > 0) {
    if (line[len - 1] == '\n') line[--len] = 0;
    if (!len) continue;
    if (n == cap) w = realloc(w, (size_t)(cap = cap ? cap * 2 : 1024) * sizeof *w);
    witness *x = &w[n++];
    memset(x, 0, sizeof *x);
    char *save = NULL, *tok = strtok_r(line, "\t", &save);
    snprintf(x->rule, sizeof x->rule, "%s", tok);
    tok = strtok_r(NULL, "\t", &save);
    x->kind = -1;
    for (int k = 0; k < K_N; k++)
      if (strcmp(tok, KIND_NAMES[k]) == 0) x->kind = k;
    if (x->kind < 0) { fprintf(stderr, "gen_events: unknown kind %s\n", tok); exit(1); }
    while ((tok = strtok_r(NULL, "\t", &save)) && x->n < 32) {
      char *v = strtok_r(NULL, "\t", &save);
      if (!v) break;
      x->path[x->n] = strdup(tok);
      x->val[x->n++] = strdup(v);
    }
  }
  free(line);
  fclose(f);
  *count = n;
  return w;
}

static void usage(void) {
  fprintf(stderr, "usage: gen_events [--seed N] [--events N] [--attacks N] [--witness FILE --truth FILE] [--out FILE]\n"
                  "                  [--assets FILE]\n");
  exit(2);
}

/* The asset inventory of the stream (lang/SPEC.md §14.1): its hosts, with roles, criticality
 * and a few unfixed vulnerabilities, and as many again that the stream never sees (10,000 in
 * all), and the organisation's range. Derived from the host index, not the random stream, so
 * the events are the same with or without it. */
static int write_assets(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs("# generated by bench/gen_events --assets\nhosts:\n", f);
  for (int i = 0; i < NHOSTS * 2; i++) {
    char name[48], ip[20];
    if (i < NHOSTS) {
      snprintf(name, sizeof name, "%s", hosts[i]);
      ipstr(ip, host_ip(i));
    } else {
      snprintf(name, sizeof name, "asset-%05d", i);
      ipstr(ip, 10u << 24 | 200u << 16 | (uint32_t)(i / 250 % 250) << 8 | (uint32_t)(i % 250 + 1));
    }
    const char *role = i < NHOSTS ? (host_os[i] == 0 ? "workstation" : host_os[i] == 1 ? "server" : "linux-server") : "server";
    fprintf(f, "  - {name: %s, ips: [%s], role: %s, business_unit: %s, criticality: %d", name, ip, role,
            DEPT[i % 10], 1 + i % 5);
    if (i % 17 == 0) fprintf(f, ", vulnerabilities: [{id: CVE-2024-%04d, severity: %d}]", i % 9999, 1 + i % 5);
    fputs("}\n", f);
  }
  fputs("ranges:\n  - {cidr: 10.0.0.0/8, business_unit: corporate}\n", f);
  return fclose(f);
}

int main(int argc, char **argv) {
  uint64_t seed = 1;
  long events = 200000, attacks = 0;
  const char *wfile = NULL, *tfile = NULL, *ofile = NULL, *afile = NULL;
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--events")) events = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--attacks")) attacks = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--witness")) wfile = argv[++i];
    else if (!strcmp(argv[i], "--truth")) tfile = argv[++i];
    else if (!strcmp(argv[i], "--out")) ofile = argv[++i];
    else if (!strcmp(argv[i], "--assets")) afile = argv[++i];
    else usage();
  }
  if (attacks && (!wfile || !tfile)) usage();
  if (attacks > events) attacks = events;
  rng_state = seed * 0x2545F4914F6CDD1DULL + 1;
  for (int i = 0; i < NHOSTS; i++) {
    host_os[i] = i % 10 == 9 ? 2 : i % 10 == 8 ? 1 : 0;
    const char *pre = host_os[i] == 2 ? "lnx" : host_os[i] == 1 ? "srv" : "ws";
    snprintf(hosts[i], sizeof hosts[i], "%s-%s-%04d", pre, DEPT[i % 10], i);
  }
  for (int i = 0; i < NUSERS; i++)
    snprintf(users[i], sizeof users[i], "%c.%s%s", PICK(FIRST)[0], PICK(LAST), i < 1000 ? "" : (char[4]){
        (char)('0' + i / 1000 % 10), (char)('0' + i % 10), 0, 0});
  if (afile && write_assets(afile) != 0) { perror("gen_events: --assets"); return 1; }
  int nw = 0;
  witness *w = wfile ? load_witnesses(wfile, &nw) : NULL;
  if (attacks && !nw) { fprintf(stderr, "gen_events: no witnesses\n"); return 1; }
  FILE *out = ofile ? fopen(ofile, "w") : stdout;
  FILE *truth = tfile ? fopen(tfile, "w") : NULL;
  if (!out || (tfile && !truth)) { perror("gen_events"); return 1; }
  static char obuf[1 << 20];
  setvbuf(out, obuf, _IOFBF, sizeof obuf);

  // mix: process 30%, linux 6%, network 20%, dns 14%, web 14%, auth 8%, file 5%, registry 3%
  static const int mix[] = {30, 6, 20, 14, 14, 8, 5, 3};
  int64_t t_ms = 1715673600000LL;  // 2024-05-14T08:00:00Z
  double stride = attacks ? (double)events / (double)attacks : 0;
  long next_attack_k = 0;
  long next_attack_line = attacks ? (long)(stride * rnd() / 18446744073709551616.0) : -1;
  static event e;
  for (long line = 0; line < events; line++) {
    t_ms += rn(3);
    time_t s = (time_t)(t_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char ts[80];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(t_ms % 1000));
    if (line == next_attack_line) {
      witness *x = &w[next_attack_k % nw];
      make(&e, x->kind, ts);
      for (int i = 0; i < x->n; i++) {
        if (!strcmp(x->val[i], "~DEL~")) del(&e, x->path[i]);
        else snprintf(slot(&e, x->path[i]), MAXV, "%s", x->val[i]);
      }
      fprintf(truth, "%ld\t%s\n", line + 1, x->rule);
      next_attack_k++;
      next_attack_line = next_attack_k < attacks
                             ? (long)(stride * (double)next_attack_k + stride * (double)(rnd() >> 11) / 9007199254740992.0)
                             : -1;
      if (next_attack_line <= line && next_attack_k < attacks) next_attack_line = line + 1;
    } else {
      int r = (int)rn(100), k = 0;
      while (r >= mix[k]) r -= mix[k++];
      make(&e, k, ts);
    }
    emit(out, &e);
  }
  if (truth) fclose(truth);
  if (fflush(out) != 0) { perror("gen_events"); return 1; }
  if (out != stdout) fclose(out);
  return 0;
}
