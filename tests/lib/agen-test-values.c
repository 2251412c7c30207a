/* agen-test-values.c: errors and values in the C tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "agen-test-harness.h"

G_DEFINE_QUARK (agen-test-error-quark, agen_test_error)

GError *
agen_test_error_new (gint code)
{
  return g_error_new (AGEN_TEST_ERROR, code, "thrown error %d", code);
}

const char *
agen_test_error_name (const GError *error)
{
  char buf[32];

  if (error == NULL)
    return "none";

  if (error->domain == AGEN_ERROR)
    {
      switch (error->code)
        {
        case AGEN_ERROR_EXIT: return "EXIT";
        case AGEN_ERROR_IGNORED_EXIT: return "IGNORED_EXIT";
        case AGEN_ERROR_NOT_STARTED: return "NOT_STARTED";
        case AGEN_ERROR_WRONG_CONTEXT: return "WRONG_CONTEXT";
        case AGEN_ERROR_INVALID_BODY: return "INVALID_BODY";
        default: return "AGEN?";
        }
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return "CANCELLED";
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    return "PENDING";
  if (error->domain == AGEN_TEST_ERROR)
    {
      g_snprintf (buf, sizeof buf, "E%d", error->code);
      return g_intern_string (buf);
    }
  return "other";
}

void
agen_test_value_init_int (GValue *value,
                          gint    n)
{
  g_value_init (value, G_TYPE_INT);
  g_value_set_int (value, n);
}

char *
agen_test_value_to_string (const GValue *value)
{
  if (G_VALUE_HOLDS_INT (value))
    return g_strdup_printf ("%d", g_value_get_int (value));
  if (G_VALUE_HOLDS_STRING (value))
    return g_strdup (g_value_get_string (value) != NULL ? g_value_get_string (value) : "(null)");
  if (G_VALUE_HOLDS_POINTER (value) && g_value_get_pointer (value) == NULL)
    return g_strdup ("none");
  return g_strdup_value_contents (value);
}
