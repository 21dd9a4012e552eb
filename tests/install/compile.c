/* compile.c - a program built against an installed libhornetc (pkg-config hornetc, or
 * hornet::hornetc): checks and compiles a pack importing std.ecs from the stdlib directory
 * the build passed as STDLIB (the installed one), and prints what the pack declares. */
#include <stdio.h>
#include <hornet/compiler.h>

static const char pack[] = "pack install.check 1.0.0\n\nimport std.ecs ^1.0.0\n\n"
                           "rule whoami {\n  severity low\n  where process.name == \"whoami.exe\"\n"
                           "  entities host.name\n}\n";

int main(void) {
  hnc_compiler *c = hnc_compiler_create();
  if (!c) return 1;
  hn_status st = hnc_compiler_set_stdlib(c, STDLIB);
  if (st == HN_OK) st = hnc_compiler_add_source(c, "check.hn", pack, sizeof pack - 1);
  if (st == HN_OK) st = hnc_compiler_check(c);
  hnc_compiler_print_diagnostics(c, stderr, HNC_FORMAT_TEXT, 0);
  hn_program *p = st == HN_OK ? hnc_compiler_program(c) : NULL;
  if (p) {
    printf("stdlib %s\n", hnc_compiler_stdlib(c));
    hnc_compiler_print_summary(c, stdout);
  }
  hn_program_destroy(p);
  hnc_compiler_destroy(c);
  return p ? 0 : 1;
}
