/* agen-version.c: the version of agen-glib a program runs with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-version-macros.h"

/**
 * agen_get_major_version:
 *
 * The major version of the agen-glib library the program runs with, which
 * may differ from %AGEN_MAJOR_VERSION, the one it was compiled against.
 *
 * Returns: the major version
 *
 * Since: 1.0
 */
guint
agen_get_major_version (void)
{
  return AGEN_MAJOR_VERSION;
}

/**
 * agen_get_minor_version:
 *
 * The minor version of the agen-glib library the program runs with.
 *
 * Returns: the minor version
 *
 * Since: 1.0
 */
guint
agen_get_minor_version (void)
{
  return AGEN_MINOR_VERSION;
}

/**
 * agen_get_micro_version:
 *
 * The micro version of the agen-glib library the program runs with.
 *
 * Returns: the micro version
 *
 * Since: 1.0
 */
guint
agen_get_micro_version (void)
{
  return AGEN_MICRO_VERSION;
}

/**
 * agen_check_version:
 * @required_major: the required major version
 * @required_minor: the required minor version
 * @required_micro: the required micro version
 *
 * Checks that the agen-glib library the program runs with is compatible
 * with version @required_major.@required_minor.@required_micro, as
 * glib_check_version() does: the same major version, and at least as new.
 * A binding checks this when it loads.
 *
 * Returns: (nullable): %NULL when it is compatible, else a string saying
 *   why not, owned by agen-glib
 *
 * Since: 1.0
 */
const char *
agen_check_version (guint required_major,
                    guint required_minor,
                    guint required_micro)
{
  guint running = AGEN_MAJOR_VERSION * 10000 + AGEN_MINOR_VERSION * 100 + AGEN_MICRO_VERSION;
  guint required = required_major * 10000 + required_minor * 100 + required_micro;

  if (required_major > AGEN_MAJOR_VERSION)
    return "agen-glib version too old (major mismatch)";
  if (required_major < AGEN_MAJOR_VERSION)
    return "agen-glib version too new (major mismatch)";
  if (required > running)
    return "agen-glib version too old (micro mismatch)";
  return NULL;
}
