/* agen-value-item.h: a list item holding any value
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
 * AGEN_TYPE_VALUE_ITEM:
 *
 * The #GType of #AgenValueItem.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_VALUE_ITEM (agen_value_item_get_type ())

/**
 * AgenValueItem:
 *
 * An object holding one #GValue, the item of a list model of values. Its
 * fields are private.
 *
 * Since: 1.0
 */
AGEN_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (AgenValueItem, agen_value_item, AGEN, VALUE_ITEM, GObject)

AGEN_AVAILABLE_IN_1_0
AgenValueItem *agen_value_item_new       (const GValue  *value);
AGEN_AVAILABLE_IN_1_0
const GValue  *agen_value_item_get_value (AgenValueItem *self);

G_END_DECLS
