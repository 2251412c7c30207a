/* agen-share.h: one generator read by several consumers
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
 * AGEN_TYPE_SHARE:
 *
 * The #GType of #AgenShare.
 *
 * Since: 1.0
 */
#define AGEN_TYPE_SHARE (agen_share_get_type ())

/**
 * AGEN_SHARE_DEFAULT_BUFFER_SIZE:
 *
 * The #AgenShare:buffer-size of agen_generator_tee() given 0: 256 items.
 * A branch ahead of the others runs ahead by up to a whole buffer before
 * it waits for the slowest, so each wait is paid once per buffer of
 * items. The share holds at most that many items, each a #GValue (24
 * bytes) and what it holds (a reference, a string), in an array that grows
 * only as items are held.
 *
 * Since: 1.0
 */
#define AGEN_SHARE_DEFAULT_BUFFER_SIZE 256

/**
 * AgenShare:
 *
 * One source generator read by several branches, each a generator of its
 * own. Its fields are private.
 *
 * Since: 1.0
 */
AGEN_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (AgenShare, agen_share, AGEN, SHARE, GObject)

AGEN_AVAILABLE_IN_1_0
AgenShare     *agen_share_new             (AgenGenerator *source,
                                           guint          buffer_size);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_share_new_branch      (AgenShare     *self);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_share_get_source      (AgenShare     *self);
AGEN_AVAILABLE_IN_1_0
guint          agen_share_get_buffer_size (AgenShare     *self);
AGEN_AVAILABLE_IN_1_0
void           agen_share_set_buffer_size (AgenShare     *self,
                                           guint          buffer_size);
AGEN_AVAILABLE_IN_1_0
guint          agen_share_get_n_buffered  (AgenShare     *self);

AGEN_AVAILABLE_IN_1_0
GPtrArray     *agen_generator_tee         (AgenGenerator *self,
                                           guint          n_branches,
                                           guint          buffer_size);

G_END_DECLS
