/* test-version.c: the version a program runs with (the manual's
 * "Versioning" section). Not a rule of the contract: the library's
 * identity, which the bindings check when they load.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* A program that supports 1.0 and uses nothing newer compiles cleanly. */
#define AGEN_VERSION_MIN_REQUIRED AGEN_VERSION_1_0
#define AGEN_VERSION_MAX_ALLOWED AGEN_VERSION_1_0

#include <agen-glib/agen.h>

static void
test_version_runtime_is_compile_time (void)
{
  g_assert_cmpuint (agen_get_major_version (), ==, AGEN_MAJOR_VERSION);
  g_assert_cmpuint (agen_get_minor_version (), ==, AGEN_MINOR_VERSION);
  g_assert_cmpuint (agen_get_micro_version (), ==, AGEN_MICRO_VERSION);
  g_assert_true (AGEN_CHECK_VERSION (1, 0, 0));
  g_assert_false (AGEN_CHECK_VERSION (AGEN_MAJOR_VERSION + 1, 0, 0));
}

static void
test_version_check (void)
{
  g_assert_null (agen_check_version (AGEN_MAJOR_VERSION, AGEN_MINOR_VERSION, AGEN_MICRO_VERSION));
  g_assert_null (agen_check_version (AGEN_MAJOR_VERSION, 0, 0));
  g_assert_nonnull (agen_check_version (AGEN_MAJOR_VERSION, AGEN_MINOR_VERSION, AGEN_MICRO_VERSION + 1));
  g_assert_nonnull (agen_check_version (AGEN_MAJOR_VERSION, AGEN_MINOR_VERSION + 1, 0));
  g_assert_nonnull (agen_check_version (AGEN_MAJOR_VERSION + 1, 0, 0));
  g_assert_nonnull (agen_check_version (AGEN_MAJOR_VERSION - 1, 0, 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/version/runtime-is-compile-time", test_version_runtime_is_compile_time);
  g_test_add_func ("/version/check", test_version_check);
  return g_test_run ();
}
