/* agen-task-private.h: the GAsyncResult face of the operations
 *
 * Included by the files that complete a consumer's call with a GTask: the
 * consumer face (agen-generator.c), foreach, collect and shutdown. One
 * GTask per call; an AgenReply completes it, and the _finish functions
 * propagate it, with GIO's checks of the result.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "agen-operation-private.h"

G_BEGIN_DECLS

GTask    *_agen_task_new               (gpointer              source_object,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data,
                                        gpointer              source_tag);
void      _agen_task_return_reply      (GTask                *task,
                                        AgenReply            *reply);
gpointer  _agen_task_enter_call        (GTask                *task);
void      _agen_task_leave_call        (gpointer              previous);
void      _agen_task_complete          (GTask                *task,
                                        AgenReply            *reply);
gboolean  _agen_task_propagate_item    (GAsyncResult         *result,
                                        GValue               *item,
                                        GError              **error);
gboolean  _agen_task_propagate_success (GAsyncResult         *result,
                                        GError              **error);
gpointer  _agen_task_propagate_pointer (GAsyncResult         *result,
                                        GError              **error);
gboolean  _agen_item_move_out          (GValue               *produced,
                                        GValue               *item);
void      _agen_value_free             (gpointer              value);

G_END_DECLS
