"""rulemodel.py - the expression model behind the benchmark's generated packs.

One small AST of hornet single-event conditions, rendered three ways from the same object:
  * hornet source (what `hornet check` / `hornet run` read),
  * a SQLite WHERE clause over one flattened column per field (sqlite_rules.c),
  * a Python evaluator, used only to prove that each rule's attack witness satisfies it.

Only the operators the generated packs use are modelled, with hornet's semantics (lang/SPEC.md
§6): a predicate on a missing field is false (`!=` and `missing` true), a predicate on a list
field holds when it holds for any element, `~` folds case. Generated values are ASCII, so
ASCII case folding (SQLite's LIKE and lower()) equals hornet's Unicode simple folding here.
Standard library only.
"""
import ipaddress
import re

MISSING = None  # a witness value: the field is absent from the event

# ---------------------------------------------------------------------------------------------
# AST
# ---------------------------------------------------------------------------------------------


class Node:
    def __and__(self, other):
        return And([self, other])

    def __or__(self, other):
        return Or([self, other])

    def __invert__(self):
        return Not(self)


class And(Node):
    def __init__(self, kids):
        flat = []
        for k in kids:
            flat.extend(k.kids if isinstance(k, And) else [k])
        self.kids = flat


class Or(Node):
    def __init__(self, kids):
        flat = []
        for k in kids:
            flat.extend(k.kids if isinstance(k, Or) else [k])
        self.kids = flat


class Not(Node):
    def __init__(self, kid):
        self.kid = kid


class Macro(Node):
    """A named macro; its body is rendered inline in SQL and evaluated inline in Python."""

    def __init__(self, name, body):
        self.name, self.body = name, body


class ListRef:
    """A named list (`list NAME[: type] = [...]`) used as the right operand."""

    def __init__(self, name, values, typ=None):
        self.name, self.values, self.typ = name, list(values), typ


class Pred(Node):
    """field OP value. ops: eq ne in has contains startswith endswith like matches
    exists missing range lt gt. `ci` is the `~` suffix, `quant` 'any'/'all' for pattern lists."""

    def __init__(self, field, op, value=None, ci=False, quant=None):
        self.field, self.op, self.value, self.ci, self.quant = field, op, value, ci, quant


class FieldCmp(Node):
    """field ==~ / !=~ field (case-folded field-to-field comparison)."""

    def __init__(self, a, op, b):
        self.a, self.op, self.b = a, op, b


# constructors that read like the language
def eq(f, v, ci=False): return Pred(f, "eq", v, ci)
def ieq(f, v): return Pred(f, "eq", v, True)
def ne(f, v, ci=False): return Pred(f, "ne", v, ci)
def isin(f, vals, ci=False): return Pred(f, "in", vals, ci)
def iin(f, vals): return Pred(f, "in", vals, True)
def has(f, v): return Pred(f, "has", v)
def contains(f, v, ci=True, quant=None): return Pred(f, "contains", v, ci, quant)
def startswith(f, v, ci=True, quant=None): return Pred(f, "startswith", v, ci, quant)
def endswith(f, v, ci=True, quant=None): return Pred(f, "endswith", v, ci, quant)
def like(f, v, ci=True): return Pred(f, "like", v, ci)
def matches(f, v, ci=False): return Pred(f, "matches", v, ci)
def exists(f): return Pred(f, "exists")
def missing(f): return Pred(f, "missing")
def inrange(f, lo, hi): return Pred(f, "range", (lo, hi))
def gt(f, v): return Pred(f, "gt", v)


def values_of(v):
    """The literal values behind a pattern: a string, a list, or a ListRef."""
    if isinstance(v, ListRef):
        return v.values
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def walk(node, fn):
    """Calls fn on every Pred/FieldCmp/Macro under node (macro bodies included)."""
    fn(node)
    if isinstance(node, (And, Or)):
        for k in node.kids:
            walk(k, fn)
    elif isinstance(node, Not):
        walk(node.kid, fn)
    elif isinstance(node, Macro):
        walk(node.body, fn)


def fields_of(node):
    out = []

    def f(n):
        if isinstance(n, Pred) and n.field not in out:
            out.append(n.field)
        elif isinstance(n, FieldCmp):
            for x in (n.a, n.b):
                if x not in out:
                    out.append(x)
    walk(node, f)
    return out


# ---------------------------------------------------------------------------------------------
# hornet rendering
# ---------------------------------------------------------------------------------------------


def hn_str(s):
    if "\\" in s and '"' not in s:
        return 'r"%s"' % s
    if "\\" in s and '"#' not in s:
        return 'r#"%s"#' % s
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def hn_lit(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return hn_str(v)


def hn_list(vals):
    return "[" + ", ".join(hn_lit(v) for v in vals) + "]"


def hn_operand(v):
    if isinstance(v, ListRef):
        return v.name
    if isinstance(v, (list, tuple)):
        return hn_list(v)
    return hn_lit(v)


OPS = {"eq": "==", "ne": "!=", "contains": "contains", "startswith": "startswith",
       "endswith": "endswith", "like": "like", "matches": "matches", "in": "in",
       "lt": "<", "gt": ">"}


def to_hornet(node, top=True):
    if isinstance(node, Macro):
        return node.name
    if isinstance(node, And):
        return " and ".join(to_hornet(k, False) for k in node.kids)
    if isinstance(node, Or):
        s = " or ".join(to_hornet(k, False) for k in node.kids)
        return s if top else "(" + s + ")"
    if isinstance(node, Not):
        return "not (" + to_hornet(node.kid, True) + ")"
    if isinstance(node, FieldCmp):
        return "%s %s %s" % (node.a, "==~" if node.op == "eq" else "!=~", node.b)
    p = node
    if p.op == "exists":
        return "exists " + p.field
    if p.op == "missing":
        return "missing " + p.field
    if p.op == "has":
        return "%s has %s" % (p.field, hn_lit(p.value))
    if p.op == "range":
        return "%s in %d..%d" % (p.field, p.value[0], p.value[1])
    op = OPS[p.op] + ("~" if p.ci else "")
    if p.quant:
        op += " " + p.quant
    return "%s %s %s" % (p.field, op, hn_operand(p.value))


# ---------------------------------------------------------------------------------------------
# SQL rendering (SQLite). Columns: one per field, named by col(); list fields hold their
# elements joined by char(31) with a char(31) at both ends; ip fields used with `in` have a
# numeric twin col(f)+"_n" (IPv4 as an integer, NULL for anything else).
# ---------------------------------------------------------------------------------------------


def col(field):
    return '"' + field.replace("@", "").replace(".", "_") + '"'


def ncol(field):
    return '"' + field.replace("@", "").replace(".", "_") + '_n"'


def sq(s):
    return "'" + s.replace("'", "''") + "'"


def like_escape(s):
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def wildcard_tokens(pat):
    """hornet `like` pattern value -> [('lit', ch) | ('any',) | ('one',)] (SPEC §6.7)."""
    out, i = [], 0
    while i < len(pat):
        c = pat[i]
        if c == "\\" and i + 1 < len(pat) and pat[i + 1] in "*?\\":
            out.append(("lit", pat[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(("any",))
        elif c == "?":
            out.append(("one",))
        else:
            out.append(("lit", c))
        i += 1
    return out


def sql_like_pattern(pat):
    s = ""
    for t in wildcard_tokens(pat):
        s += "%" if t[0] == "any" else "_" if t[0] == "one" else like_escape(t[1])
    return s


def sql_glob_pattern(pat):
    s = ""
    for t in wildcard_tokens(pat):
        if t[0] == "any":
            s += "*"
        elif t[0] == "one":
            s += "?"
        else:
            s += {"*": "[*]", "?": "[?]", "[": "[[]"}.get(t[1], t[1])
    return s


def ip4num(s):
    return int(ipaddress.IPv4Address(s))


def cidr_bounds(c):
    n = ipaddress.ip_network(c, strict=False)
    return int(n.network_address), int(n.broadcast_address)


class SqlCtx:
    def __init__(self, types):
        self.types = types          # field -> hornet type text
        self.ipnum = set()          # ip fields that need the numeric twin column


def _sql_pred(p, cx):
    t = cx.types[p.field]
    c = col(p.field)
    islist = t.startswith("list<")
    vals = values_of(p.value) if p.op not in ("exists", "missing", "range") else None
    if p.op == "exists":
        return "%s IS NOT NULL" % c, False
    if p.op == "missing":
        return "%s IS NULL" % c, False
    if p.op == "range":
        return "%s BETWEEN %d AND %d" % (c, p.value[0], p.value[1]), True
    if p.op in ("gt", "lt"):
        return "%s %s %d" % (c, ">" if p.op == "gt" else "<", p.value), True
    if t in ("ip", "list<ip>"):
        assert p.op == "in" and not islist, p.field
        cx.ipnum.add(p.field)
        parts = []
        singles = [ip4num(v) for v in vals if "/" not in v]
        if singles:
            parts.append("%s IN (%s)" % (ncol(p.field), ", ".join(str(x) for x in singles)))
        for v in vals:
            if "/" in v:
                lo, hi = cidr_bounds(v)
                parts.append("%s BETWEEN %d AND %d" % (ncol(p.field), lo, hi))
        return "(" + " OR ".join(parts) + ")", True
    if islist:
        # elements joined by char(31): equality is an instr of the framed value; contains on
        # the joined text equals contains on some element (no pattern holds char(31)).
        if p.op in ("has", "eq", "in"):
            assert not p.ci
            parts = ["instr(%s, char(31) || %s || char(31)) > 0" % (c, sq(v)) for v in vals]
            return "(" + " OR ".join(parts) + ")", True
        if p.op == "contains":
            if p.ci:
                parts = ["%s LIKE %s ESCAPE '\\'" % (c, sq("%" + like_escape(v) + "%")) for v in vals]
            else:
                parts = ["instr(%s, %s) > 0" % (c, sq(v)) for v in vals]
            j = " AND " if p.quant == "all" else " OR "
            return "(" + j.join(parts) + ")", True
        raise ValueError("unsupported list op %s on %s" % (p.op, p.field))
    if t == "int":
        if p.op == "eq":
            return "%s = %d" % (c, p.value), True
        if p.op == "ne":
            return "(%s IS NULL OR %s <> %d)" % (c, c, p.value), False
        if p.op == "in":
            return "%s IN (%s)" % (c, ", ".join(str(v) for v in vals)), True
        raise ValueError(p.op)
    if t == "bool":
        if p.op == "eq":
            return "%s = %d" % (c, 1 if p.value else 0), True
        raise ValueError(p.op)
    # strings
    lc = "lower(%s)" % c if p.ci else c
    lit = (lambda v: sq(v.lower())) if p.ci else sq
    if p.op == "eq":
        return "%s = %s" % (lc, lit(p.value)), True
    if p.op == "ne":
        return "(%s IS NULL OR %s <> %s)" % (c, lc, lit(p.value)), False
    if p.op == "in":
        return "%s IN (%s)" % (lc, ", ".join(lit(v) for v in vals)), True
    parts = []
    for v in vals:
        if p.op == "contains":
            parts.append("%s LIKE %s ESCAPE '\\'" % (c, sq("%" + like_escape(v) + "%")) if p.ci
                         else "instr(%s, %s) > 0" % (c, sq(v)))
        elif p.op == "startswith":
            parts.append("%s LIKE %s ESCAPE '\\'" % (c, sq(like_escape(v) + "%")) if p.ci
                         else "substr(%s, 1, %d) = %s" % (c, len(v), sq(v)))
        elif p.op == "endswith":
            parts.append("%s LIKE %s ESCAPE '\\'" % (c, sq("%" + like_escape(v))) if p.ci
                         else "substr(%s, -%d) = %s" % (c, len(v), sq(v)))
        elif p.op == "like":
            parts.append("%s LIKE %s ESCAPE '\\'" % (c, sq(sql_like_pattern(v))) if p.ci
                         else "%s GLOB %s" % (c, sq(sql_glob_pattern(v))))
        elif p.op == "matches":
            parts.append("%s REGEXP %s" % (c, sq(("(?i)" if p.ci else "") + v)))
        else:
            raise ValueError(p.op)
    j = " AND " if p.quant == "all" else " OR "
    return (parts[0] if len(parts) == 1 else "(" + j.join(parts) + ")"), True


def to_sql(node, cx, negated=False):
    """A WHERE clause with hornet's two-valued logic: under an odd number of `not`, a
    predicate that SQL would make NULL (missing field) is read as false with ifnull()."""
    if isinstance(node, Macro):
        return to_sql(node.body, cx, negated)
    if isinstance(node, And):
        return "(" + " AND ".join(to_sql(k, cx, negated) for k in node.kids) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(to_sql(k, cx, negated) for k in node.kids) + ")"
    if isinstance(node, Not):
        return "NOT " + to_sql(node.kid, cx, not negated)
    if isinstance(node, FieldCmp):
        a, b = col(node.a), col(node.b)
        if node.op == "eq":
            s = "lower(%s) = lower(%s)" % (a, b)
            return "ifnull(%s, 0)" % s if negated else s
        return "(%s IS NULL OR %s IS NULL OR lower(%s) <> lower(%s))" % (a, b, a, b)
    s, nullable = _sql_pred(node, cx)
    return "ifnull(%s, 0)" % s if negated and nullable else s


# ---------------------------------------------------------------------------------------------
# Python evaluator (for witnesses only)
# ---------------------------------------------------------------------------------------------


def _like_re(pat, ci):
    rx = ""
    for t in wildcard_tokens(pat):
        rx += ".*" if t[0] == "any" else "." if t[0] == "one" else re.escape(t[1])
    return re.compile(rx + r"\Z", re.S | (re.I if ci else 0))


def _str_pred(op, ci, v, pats, quant):
    if ci:
        v = v.lower()

    def one(pt):
        q = pt.lower() if ci else pt
        if op == "contains":
            return q in v
        if op == "startswith":
            return v.startswith(q)
        if op == "endswith":
            return v.endswith(q)
        if op == "like":
            return _like_re(pt, ci).match(v) is not None
        if op == "matches":
            return re.search(pt, v, re.A | (re.I if ci else 0)) is not None
        raise ValueError(op)
    rs = [one(p) for p in pats]
    return all(rs) if quant == "all" else any(rs)


def evaluate(node, ev, types):
    if isinstance(node, Macro):
        return evaluate(node.body, ev, types)
    if isinstance(node, And):
        return all(evaluate(k, ev, types) for k in node.kids)
    if isinstance(node, Or):
        return any(evaluate(k, ev, types) for k in node.kids)
    if isinstance(node, Not):
        return not evaluate(node.kid, ev, types)
    if isinstance(node, FieldCmp):
        a, b = ev.get(node.a), ev.get(node.b)
        if node.op == "eq":
            return a is not None and b is not None and a.lower() == b.lower()
        return a is None or b is None or a.lower() != b.lower()
    p = node
    v = ev.get(p.field)
    if p.op == "exists":
        return v is not None
    if p.op == "missing":
        return v is None
    if p.op == "ne":
        if v is None:
            return True
        elems = v if isinstance(v, list) else [v]
        q = p.value.lower() if p.ci else p.value
        return all((e.lower() if p.ci else e) != q for e in elems)
    if v is None:
        return False
    elems = v if isinstance(v, list) else [v]
    t = types[p.field]
    for e in elems:
        if p.op == "range":
            ok = p.value[0] <= e <= p.value[1]
        elif p.op == "gt":
            ok = e > p.value
        elif p.op == "lt":
            ok = e < p.value
        elif p.op in ("eq", "has"):
            ok = (e.lower() == p.value.lower()) if p.ci else e == p.value
        elif p.op == "in":
            vals = values_of(p.value)
            if t in ("ip", "list<ip>"):
                a = ipaddress.ip_address(e)
                ok = any(a.version == ipaddress.ip_network(c, strict=False).version and
                         a in ipaddress.ip_network(c, strict=False) for c in vals)
            elif p.ci:
                ok = e.lower() in [x.lower() for x in vals]
            else:
                ok = e in vals
        else:
            ok = _str_pred(p.op, p.ci, e, values_of(p.value), p.quant)
        if ok:
            return True
    return False


def read_schema(path):
    """field -> type text, from stdlib/ecs.hn (`path: type` lines inside the schema)."""
    types = {}
    for line in open(path, encoding="utf-8"):
        line = line.split("//")[0].strip()
        m = re.match(r"^([@A-Za-z_][\w.@]*)\s*:\s*(\S+)$", line)
        if m:
            types[m.group(1)] = m.group(2)
        m = re.match(r"^time\s+(\S+)$", line)
        if m:
            types[m.group(1)] = "timestamp"
    return types
