#!/usr/bin/env python3
"""sigma_sql.py - the SigmaHQ Windows rules hornet imported, as SQLite SELECTs (the Zircolite way).

    sigma_sql.py --corpus bench/out/sigma/corpus.hn --windows stdlib/windows.hn --out DIR

Reads the list of rule files `hornet import-sigma` imported (the `// imported from FILE` line
before each rule of corpus.hn; the `id` line gives the Sigma id) and converts each rule file
again, independently of hornet, from its YAML, into

    SELECT rowid FROM ev WHERE (<log source>) AND (<detection>)

over one flat table `ev` with one column per field (rowid = the line number of the event), as
Zircolite does: TEXT columns are `COLLATE NOCASE`, so `=` and `IN` are case-insensitive like
Sigma's plain values; contains/startswith/endswith/wildcards are `LIKE ... ESCAPE '\\'` with
`%`, `_` and `\\` escaped (`|cased`: GLOB, or `= ... COLLATE BINARY`); `|re` is `REGEXP` (a
PCRE2 function of the runner; `|re|i`, `|re|m`, `|re|s` prefix `(?i)`, `(?m)`, `(?s)`);
`|cidr` is `cidr_match(field, 'net')` (IPv4 and IPv6, a function of the runner); `|base64`,
`|base64offset`, `|wide`, `|windash` expand the value into its variants (pySigma's
algorithms); `|exists` is `IS [NOT] NULL`; `null` is `IS NULL`; `|gt` ... are numeric
comparisons; `|fieldref` compares two columns.

Two differences from a plain Sigma-to-SQL backend keep the comparison exact:
- the log source is the `where` of std.windows' `logsource` of the same name (read from
  stdlib/windows.hn, so both sides select the same events), `Channel`/`EventType` compared
  case-sensitively as hornet's `==` does;
- SQL has three-valued logic: `NOT (x LIKE 'a')` is NULL, not true, when x is NULL, where
  Sigma (and hornet, two-valued) says true. Every operand of NOT is wrapped in
  `ifnull(..., 0)`, which makes the result the two-valued one (the operand is monotone in its
  leaves once the inner NOTs are wrapped).

Rules this converter cannot translate faithfully are written to sigma_sql_skipped.tsv with the
reason and left out of the comparison (on both sides).

Writes into DIR: sigma.sql (`#col` lines, then `ID<TAB>SELECT ...`), sigma_sql_skipped.tsv,
sigma.fields (field<TAB>type, for the JSON-parse floor).
"""
import argparse
import base64
import fnmatch
import re
import sys

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class Untranslatable(Exception):
    pass


# ---- std.windows: field types and log sources ---------------------------------------------

def read_windows_hn(path):
    """Field types of the schemas and the `where` of every logsource of std.windows."""
    text = open(path, encoding="utf-8").read()
    types = {}
    in_schema = False
    for line in text.split("\n"):
        if line.startswith("schema "):
            in_schema = True
        elif line.startswith("}"):
            in_schema = False
        m = re.match(r"\s*(`[^`]+`|[A-Za-z0-9_.]+):\s*([a-z]+)", line) if in_schema else None
        if m:
            types[m.group(1).strip("`")] = m.group(2)
    sources = {}
    for m in re.finditer(r"^logsource\s+([a-z0-9_]+)\s*\{(.*?)^\}", text, re.S | re.M):
        body = re.sub(r"//[^\n]*", "", m.group(2))
        w = body.strip()
        assert w.startswith("where"), m.group(1)
        sources[m.group(1)] = w[5:].strip()
    return types, sources


def logsource_sql(expr, col):
    """The small expression language of std.windows' log sources, as SQL (strings compared
    case-sensitively: hornet's `==`)."""
    toks = re.findall(r'"(?:[^"\\]|\\.)*"|==|\[|\]|\(|\)|,|[A-Za-z_][A-Za-z0-9_]*|-?\d+', expr)
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in ("and", "or", "not", "(", ")"):
            out.append(t.upper() if t.isalpha() else t)
            i += 1
            continue
        if t == "exists":
            out.append("%s IS NOT NULL" % col(toks[i + 1]))
            i += 2
            continue
        # FIELD == VALUE | FIELD in [V, ...]
        f = t
        op = toks[i + 1]
        if op == "==":
            v = toks[i + 2]
            out.append(_ls_value(col(f), v, "="))
            i += 3
        elif op == "in":
            assert toks[i + 2] == "["
            j = i + 3
            vals = []
            while toks[j] != "]":
                if toks[j] != ",":
                    vals.append(toks[j])
                j += 1
            if vals[0].startswith('"'):
                out.append("%s COLLATE BINARY IN (%s)" % (col(f), ", ".join(sqlstr(_unq(v)) for v in vals)))
            else:
                out.append("%s IN (%s)" % (col(f), ", ".join(vals)))
            i = j + 1
        else:
            raise ValueError("logsource: cannot read %r" % expr)
    return " ".join(out)


def _unq(v):
    return v[1:-1].encode().decode("unicode_escape")


def _ls_value(c, v, op):
    if v.startswith('"'):
        return "%s %s %s COLLATE BINARY" % (c, op, sqlstr(_unq(v)))
    return "%s %s %s" % (c, op, v)


# ---- SQL text --------------------------------------------------------------------------------

def sqlstr(s):
    """A SQL string literal of s, on one line (control characters by char())."""
    parts, cur = [], []
    for ch in s:
        if ord(ch) < 0x20:
            parts.append("'" + "".join(cur).replace("'", "''") + "'")
            parts.append("char(%d)" % ord(ch))
            cur = []
        else:
            cur.append(ch)
    parts.append("'" + "".join(cur).replace("'", "''") + "'")
    parts = [p for p in parts if p != "''"] or ["''"]
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


# ---- Sigma values ----------------------------------------------------------------------------

def sigma_tokens(s):
    """A Sigma string value as tokens: ('lit', ch), ('*',), ('?',). Escapes as pySigma:
    \\* \\? \\\\ are the literal character; a backslash before anything else is itself."""
    out = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in "*?\\":
            out.append(("lit", s[i + 1]))
            i += 2
            continue
        if c in "*?":
            out.append((c,))
        else:
            out.append(("lit", c))
        i += 1
    return out


def has_wild(toks):
    return any(t[0] != "lit" for t in toks)


def plain(toks):
    return "".join(t[1] for t in toks)


def like_pat(toks):
    o = []
    for t in toks:
        if t[0] == "*":
            o.append("%")
        elif t[0] == "?":
            o.append("_")
        elif t[1] in "%_\\":
            o.append("\\" + t[1])
        else:
            o.append(t[1])
    return "".join(o)


def glob_pat(toks):
    o = []
    for t in toks:
        if t[0] in "*?":
            o.append(t[0])
        elif t[1] in "*?[":
            o.append("[" + t[1] + "]")
        else:
            o.append(t[1])
    return "".join(o)


def windash(s):
    """pySigma's windash: each -/ matching \\B[-/]\\b takes every one of - / – — ―."""
    pos = [m.start() for m in re.finditer(r"\B[-/]\b", s, re.A)]
    outs = [""]
    last = 0
    for p in pos:
        seg = s[last:p]
        outs = [o + seg + d for o in outs for d in ("-", "/", "\u2013", "\u2014", "\u2015")]
        last = p + 1
    return [o + s[last:] for o in outs]


def b64offset(b):
    starts = (0, 2, 3)
    ends = (None, -3, -2)
    return [base64.b64encode(i * b" " + b)[starts[i]: ends[(len(b) + i) % 3]].decode() for i in range(3)]


TRANSFORMS = ("base64", "base64offset", "wide", "utf16le", "utf16be", "utf16", "windash")


def expand(value, transforms):
    """Apply the value transforms in modifier order; returns a list of str (ASCII or text)."""
    vals = [value]  # str or bytes
    for t in transforms:
        nv = []
        for v in vals:
            if t in ("wide", "utf16le", "utf16"):
                nv.append((v if isinstance(v, str) else v.decode()).encode("utf-16le"))
            elif t == "utf16be":
                nv.append((v if isinstance(v, str) else v.decode()).encode("utf-16be"))
            elif t == "base64":
                nv.append(base64.b64encode(v.encode() if isinstance(v, str) else v).decode())
            elif t == "base64offset":
                nv.extend(b64offset(v.encode() if isinstance(v, str) else v))
            elif t == "windash":
                if not isinstance(v, str):
                    raise Untranslatable("windash after an encoding")
                nv.extend(windash(v))
        vals = nv
    for v in vals:
        if not isinstance(v, str) or "\0" in v:
            raise Untranslatable("a UTF-16 pattern not under base64 (NUL bytes in SQL text)")
    return vals


# ---- the rule AST ----------------------------------------------------------------------------
# ('and', [..]) ('or', [..]) ('not', x) ('true',) ('false',) and leaves:
# ('str', field, op, toks, cased)   op: eq contains startswith endswith ; toks: sigma tokens
# ('int', field, cmp, n)            cmp: = > >= < <=
# ('re', field, pattern)            pattern with inline flags
# ('cidr', field, net)
# ('null', field) ('exists', field, bool) ('fieldref', field, other, cased)

class Conv:
    def __init__(self, types):
        self.types = types

    def ftype(self, f):
        return self.types.get(f, "string")

    def field(self, key, node):
        parts = key.split("|")
        f, mods = parts[0], parts[1:]
        if not f:
            raise Untranslatable("a field-less value")
        for m in mods:
            if m not in ("contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cased", "cidr", "exists",
                         "gt", "gte", "lt", "lte", "fieldref", "neq") + TRANSFORMS:
                raise Untranslatable("modifier |" + m)
        if isinstance(node, yaml.ScalarNode):
            vals = [node]
        elif isinstance(node, yaml.SequenceNode):
            vals = node.value
        else:
            raise Untranslatable("a field's value is a mapping")
        for v in vals:
            if not isinstance(v, yaml.ScalarNode):
                raise Untranslatable("a nested value list")
        ftype = self.ftype(f)
        if "neq" in mods:  # the field equals none of the values (true where it is missing)
            if set(mods) - {"neq", "cased"}:
                raise Untranslatable("neq with other modifiers")
            inner = self.field("|".join([f] + [m for m in mods if m != "neq"]), node)
            return ("not", inner)
        if "exists" in mods:
            return ("exists", f, bool(vals) and vals[0].value == "true")
        if not vals:
            return ("false",)
        ops = [m for m in mods if m in ("contains", "startswith", "endswith")]
        if len(ops) > 1:
            raise Untranslatable("two of contains/startswith/endswith")
        op = ops[0] if ops else "eq"
        transforms = [m for m in mods if m in TRANSFORMS]
        cased = "cased" in mods
        leaves = []
        for v in vals:
            s = v.value
            if not v.style and s in ("null", "~", "") and not mods:  # a plain scalar (style None or '')
                leaves.append(("null", f))
                continue
            if "fieldref" in mods:
                if set(mods) - {"fieldref", "cased", "all"}:
                    raise Untranslatable("fieldref with other modifiers")
                leaves.append(("fieldref", f, s, cased))
                continue
            cmp = [m for m in mods if m in ("gt", "gte", "lt", "lte")]
            if cmp:
                if ftype not in ("int", "float"):
                    raise Untranslatable("numeric comparison on a string field")
                try:
                    float(s)
                except ValueError:
                    raise Untranslatable("numeric comparison with a non-number")
                leaves.append(("int", f, {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[cmp[0]], s))
                continue
            if "re" in mods:
                if set(mods) - {"re", "i", "m", "s", "all"}:
                    raise Untranslatable("re with other modifiers")
                flags = "".join(x for x in "ims" if x in mods)
                leaves.append(("re", f, ("(?%s)" % flags if flags else "") + s))
                continue
            if "cidr" in mods:
                if ftype != "ip":
                    raise Untranslatable("cidr on a field that is not an address")
                leaves.append(("cidr", f, s))
                continue
            if ftype in ("int", "float"):
                if mods:
                    raise Untranslatable("a string modifier on a number field")
                if not re.fullmatch(r"-?\d+", s):
                    raise Untranslatable("a string value for a number field")
                leaves.append(("int", f, "=", str(int(s))))
                continue
            if ftype != "string":
                raise Untranslatable("a string match on a %s field" % ftype)
            if transforms:
                if has_wild(sigma_tokens(s)):
                    raise Untranslatable("wildcards inside an encoded value")
                pats = expand(plain(sigma_tokens(s)), transforms)
                alts = [("str", f, op, [("lit", c) for c in p], cased) for p in pats]
                leaves.append(("or", alts) if len(alts) > 1 else alts[0])
                continue
            leaves.append(("str", f, op, sigma_tokens(s), cased))
        if len(leaves) == 1:
            return leaves[0]
        return ("and" if "all" in mods else "or", leaves)

    def selection(self, node):
        if isinstance(node, yaml.MappingNode):
            items = []
            for k, v in node.value:
                items.append(self.field(k.value, v))
            if not items:
                return ("true",)
            return items[0] if len(items) == 1 else ("and", items)
        if isinstance(node, yaml.SequenceNode):
            alts = []
            for e in node.value:
                if not isinstance(e, yaml.MappingNode):
                    raise Untranslatable("keyword (field-less) search")
                alts.append(self.selection(e))
            if not alts:
                return ("false",)
            return alts[0] if len(alts) == 1 else ("or", alts)
        raise Untranslatable("keyword (field-less) search")

    def condition(self, cond, det):
        toks = re.findall(r"\(|\)|[^\s()]+", cond)
        pos = [0]
        names = [k.value for k, _ in det.value if k.value not in ("condition", "timeframe")]
        defs = {k.value: v for k, v in det.value}

        def peek():
            return toks[pos[0]] if pos[0] < len(toks) else None

        def take():
            t = peek()
            pos[0] += 1
            return t

        def atom():
            t = take()
            if t is None:
                raise Untranslatable("a condition ends early")
            if t == "(":
                e = orx()
                if take() != ")":
                    raise Untranslatable("unbalanced parentheses")
                return e
            if t == "not":
                return ("not", atom())
            if t in ("1", "all", "any") and peek() == "of":
                take()
                pat = take()
                if pat == "them":
                    sel = [n for n in names if not n.startswith("_")]
                else:
                    sel = [n for n in names if fnmatch.fnmatchcase(n, pat)]
                if not sel:
                    raise Untranslatable("a quantifier names no identifier")
                return ("and" if t == "all" else "or", [self.selection(defs[n]) for n in sel])
            if t.startswith("|") or t in ("|", "count", "near"):
                raise Untranslatable("aggregation condition")
            if t not in defs:
                raise Untranslatable("undefined identifier %s" % t)
            return self.selection(defs[t])

        def andx():
            e = [atom()]
            while peek() == "and":
                take()
                e.append(atom())
            return e[0] if len(e) == 1 else ("and", e)

        def orx():
            e = [andx()]
            while peek() == "or":
                take()
                e.append(andx())
            return e[0] if len(e) == 1 else ("or", e)

        e = orx()
        if peek() is not None:
            raise Untranslatable("a condition this converter does not read: %r" % cond)
        return e

    def rule(self, path):
        text = open(path, encoding="utf-8").read()
        doc = next(iter(yaml.compose_all(text, Loader=_Loader)))
        top = {k.value: v for k, v in doc.value}
        if "detection" not in top or "correlation" in top or "filter" in top:
            raise Untranslatable("not a single-event detection rule")
        ls = {k.value: v.value for k, v in top["logsource"].value if isinstance(v, yaml.ScalarNode)}
        self.logsource = ls
        source = (ls.get("category") or ls.get("service") or "").replace("-", "_")
        det = top["detection"]
        cond = {k.value: v for k, v in det.value}["condition"]
        if isinstance(cond, yaml.ScalarNode):
            ast = self.condition(cond.value, det)
        else:
            alts = [self.condition(c.value, det) for c in cond.value]
            ast = alts[0] if len(alts) == 1 else ("or", alts)
        return top["id"].value if "id" in top else None, source, ast


# ---- AST to SQL ------------------------------------------------------------------------------

class Sql:
    def __init__(self, types):
        self.types = types
        self.cols = {}  # field -> column name
        self.used_lower = set()

    def col(self, f):
        if f not in self.cols:
            base = "f_" + re.sub(r"[^A-Za-z0-9_]", "_", f)
            name = base
            n = 1
            while name.lower() in self.used_lower:  # SQLite column names are case-insensitive
                n += 1
                name = "%s_%d" % (base, n)
            self.used_lower.add(name.lower())
            self.cols[f] = name
        return '"%s"' % self.cols[f]

    def render(self, e):
        k = e[0]
        if k in ("and", "or", "not"):
            return self.where(e)
        if k == "true":
            return "1"
        if k == "false":
            return "0"
        c = self.col(e[1])
        if k == "null":
            return "%s IS NULL" % c
        if k == "exists":
            return "%s IS %sNULL" % (c, "NOT " if e[2] else "")
        if k == "int":
            return "%s %s %s" % (c, e[2], e[3])
        if k == "re":
            return "%s REGEXP %s" % (c, sqlstr(e[2]))
        if k == "cidr":
            return "cidr_match(%s, %s)" % (c, sqlstr(e[2]))
        if k == "fieldref":
            return "%s = %s%s" % (c, self.col(e[2]), " COLLATE BINARY" if e[3] else "")
        assert k == "str"
        _, f, op, toks, cased = e
        if op == "contains":
            toks = [("*",)] + toks + [("*",)]
        elif op == "startswith":
            toks = toks + [("*",)]
        elif op == "endswith":
            toks = [("*",)] + toks
        if cased:
            if not has_wild(toks):
                return "%s = %s COLLATE BINARY" % (c, sqlstr(plain(toks)))
            return "%s GLOB %s" % (c, sqlstr(glob_pat(toks)))
        if not has_wild(toks):
            return "%s = %s" % (c, sqlstr(plain(toks)))
        return "%s LIKE %s ESCAPE '\\'" % (c, sqlstr(like_pat(toks)))

    @staticmethod
    def join(op, items):
        """a AND b AND ..., nested by 32 so that a long list stays within SQLite's expression
        depth (1000)"""
        if len(items) > 32:
            return Sql.join(op, [Sql.join(op, items[i:i + 32]) for i in range(0, len(items), 32)])
        return "(" + (" %s " % op).join(items) + ")"

    def where(self, e):
        # a list of plain case-insensitive equalities on one field: one IN
        if e[0] == "or" and len(e[1]) > 1 and all(x[0] == "str" and x[2] == "eq" and not x[4] and not has_wild(x[3])
                                                   and x[1] == e[1][0][1] for x in e[1]):
            return "%s IN (%s)" % (self.col(e[1][0][1]), ", ".join(sqlstr(plain(x[3])) for x in e[1]))
        if e[0] in ("and", "or"):
            return self.join(e[0].upper(), [self.where(x) for x in e[1]])
        if e[0] == "not":
            return "NOT ifnull(%s, 0)" % self.where(e[1])
        return self.render(e)


def rename(e, names):
    """The AST with its fields renamed (a mapping's fields)."""
    k = e[0]
    if k in ("and", "or"):
        return (k, [rename(x, names) for x in e[1]])
    if k == "not":
        return ("not", rename(e[1], names))
    if k in ("true", "false"):
        return e
    e = (e[0], names.get(e[1], e[1])) + tuple(e[2:])
    if k == "fieldref":
        e = e[:2] + (names.get(e[2], e[2]),) + e[3:]
    return e


class Mapping:
    """import-sigma's mapping file (stdlib/sigma/windows.yml): which events a Sigma log source
    selects (`from` a std.windows log source or a `where`), field renames and variants."""

    def __init__(self, path):
        self.m = yaml.safe_load(open(path, encoding="utf-8"))

    def entry(self, ls):
        best, score = None, -1
        for e in self.m.get("logsources", []):
            if e.get("product") is not None and e.get("product") != ls.get("product"):
                continue
            ok, sc = True, (e.get("product") is not None)
            for k in ("category", "service"):
                if e.get(k) == "*":
                    ok = ok and ls.get(k) is not None
                elif e.get(k) != ls.get(k):
                    ok = False
                elif e.get(k) is not None:
                    sc += 2
            if ok and sc > score:
                best, score = e, sc
        return best

    def sql(self, ls, ast, sources, sql):
        e = self.entry(ls)
        if e is None:
            raise Untranslatable("no log source of the mapping fits")
        if "from" in e:
            if e["from"] not in sources:
                raise Untranslatable("log source %s not in std.windows" % e["from"])
            src = logsource_sql(sources[e["from"]], sql.col)
        else:
            w = e["where"]
            for k in ("product", "category", "service"):
                w = w.replace("{%s}" % k, ls.get(k) or "")
            src = logsource_sql(w, sql.col)
        names = dict(self.m.get("fields") or {})
        names.update((self.m.get("products") or {}).get(ls.get("product"), {}).get("fields") or {})
        names.update(e.get("fields") or {})
        base = rename(ast, names)
        variants = e.get("variants") or []
        if not variants:
            return src, sql.where(base)
        whens = [logsource_sql(v["when"], sql.col) for v in variants]
        parts = ["(%s AND %s)" % (" AND ".join("NOT ifnull((%s), 0)" % w for w in whens), sql.where(base))]
        for v, w in zip(variants, whens):
            vn = dict(names)
            vn.update(v.get("fields") or {})
            parts.append("(ifnull((%s), 0) AND %s)" % (w, sql.where(rename(ast, vn))))
        return src, "(" + " OR ".join(parts) + ")"


def corpus_rules(corpus):
    """(file, id, rule name) of each rule of the imported pack, in its order."""
    out = []
    cur = None
    for line in open(corpus, encoding="utf-8"):
        if line.startswith("// imported from "):
            cur = [line[len("// imported from "):].strip(), None, None]
        elif line.startswith("rule ") and cur:
            cur[2] = line.split()[1]
        elif line.startswith("  id ") and cur and cur[1] is None:
            cur[1] = line[5:].strip().strip('"')
            out.append(tuple(cur))
            cur = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--windows", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mapping", help="import-sigma's mapping file (stdlib/sigma/windows.yml), when the pack was "
                                      "imported with one; without it, a rule's category or service names the "
                                      "std.windows log source")
    a = ap.parse_args()
    mapping = Mapping(a.mapping) if a.mapping else None
    types, sources = read_windows_hn(a.windows)
    conv = Conv(types)
    sql = Sql(types)
    rules = corpus_rules(a.corpus)
    sql.col("EventID")  # the first columns of each row: every log source reads them
    sql.col("Channel")
    seen = {}
    ok, skipped = [], []
    for path, rid, name in rules:
        if rid in seen:
            skipped.append((rid, path, "the same Sigma id as " + seen[rid]))
            continue
        seen[rid] = path
        try:
            yid, source, ast = conv.rule(path)
            if yid != rid:
                raise Untranslatable("the id in the YAML is not the id in the pack")
            if mapping:
                ls, body = mapping.sql(conv.logsource, ast, sources, sql)
            else:
                if source not in sources:
                    raise Untranslatable("log source %s not in std.windows" % source)
                body = sql.where(ast)
                ls = logsource_sql(sources[source], sql.col)
            ok.append((rid, "SELECT rowid FROM ev WHERE (%s) AND %s" % (ls, body if body.startswith("(") else "(" + body + ")")))
        except Untranslatable as ex:
            skipped.append((rid, path, str(ex)))
    with open(a.out + "/sigma.sql", "w", encoding="utf-8") as f:
        for field, c in sql.cols.items():
            t = types.get(field, "string")
            f.write("#col\t%s\t%s\t%s\n" % (field, "int" if t in ("int", "float") else "text", c))
        for rid, q in ok:
            f.write("%s\t%s\n" % (rid, q))
    with open(a.out + "/sigma_sql_skipped.tsv", "w", encoding="utf-8") as f:
        for s in skipped:
            f.write("\t".join(s) + "\n")
    with open(a.out + "/sigma.fields", "w", encoding="utf-8") as f:
        for field in sql.cols:
            t = types.get(field, "string")
            f.write("%s\t%s\n" % (field, "int" if t == "int" else "string"))
    print("sigma_sql: %d rules in the pack, %d translated to SQL, %d left out, %d columns"
          % (len(rules), len(ok), len(skipped), len(sql.cols)))
    reasons = {}
    for s in skipped:
        reasons[s[2]] = reasons.get(s[2], 0) + 1
    for r, n in sorted(reasons.items(), key=lambda x: -x[1]):
        print("  %5d  %s" % (n, r))


if __name__ == "__main__":
    main()
