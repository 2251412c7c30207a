/* agen-test-private.h: what the harness's own files share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How many calls into agen-glib that the harness made are on the stack
 * (agen_test_start_*(), and a script's resume from a gate's callback): a
 * script counts the body calls made inside one, which dispatch-body
 * forbids. */
G_GNUC_INTERNAL extern guint agen_test_call_depth;

G_END_DECLS
