/* agen-list-model.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-list-model.h"

struct _AgenListModel
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AgenListModel, agen_list_model, G_TYPE_OBJECT)

static void
agen_list_model_class_init (AgenListModelClass *klass)
{
}

static void
agen_list_model_init (AgenListModel *self)
{
}
