// simdjson_floor.cpp - the parsing floor for the hornet benchmark: one simdjson On Demand
// pass per line that extracts the fields a pack references (bench_N.fields) and nothing else.
//
//   simdjson_floor FIELDS EVENTS.jsonl
//
// Each referenced field is looked up by nested keys (the generator writes nested ECS, so a
// trie of key segments finds every field; hornet also accepts flat dotted keys, which this
// floor does not look for). Strings are copied out (unescaped) into a per-event buffer,
// integers and booleans parsed, arrays of strings copied element by element: the least a
// decoder has to do before a rule can look at a value. No rule is evaluated.
// Prints: events, fields extracted, a checksum, and the parse-only time (file read excluded).
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace simdjson;

struct Node {
  int field = -1;  // index of the field that ends here
  std::map<std::string, std::unique_ptr<Node>, std::less<>> kids;
};

struct Out {
  std::string buf;          // copied string values of the current event
  uint64_t nvalues = 0;     // values extracted, all events
  uint64_t checksum = 0;
};

static void take_value(ondemand::value v, Out &o);

static void walk_object(ondemand::object obj, const Node &n, Out &o);

static void take_scalar(ondemand::value v, Out &o) {
  ondemand::json_type t;
  if (v.type().get(t)) return;
  switch (t) {
  case ondemand::json_type::string: {
    std::string_view s;
    if (!v.get_string().get(s)) {
      o.buf.append(s);
      o.nvalues++;
      o.checksum += s.size();
    }
    break;
  }
  case ondemand::json_type::number: {
    int64_t i;
    double d;
    if (!v.get_int64().get(i)) o.checksum += (uint64_t)i;
    else if (!v.get_double().get(d)) o.checksum += (uint64_t)d;
    o.nvalues++;
    break;
  }
  case ondemand::json_type::boolean: {
    bool b;
    if (!v.get_bool().get(b)) o.checksum += b;
    o.nvalues++;
    break;
  }
  default:
    break;
  }
}

static void take_value(ondemand::value v, Out &o) {
  ondemand::json_type t;
  if (v.type().get(t)) return;
  if (t == ondemand::json_type::array) {
    ondemand::array a;
    if (v.get_array().get(a)) return;
    for (auto el : a) {
      ondemand::value ev;
      if (!el.get(ev)) take_value(ev, o);
    }
  } else {
    take_scalar(v, o);
  }
}

static void walk_value(ondemand::value v, const Node &n, Out &o) {
  ondemand::json_type t;
  if (v.type().get(t)) return;
  if (t == ondemand::json_type::object) {
    ondemand::object obj;
    if (!v.get_object().get(obj)) walk_object(obj, n, o);
  } else if (t == ondemand::json_type::array) {  // a path that crosses an array of objects
    ondemand::array a;
    if (v.get_array().get(a)) return;
    for (auto el : a) {
      ondemand::value ev;
      if (!el.get(ev)) walk_value(ev, n, o);
    }
  }
}

static void walk_object(ondemand::object obj, const Node &n, Out &o) {
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) continue;
    auto it = n.kids.find(key);
    if (it == n.kids.end()) continue;  // not referenced: On Demand skips it
    const Node &k = *it->second;
    ondemand::value v;
    if (field.value().get(v)) continue;
    if (k.field >= 0)
      take_value(v, o);
    else
      walk_value(v, k, o);
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: simdjson_floor FIELDS EVENTS.jsonl\n");
    return 2;
  }
  Node root;
  std::ifstream ff(argv[1]);
  std::string line;
  int nf = 0;
  while (std::getline(ff, line)) {
    std::string path = line.substr(0, line.find('\t'));
    if (path.empty()) continue;
    Node *n = &root;
    size_t s = 0;
    while (true) {
      size_t d = path.find('.', s);
      std::string seg = path.substr(s, d == std::string::npos ? std::string::npos : d - s);
      auto &slot = n->kids[seg];
      if (!slot) slot = std::make_unique<Node>();
      n = slot.get();
      if (d == std::string::npos) break;
      s = d + 1;
    }
    n->field = nf++;
  }
  padded_string json;
  if (padded_string::load(argv[2]).get(json)) {
    std::fprintf(stderr, "simdjson_floor: cannot read %s\n", argv[2]);
    return 1;
  }
#define HN_STR2(x) #x
#define HN_STR(x) HN_STR2(x)
  std::fprintf(stderr, "simdjson On Demand kernel: %s\n", HN_STR(SIMDJSON_BUILTIN_IMPLEMENTATION));
  ondemand::parser parser;
  Out o;
  o.buf.reserve(4096);
  uint64_t events = 0, errors = 0;
  auto t0 = std::chrono::steady_clock::now();
  const char *p = json.data(), *end = p + json.size();
  while (p < end) {
    const char *nl = static_cast<const char *>(std::memchr(p, '\n', (size_t)(end - p)));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (len) {
      o.buf.clear();
      // the rest of the padded file follows the line, so the padding is there
      ondemand::document doc;
      ondemand::object obj;
      if (parser.iterate(p, len, (size_t)(end - p) + SIMDJSON_PADDING).get(doc) || doc.get_object().get(obj)) {
        errors++;
      } else {
        walk_object(obj, root, o);
      }
      events++;
    }
    p += len + 1;
  }
  double ns = (double)std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  std::printf("events %llu fields %d values %llu errors %llu checksum %llu parse_ns_per_event %.1f\n",
              (unsigned long long)events, nf, (unsigned long long)o.nvalues, (unsigned long long)errors,
              (unsigned long long)o.checksum, events ? ns / (double)events : 0.0);
  return errors ? 1 : 0;
}
