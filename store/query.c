/* query.c - reading the case store for people (text) and tools (one JSON document): the list of
 * cases with filters, one case in full (alerts, entities, assets, history, playbook steps, SLA
 * clocks), and the live queue per domain with its WIP use. SLA clocks are read at `now`.
 * Depends on the store's tables (schema.c) and the SLA clocks (sla.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static const char *const sev_names[] = {"unknown", "info", "low", "medium", "high", "critical"};

static const char *sev_name(int s) { return sev_names[s >= 0 && s <= 5 ? s : 0]; }

/* "triage due in 12m", "triage overdue by 2h", "breached", "-": the clock in a few words. */
static void clock_text(const hns_clock *c, int64_t now, char *out, size_t cap) {
  char d[32];
  if (c->due == INT64_MAX) {
    snprintf(out, cap, "%s", c->breaches ? "breached" : "-");
    return;
  }
  hns_duration(c->due > now ? c->due - now : now - c->due, d, sizeof d);
  snprintf(out, cap, "%s%s %s %s", c->breaches ? "breached; " : "", c->state, c->due >= now ? "due in" : "overdue by", d);
}

static void clock_json(FILE *f, const hns_clock *c) {
  fprintf(f, "{\"breached\":%s,\"breaches\":%u,\"next\":", c->breached ? "true" : "false", c->breaches);
  if (c->due == INT64_MAX) {
    fputs("null}", f);
    return;
  }
  fputs("{\"state\":", f);
  hns_json(f, c->state);
  fputs(",\"due\":", f);
  hns_json_time(f, c->due);
  fputs("}}", f);
}

/* ---- list ------------------------------------------------------------------------------------------ */
enum { L_ID, L_DOMAIN, L_SERVICE, L_STATE, L_ASSIGNEE, L_SCORE, L_SEV, L_ALERTS, L_DETECTED, L_LAST, L_CLOSED,
       L_MERGED, L_ASSET, L_WHY };
static const char list_sql[] =
  "SELECT id, domain, service, state, assignee, score, severity, alerts, detected_at, last_seen, closed_at,"
  " merged_into, asset, why FROM incidents"
  " WHERE (?1 IS NULL OR domain = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR assignee = ?3)"
  " AND (?4 OR closed_at IS NULL) ORDER BY closed_at IS NOT NULL, score DESC, first_seen, id";

static void list_json_row(FILE *f, sqlite3_stmt *s, const hns_clock *c, bool first) {
  fputs(first ? "\n{\"id\":" : ",\n{\"id\":", f);
  hns_json(f, hns_text(s, L_ID));
  const struct { const char *name; int col; } strs[] = {{"domain", L_DOMAIN}, {"service", L_SERVICE}, {"state", L_STATE},
                                                       {"assignee", L_ASSIGNEE}, {"merged_into", L_MERGED},
                                                       {"asset", L_ASSET}, {"why", L_WHY}};
  for (size_t k = 0; k < sizeof strs / sizeof *strs; k++) {
    fprintf(f, ",\"%s\":", strs[k].name);
    hns_json(f, (const char *)sqlite3_column_text(s, strs[k].col));
  }
  fprintf(f, ",\"score\":%.10g,\"severity\":\"%s\",\"alerts\":%d,\"detected_at\":", sqlite3_column_double(s, L_SCORE),
          sev_name(sqlite3_column_int(s, L_SEV)), sqlite3_column_int(s, L_ALERTS));
  hns_json_time(f, hns_time(s, L_DETECTED));
  fputs(",\"last_seen\":", f);
  hns_json_time(f, hns_time(s, L_LAST));
  fputs(",\"closed_at\":", f);
  hns_json_time(f, hns_time(s, L_CLOSED));
  fputs(",\"sla\":", f);
  clock_json(f, c);
  fputc('}', f);
}

static void list_text_row(FILE *f, sqlite3_stmt *s, const hns_clock *c, int64_t now) {
  char clock[200];
  clock_text(c, now, clock, sizeof clock);
  const char *who = hns_text(s, L_ASSIGNEE);
  fprintf(f, "%-11s %-14s %-13s %-10s %8.4g %-8s %6d  %s\n", hns_text(s, L_ID), hns_text(s, L_DOMAIN),
          hns_text(s, L_STATE), *who ? who : "-", sqlite3_column_double(s, L_SCORE), sev_name(sqlite3_column_int(s, L_SEV)),
          sqlite3_column_int(s, L_ALERTS), clock);
}

hn_status hns_list(hns_store *st, const hns_filter *f, int64_t now, bool json, FILE *out) {
  if (hns_sla_catch_up(st, now) != HN_OK) return HN_ERR_IO;
  sqlite3_stmt *s = hns_prepare(st, list_sql);
  if (!s) return HN_ERR_IO;
  const char *args[] = {f->domain, f->state, f->assignee};
  for (int k = 0; k < 3; k++)
    if (args[k]) sqlite3_bind_text(s, k + 1, args[k], -1, SQLITE_STATIC);
  sqlite3_bind_int(s, 4, f->closed);
  if (json) fputs("{\"now\":", out), hns_json_time(out, now), fputs(",\"incidents\":[", out);
  else fprintf(out, "%-11s %-14s %-13s %-10s %8s %-8s %6s  %s\n", "ID", "DOMAIN", "STATE", "ASSIGNEE", "SCORE", "SEVERITY",
               "ALERTS", "SLA");
  int rc, shown = 0;
  hn_status hs = HN_OK;
  while (hs == HN_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    hns_clock c;
    if ((hs = hns_sla_clock(st, hns_text(s, L_ID), now, &c)) != HN_OK) break;
    if (f->breached && !c.breached) continue;
    if (json) list_json_row(out, s, &c, shown == 0);
    else list_text_row(out, s, &c, now);
    shown++;
  }
  sqlite3_finalize(s);
  if (hs != HN_OK) return hs;
  if (rc != SQLITE_DONE) return hns_fail(st, "listing incidents");
  if (json) fputs("\n]}\n", out);
  else if (!shown) fputs("(no incidents)\n", out);
  return HN_OK;
}

/* ---- show -------------------------------------------------------------------------------------------- */
/* A statement over one incident (?1), stepped by the caller. */
static sqlite3_stmt *about(hns_store *st, const char *sql, const char *id) {
  sqlite3_stmt *s = hns_prepare(st, sql);
  if (s) sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
  return s;
}

/* Ends a section's statement: HN_OK when it ran to its end. */
static hn_status done(hns_store *st, sqlite3_stmt *s, int rc) {
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? HN_OK : hns_fail(st, "reading an incident");
}

/* A time for people: "2024-05-13T17:45:00Z", or "-". */
static const char *when(int64_t t, char *buf) {
  if (t == INT64_MIN) return "-";
  hns_time_format(t, buf);
  return buf;
}

static void text_list(FILE *f, const char *label, const char *json_array) {
  fprintf(f, "  %-15s %s\n", label, json_array && strcmp(json_array, "[]") ? json_array : "-");
}

static hn_status show_head(hns_store *st, const char *id, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, "SELECT i.id, i.domain, COALESCE(i.service, ''), s.title, i.state, i.assignee, i.score,"
                              " i.severity, i.alerts, i.detected_at, i.first_seen, i.last_seen, i.closed_at,"
                              " i.merged_into, i.asset, i.why, i.hosts, i.users, i.entities, i.tactics, i.techniques,"
                              " i.business_units, i.rules FROM incidents i LEFT JOIN services s"
                              " ON s.name = COALESCE(i.service, '') WHERE i.id = ?1", id);
  if (!s) return HN_ERR_IO;
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? hns_failf(st, HN_ERR_NOT_FOUND, "%s: no such incident in the store", id)
                             : hns_fail(st, "reading an incident");
  }
  static const char *const names[] = {"id", "domain", "service", "service_title", "state", "assignee", "score",
                                      "severity", "alerts", "detected_at", "first_seen", "last_seen", "closed_at",
                                      "merged_into", "asset", "why", "hosts", "users", "entities", "tactics",
                                      "techniques", "business_units", "rules"};
  char t[HNS_TIME_CAP];
  if (json) {
    for (int k = 0; k < 23; k++) {
      fprintf(out, "%s\"%s\":", k ? "," : "", names[k]);
      if (k == 6) fprintf(out, "%.10g", sqlite3_column_double(s, k));
      else if (k == 7) fprintf(out, "\"%s\"", sev_name(sqlite3_column_int(s, k)));
      else if (k == 8) fprintf(out, "%d", sqlite3_column_int(s, k));
      else if (k >= 9 && k <= 12) hns_json_time(out, hns_time(s, k));
      else if (k >= 16) fputs(hns_text(s, k), out); /* JSON arrays as kept */
      else hns_json(out, (const char *)sqlite3_column_text(s, k));
    }
  } else {
    const char *svc = hns_text(s, 2), *who = hns_text(s, 5);
    fprintf(out, "%s  %s  state %s  domain %s\n", hns_text(s, 0), *svc ? svc : "(no service)", hns_text(s, 4),
            hns_text(s, 1));
    if (*svc) fprintf(out, "  %-15s %s\n", "service", hns_text(s, 3));
    int n = sqlite3_column_int(s, 8);
    fprintf(out, "  %-15s %s\n  %-15s %.4g (%s, %d alert%s)\n", "assignee", *who ? who : "-", "score",
            sqlite3_column_double(s, 6), sev_name(sqlite3_column_int(s, 7)), n, n == 1 ? "" : "s");
    fprintf(out, "  %-15s %s\n", "detected", when(hns_time(s, 9), t));
    fprintf(out, "  %-15s %s\n", "first seen", when(hns_time(s, 10), t));
    fprintf(out, "  %-15s %s\n", "last seen", when(hns_time(s, 11), t));
    if (hns_time(s, 12) != INT64_MIN) fprintf(out, "  %-15s %s\n", "closed", when(hns_time(s, 12), t));
    if (*hns_text(s, 13)) fprintf(out, "  %-15s %s\n", "merged into", hns_text(s, 13));
    fprintf(out, "  %-15s %s\n", "why", hns_text(s, 15));
    const char *labels[] = {"hosts", "users", "entities", "tactics", "techniques", "business units", "rules"};
    for (int k = 0; k < 7; k++) text_list(out, labels[k], hns_text(s, 16 + k));
  }
  sqlite3_finalize(s);
  return HN_OK;
}

static hn_status show_assets(hns_store *st, const char *id, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, "SELECT a.name, a.business_unit, a.owner, a.role, a.criticality, a.managed,"
                              " a.open_vulnerabilities FROM incidents i JOIN assets a ON a.name = i.asset"
                              " OR a.name IN (SELECT value FROM json_each(i.hosts)) WHERE i.id = ?1"
                              " ORDER BY a.name = i.asset DESC, a.criticality DESC, a.name", id);
  if (!s) return HN_ERR_IO;
  fputs(json ? ",\"assets\":[" : "assets:\n", out);
  int rc, n = 0;
  for (; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
    if (json) {
      fprintf(out, "%s{\"name\":", n ? "," : "");
      hns_json(out, hns_text(s, 0));
      const char *keys[] = {"business_unit", "owner", "role"};
      for (int k = 0; k < 3; k++) fprintf(out, ",\"%s\":", keys[k]), hns_json(out, (const char *)sqlite3_column_text(s, k + 1));
      fprintf(out, ",\"criticality\":%d,\"managed\":%s,\"open_vulnerabilities\":%d}", sqlite3_column_int(s, 4),
              sqlite3_column_int(s, 5) ? "true" : "false", sqlite3_column_int(s, 6));
    } else {
      fprintf(out, "  %-15s %s, criticality %d, %s, business unit %s, owner %s%s\n", hns_text(s, 0),
              *hns_text(s, 3) ? hns_text(s, 3) : "no role", sqlite3_column_int(s, 4),
              sqlite3_column_int(s, 5) ? "managed" : "unmanaged", hns_text(s, 1), hns_text(s, 2),
              sqlite3_column_int(s, 6) ? ", open vulnerabilities" : "");
    }
  }
  if (json) fputc(']', out);
  else if (!n) fputs("  (none in the inventory)\n", out);
  return done(st, s, rc);
}

/* Each SLA of the incident's service: met, breached (recorded), pending or void (closed). */
static hn_status show_slas(hns_store *st, const char *id, int64_t now, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, "SELECT l.state, i.detected_at + l.within, e.kind, e.at, i.closed_at IS NOT NULL"
                              " FROM incidents i JOIN service_slas l ON l.service = COALESCE(i.service, '')"
                              " LEFT JOIN sla_events e ON e.incident = i.id AND e.state = l.state"
                              " LEFT JOIN service_states o ON o.service = l.service AND o.state = l.state"
                              " WHERE i.id = ?1 ORDER BY o.ord", id);
  if (!s) return HN_ERR_IO;
  fputs(json ? ",\"sla\":[" : "SLA clocks:\n", out);
  int rc, n = 0;
  char t[HNS_TIME_CAP], t2[HNS_TIME_CAP], d[32];
  for (; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
    int64_t due = sqlite3_column_int64(s, 1), at = hns_time(s, 3);
    const char *kind = (const char *)sqlite3_column_text(s, 2);
    const char *status = kind ? kind : sqlite3_column_int(s, 4) ? "void" : now > due ? "overdue" : "pending";
    if (json) {
      fprintf(out, "%s{\"state\":", n ? "," : "");
      hns_json(out, hns_text(s, 0));
      fputs(",\"due\":", out);
      hns_json_time(out, due);
      fprintf(out, ",\"status\":\"%s\",\"at\":", status);
      hns_json_time(out, at);
      fputc('}', out);
      continue;
    }
    hns_duration(due > now ? due - now : now - due, d, sizeof d);
    fprintf(out, "  %-15s due %s  ", hns_text(s, 0), when(due, t));
    if (kind) fprintf(out, "%s at %s\n", kind, when(at, t2));
    else if (!strcmp(status, "void")) fputs("void (closed before it)\n", out);
    else fprintf(out, "%s %s\n", due >= now ? "pending, due in" : "overdue by", d);
  }
  if (json) fputc(']', out);
  else if (!n) fputs("  (none)\n", out);
  return done(st, s, rc);
}

/* The playbook of the current state, each step checked off or not. */
static hn_status show_steps(hns_store *st, const char *id, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, "SELECT p.number, p.text, d.done_at, d.actor, i.state FROM incidents i"
                              " JOIN service_steps p ON p.service = COALESCE(i.service, '') AND p.state = i.state"
                              " LEFT JOIN steps d ON d.incident = i.id AND d.state = p.state AND d.number = p.number"
                              " WHERE i.id = ?1 ORDER BY p.number", id);
  if (!s) return HN_ERR_IO;
  fputs(json ? ",\"steps\":[" : "", out);
  int rc, n = 0;
  char t[HNS_TIME_CAP];
  for (; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
    int64_t at = hns_time(s, 2);
    if (json) {
      fprintf(out, "%s{\"state\":", n ? "," : "");
      hns_json(out, hns_text(s, 4));
      fprintf(out, ",\"number\":%d,\"text\":", sqlite3_column_int(s, 0));
      hns_json(out, hns_text(s, 1));
      fputs(",\"done_at\":", out);
      hns_json_time(out, at);
      fputs(",\"done_by\":", out);
      hns_json(out, (const char *)sqlite3_column_text(s, 3));
      fputc('}', out);
      continue;
    }
    if (!n) fprintf(out, "playbook (%s):\n", hns_text(s, 4));
    fprintf(out, "  [%c] %d. %s", at != INT64_MIN ? 'x' : ' ', sqlite3_column_int(s, 0), hns_text(s, 1));
    if (at != INT64_MIN) fprintf(out, "  (%s, %s)", hns_text(s, 3), when(at, t));
    fputc('\n', out);
  }
  if (json) fputc(']', out);
  return done(st, s, rc);
}

/* Every change, oldest first: moves (the stream's and the analysts'), then the analysts' other
 * actions, by time. */
static const char history_sql[] =
  "SELECT at, actor, kind, what FROM ("
  " SELECT at, actor, kind, seq, 0 AS src, 'moved ' || COALESCE(from_state, '(none)') || ' -> ' || to_state"
  "   || COALESCE(': ' || why, '') AS what FROM transitions WHERE incident = ?1 AND kind = 'stream'"
  " UNION ALL SELECT at, actor, 'analyst', seq, 1, CASE action"
  "   WHEN 'assign' THEN COALESCE('assigned to ' || json_extract(detail, '$.assignee'), 'unassigned')"
  "   WHEN 'set' THEN 'set ' || json_extract(detail, '$.field') || COALESCE(' = ' || json_extract(detail, '$.value'),"
  "     ' (unset)')"
  "   WHEN 'step' THEN 'checked off step ' || json_extract(detail, '$.step') || ' of ' || json_extract(detail, '$.state')"
  "   WHEN 'note' THEN 'note: ' || json_extract(detail, '$.text')"
  "   WHEN 'merge' THEN 'merged into ' || json_extract(detail, '$.into') || ' (' || json_extract(detail, '$.from')"
  "     || ' -> ' || json_extract(detail, '$.to') || ')' || COALESCE(': ' || json_extract(detail, '$.why'), '')"
  "   WHEN 'move' THEN 'moved ' || json_extract(detail, '$.from') || ' -> ' || json_extract(detail, '$.to')"
  "     || COALESCE(': ' || json_extract(detail, '$.why'), '')"
  "   WHEN 'close' THEN 'moved ' || json_extract(detail, '$.from') || ' -> ' || json_extract(detail, '$.to')"
  "     || COALESCE(': ' || json_extract(detail, '$.why'), '')"
  "   ELSE action END FROM actions WHERE incident = ?1)"
  " ORDER BY at, src, seq";

static hn_status show_history(hns_store *st, const char *id, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, history_sql, id);
  if (!s) return HN_ERR_IO;
  fputs(json ? ",\"history\":[" : "history:\n", out);
  int rc, n = 0;
  char t[HNS_TIME_CAP];
  for (; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
    if (!json) {
      fprintf(out, "  %-24s %-12s %s\n", when(hns_time(s, 0), t), hns_text(s, 1), hns_text(s, 3));
      continue;
    }
    fprintf(out, "%s{\"at\":", n ? "," : "");
    hns_json_time(out, hns_time(s, 0));
    fputs(",\"actor\":", out);
    hns_json(out, hns_text(s, 1));
    fputs(",\"kind\":", out);
    hns_json(out, hns_text(s, 2));
    fputs(",\"what\":", out);
    hns_json(out, hns_text(s, 3));
    fputc('}', out);
  }
  if (json) fputc(']', out);
  return done(st, s, rc);
}

static hn_status show_fields(hns_store *st, const char *id, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, "SELECT name, value, set_at, actor FROM case_fields WHERE incident = ?1 ORDER BY name", id);
  if (!s) return HN_ERR_IO;
  fputs(json ? ",\"fields\":{" : "", out);
  int rc, n = 0;
  for (; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
    if (json) {
      if (n) fputc(',', out);
      hns_json(out, hns_text(s, 0));
      fputc(':', out);
      hns_json(out, hns_text(s, 1));
    } else {
      if (!n) fputs("fields:\n", out);
      fprintf(out, "  %-15s %s\n", hns_text(s, 0), hns_text(s, 1));
    }
  }
  if (json) fputc('}', out);
  return done(st, s, rc);
}

static hn_status show_notes(hns_store *st, const char *id, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, "SELECT at, actor, text FROM notes WHERE incident = ?1 ORDER BY seq", id);
  if (!s) return HN_ERR_IO;
  fputs(json ? ",\"notes\":[" : "", out);
  int rc, n = 0;
  char t[HNS_TIME_CAP];
  for (; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
    if (json) {
      fprintf(out, "%s{\"at\":", n ? "," : "");
      hns_json_time(out, hns_time(s, 0));
      fputs(",\"actor\":", out);
      hns_json(out, hns_text(s, 1));
      fputs(",\"text\":", out);
      hns_json(out, hns_text(s, 2));
      fputc('}', out);
    } else {
      if (!n) fputs("notes:\n", out);
      fprintf(out, "  %-24s %-12s %s\n", when(hns_time(s, 0), t), hns_text(s, 1), hns_text(s, 2));
    }
  }
  if (json) fputc(']', out);
  return done(st, s, rc);
}

static hn_status show_alerts(hns_store *st, const char *id, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, "SELECT a.id, a.time, a.severity, a.rule, a.entities, a.source, a.line, l.merged_from"
                              " FROM incident_alerts l JOIN alerts a ON a.id = l.alert WHERE l.incident = ?1"
                              " ORDER BY a.id", id);
  if (!s) return HN_ERR_IO;
  fputs(json ? ",\"alert_list\":[" : "alerts:\n", out);
  int rc, n = 0;
  char t[HNS_TIME_CAP];
  for (; (rc = sqlite3_step(s)) == SQLITE_ROW; n++) {
    if (json) {
      fprintf(out, "%s{\"id\":%lld,\"time\":", n ? "," : "", (long long)sqlite3_column_int64(s, 0));
      hns_json_time(out, hns_time(s, 1));
      fprintf(out, ",\"severity\":\"%s\",\"rule\":", sev_name(sqlite3_column_int(s, 2)));
      hns_json(out, hns_text(s, 3));
      fprintf(out, ",\"entities\":%s,\"input\":{\"file\":", hns_text(s, 4));
      hns_json(out, hns_text(s, 5));
      fprintf(out, ",\"line\":%d},\"merged_from\":", sqlite3_column_int(s, 6));
      hns_json(out, (const char *)sqlite3_column_text(s, 7));
      fputc('}', out);
      continue;
    }
    fprintf(out, "  %-6lld %-24s %-8s %-34s %s", (long long)sqlite3_column_int64(s, 0), when(hns_time(s, 1), t),
            sev_name(sqlite3_column_int(s, 2)), hns_text(s, 3), hns_text(s, 4));
    if (sqlite3_column_type(s, 7) != SQLITE_NULL) fprintf(out, "  (from %s)", hns_text(s, 7));
    fputc('\n', out);
  }
  if (json) fputc(']', out);
  return done(st, s, rc);
}

hn_status hns_show(hns_store *st, const char *id, int64_t now, bool json, FILE *out) {
  if (hns_sla_catch_up(st, now) != HN_OK) return HN_ERR_IO;
  if (json) fputs("{\"now\":", out), hns_json_time(out, now), fputs(",", out);
  hn_status rc = show_head(st, id, json, out);
  hns_clock c;
  if (rc == HN_OK) rc = hns_sla_clock(st, id, now, &c);
  if (rc == HN_OK && json) fputs(",\"clock\":", out), clock_json(out, &c);
  if (rc == HN_OK) rc = show_assets(st, id, json, out);
  if (rc == HN_OK) rc = show_slas(st, id, now, json, out);
  if (rc == HN_OK) rc = show_steps(st, id, json, out);
  if (rc == HN_OK) rc = show_fields(st, id, json, out);
  if (rc == HN_OK) rc = show_history(st, id, json, out);
  if (rc == HN_OK) rc = show_notes(st, id, json, out);
  if (rc == HN_OK) rc = show_alerts(st, id, json, out);
  if (rc == HN_OK && json) fputs("}\n", out);
  return rc;
}

/* ---- the queue ------------------------------------------------------------------------------------------ */
/* Domains in routing order, then any an incident names that the pack no longer declares; per
 * domain its open incidents, those in working states (neither their service's initial nor its
 * terminal state) and its WIP limit. */
static const char domains_sql[] =
  "WITH named AS (SELECT name, title, wip, ord FROM domains"
  "  UNION ALL SELECT DISTINCT domain, NULL, NULL, 1000000 FROM incidents"
  "  WHERE closed_at IS NULL AND domain NOT IN (SELECT name FROM domains))"
  " SELECT n.name, COALESCE(n.title, n.name), n.wip,"
  "  (SELECT count(*) FROM incidents i WHERE i.domain = n.name AND i.closed_at IS NULL),"
  "  (SELECT count(*) FROM incidents i JOIN services s ON s.name = COALESCE(i.service, '')"
  "   WHERE i.domain = n.name AND i.closed_at IS NULL AND i.state <> s.initial AND i.state <> s.terminal)"
  " FROM named n ORDER BY n.ord, n.name";

static const char open_sql[] =
  "SELECT i.id, i.state, i.assignee, i.score, i.alerts, i.why, i.detected_at, s.initial = i.state"
  " FROM incidents i LEFT JOIN services s ON s.name = COALESCE(i.service, '')"
  " WHERE i.domain = ?1 AND i.closed_at IS NULL ORDER BY i.score DESC, i.first_seen, i.id";

static hn_status queue_incidents(hns_store *st, const char *domain, int64_t now, bool json, FILE *out) {
  sqlite3_stmt *s = about(st, open_sql, domain);
  if (!s) return HN_ERR_IO;
  int rc, n = 0;
  hn_status hs = HN_OK;
  while (hs == HN_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    hns_clock c;
    if ((hs = hns_sla_clock(st, hns_text(s, 0), now, &c)) != HN_OK) break;
    const char *who = hns_text(s, 2);
    if (json) {
      fprintf(out, "%s{\"id\":", n++ ? "," : "");
      hns_json(out, hns_text(s, 0));
      fputs(",\"state\":", out);
      hns_json(out, hns_text(s, 1));
      fprintf(out, ",\"working\":%s,\"assignee\":", sqlite3_column_int(s, 7) ? "false" : "true");
      hns_json(out, *who ? who : NULL);
      fprintf(out, ",\"score\":%.10g,\"alerts\":%d,\"why\":", sqlite3_column_double(s, 3), sqlite3_column_int(s, 4));
      hns_json(out, hns_text(s, 5));
      fputs(",\"sla\":", out);
      clock_json(out, &c);
      fputc('}', out);
      continue;
    }
    char clock[200];
    clock_text(&c, now, clock, sizeof clock);
    fprintf(out, "%3d. %s  score %-8.4g %-13s %-10s SLA %-28s why: %s\n", ++n, hns_text(s, 0),
            sqlite3_column_double(s, 3), hns_text(s, 1), *who ? who : "-", clock, hns_text(s, 5));
  }
  sqlite3_finalize(s);
  if (hs != HN_OK) return hs;
  return rc == SQLITE_DONE ? HN_OK : hns_fail(st, "reading the queue");
}

hn_status hns_queue(hns_store *st, int64_t now, bool json, FILE *out) {
  if (hns_sla_catch_up(st, now) != HN_OK) return HN_ERR_IO;
  sqlite3_stmt *s = hns_prepare(st, domains_sql);
  if (!s) return HN_ERR_IO;
  if (json) fputs("{\"now\":", out), hns_json_time(out, now), fputs(",\"domains\":[", out);
  int rc, n = 0;
  hn_status hs = HN_OK;
  while (hs == HN_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *name = hns_text(s, 0);
    int open = sqlite3_column_int(s, 3), working = sqlite3_column_int(s, 4);
    bool limited = sqlite3_column_type(s, 2) != SQLITE_NULL;
    if (json) {
      fprintf(out, "%s{\"domain\":", n++ ? "," : "");
      hns_json(out, name);
      fputs(",\"title\":", out);
      hns_json(out, hns_text(s, 1));
      fprintf(out, ",\"open\":%d,\"working\":%d,\"wip\":", open, working);
      if (limited) fprintf(out, "%d", sqlite3_column_int(s, 2));
      else fputs("null", out);
      fputs(",\"incidents\":[", out);
    } else {
      fprintf(out, "== %s (%s): %d open, %d in work", name, hns_text(s, 1), open, working);
      if (limited) fprintf(out, " of a WIP limit of %d%s", sqlite3_column_int(s, 2),
                           working >= sqlite3_column_int(s, 2) ? " (full)" : "");
      fputc('\n', out);
    }
    hs = queue_incidents(st, name, now, json, out);
    if (json) fputs("]}", out);
  }
  sqlite3_finalize(s);
  if (hs != HN_OK) return hs;
  if (rc != SQLITE_DONE) return hns_fail(st, "reading the queue");
  if (json) fputs("]}\n", out);
  return HN_OK;
}
