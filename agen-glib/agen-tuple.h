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
 * The #GType of #AgenTuple, a boxed type.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_TUPLE (agen_tuple_get_type ())

/**
 * AgenTuple:
 *
 * An immutable, reference-counted tuple of #GValue values. Its fields are private.
 *
 * Since: 1.0
 */
typedef struct _AgenTuple AgenTuple;

AGEN_AVAILABLE_IN_1_0
GType         agen_tuple_get_type (void) G_GNUC_CONST;

AGEN_AVAILABLE_IN_1_0
AgenTuple    *agen_tuple_new      (const GValue *values,
                                   guint         n_values);
AGEN_AVAILABLE_IN_1_0
AgenTuple    *agen_tuple_ref      (AgenTuple    *self);
AGEN_AVAILABLE_IN_1_0
void          agen_tuple_unref    (AgenTuple    *self);
AGEN_AVAILABLE_IN_1_0
guint         agen_tuple_get_size (AgenTuple    *self);
AGEN_AVAILABLE_IN_1_0
const GValue *agen_tuple_get      (AgenTuple    *self,
                                   guint         index_);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AgenTuple, agen_tuple_unref)

G_END_DECLS
