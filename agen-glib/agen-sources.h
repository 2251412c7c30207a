/* agen-sources.h: generators over GIO and GObject sources
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
 * AgenOverflowPolicy:
 * @AGEN_OVERFLOW_DROP_OLDEST: forget the oldest buffered emission to make
 *   room for the new one.
 * @AGEN_OVERFLOW_DROP_NEWEST: forget the new emission.
 * @AGEN_OVERFLOW_RAISE: forget the new emission, and make the next
 *   operation fail at once with %G_IO_ERROR_NO_SPACE (its message names the
 *   signal and the bound), which finishes the generator: the emissions
 *   still buffered are dropped and the handler is disconnected. A close
 *   before that next still succeeds.
 *
 * What agen_generator_new_signal() does with an emission that comes while
 * its buffer is full. Whatever the policy, a consumer that keeps up never
 * loses an emission.
 *
 * Since: 1.0
 */
typedef enum
{
  AGEN_OVERFLOW_DROP_OLDEST,
  AGEN_OVERFLOW_DROP_NEWEST,
  AGEN_OVERFLOW_RAISE,
} AgenOverflowPolicy;

AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_lines      (GInputStream        *stream,
                                              int                  io_priority);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_file_infos (GFile               *directory,
                                              const char          *attributes,
                                              GFileQueryInfoFlags  flags,
                                              int                  io_priority);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_list_items (GListModel          *model);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_values     (const GValue        *values,
                                              guint                n_values);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_interval   (guint                interval_ms);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_new_signal     (gpointer             instance,
                                              const char          *detailed_signal,
                                              guint                max_buffered,
                                              AgenOverflowPolicy   overflow);

G_END_DECLS
