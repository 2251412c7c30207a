/* agen-list-model.h: a GListModel that fills itself from a generator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(AGEN_INSIDE) && !defined(AGEN_COMPILATION)
#error "Only <agen-glib/agen.h> can be included directly."
#endif

#include <gio/gio.h>

#include "agen-generator.h"
#include "agen-version-macros.h"

G_BEGIN_DECLS

/**
 * AGEN_TYPE_LIST_MODEL:
 *
 * The #GType of #AgenListModel.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_LIST_MODEL (agen_list_model_get_type ())

/**
 * AgenListModel:
 *
 * A #GListModel filled from a generator of objects. Its fields are private.
 *
 * Since: 1.0
 */
AGEN_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (AgenListModel, agen_list_model, AGEN, LIST_MODEL, GObject)

AGEN_AVAILABLE_IN_1_0
AgenListModel *agen_list_model_new                (AgenGenerator *generator,
                                                   GType          item_type,
                                                   guint          page_size);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_list_model_get_generator      (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
guint          agen_list_model_get_page_size      (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
void           agen_list_model_set_page_size      (AgenListModel *self,
                                                   guint          page_size);
AGEN_AVAILABLE_IN_1_0
guint          agen_list_model_get_autoload_limit (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
void           agen_list_model_set_autoload_limit (AgenListModel *self,
                                                   guint          limit);
AGEN_AVAILABLE_IN_1_0
guint          agen_list_model_get_announce_interval (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
void           agen_list_model_set_announce_interval (AgenListModel *self,
                                                      guint          interval_ms);
AGEN_AVAILABLE_IN_1_0
void           agen_list_model_load_more          (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_list_model_get_loading        (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_list_model_get_complete       (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
const GError  *agen_list_model_get_error          (AgenListModel *self);
AGEN_AVAILABLE_IN_1_0
void           agen_list_model_cancel             (AgenListModel *self);

G_END_DECLS
