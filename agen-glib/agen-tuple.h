/* agen-tuple.h: an immutable tuple of values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include <glib-object.h>

#include "agen-version-macros.h"

G_BEGIN_DECLS

/**
 * AGEN_TYPE_TUPLE:
 *
 * The #GType of #AgenTuple.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_TUPLE (agen_tuple_get_type ())

/**
 * AgenTuple:
 *
 * An immutable tuple of #GValue values. Its fields are private.
 *
 * Since: 1.0
 */
AGEN_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (AgenTuple, agen_tuple, AGEN, TUPLE, GObject)

AGEN_AVAILABLE_IN_1_0
AgenTuple    *agen_tuple_new      (const GValue *values,
                                   guint         n_values);
AGEN_AVAILABLE_IN_1_0
guint         agen_tuple_get_size (AgenTuple    *self);
AGEN_AVAILABLE_IN_1_0
const GValue *agen_tuple_get      (AgenTuple    *self,
                                   guint         index_);

G_END_DECLS
