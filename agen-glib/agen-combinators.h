/* agen-combinators.h: generators made of other generators
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
 * AgenMapFunc:
 * @item: an item of the source
 * @result: (out caller-allocates): an unset #GValue to initialise and fill
 *   with the mapped item
 * @user_data: the data given to agen_generator_map()
 * @error: return location for a #GError
 *
 * Maps one item for agen_generator_map().
 *
 * Returns: %TRUE with @result set, or %FALSE with @error set, which the
 *   map raises
 *
 * Since: 1.0
 */
typedef gboolean (*AgenMapFunc) (const GValue  *item,
                                 GValue        *result,
                                 gpointer       user_data,
                                 GError       **error);

/**
 * AgenFilterFunc:
 * @item: an item of the source
 * @user_data: the data given to agen_generator_filter()
 * @error: return location for a #GError
 *
 * Chooses the items agen_generator_filter() keeps. A check that can fail
 * (one that reads a file's attributes, say) sets @error, which the filter
 * raises.
 *
 * Returns: %TRUE to keep @item; %FALSE to drop it, or with @error set to
 *   fail
 *
 * Since: 1.0
 */
typedef gboolean (*AgenFilterFunc) (const GValue  *item,
                                    gpointer       user_data,
                                    GError       **error);

AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_map       (AgenGenerator        *self,
                                         AgenMapFunc           func,
                                         gpointer              user_data,
                                         GDestroyNotify        user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_filter    (AgenGenerator        *self,
                                         AgenFilterFunc        func,
                                         gpointer              user_data,
                                         GDestroyNotify        user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_take      (AgenGenerator        *self,
                                         guint                 n_items);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_skip      (AgenGenerator        *self,
                                         guint                 n_items);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_enumerate (AgenGenerator        *self);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_batch     (AgenGenerator        *self,
                                         guint                 size,
                                         guint                 timeout_ms);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_chain     (AgenGenerator * const *sources,
                                         guint                 n_sources);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_zip       (AgenGenerator * const *sources,
                                         guint                 n_sources);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_merge     (AgenGenerator * const *sources,
                                         guint                 n_sources);

/* The non-deprecated forms of enumerate, batch and zip: items are AgenTuples. */
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_enumerate_tuples (AgenGenerator        *self);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_batch_tuples     (AgenGenerator        *self,
                                                guint                 size,
                                                guint                 timeout_ms);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_zip_tuples       (AgenGenerator * const *sources,
                                                guint                 n_sources);

AGEN_AVAILABLE_IN_1_0
void           agen_generator_collect_async        (AgenGenerator       *self,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
GPtrArray     *agen_generator_collect_finish       (AgenGenerator       *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
AGEN_AVAILABLE_IN_1_0
void           agen_generator_collect_store_async  (AgenGenerator       *self,
                                                    GListStore          *store,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
AGEN_AVAILABLE_IN_1_0
gboolean       agen_generator_collect_store_finish (AgenGenerator       *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* Time and retry: agen-combinators-time.c */

/**
 * AgenGeneratorFactory:
 * @attempt: the number of the attempt, from 1
 * @user_data: the data given to agen_generator_retry()
 * @error: return location for a #GError
 *
 * Makes the generator of an attempt of agen_generator_retry().
 *
 * Returns: (transfer full) (nullable): a new #AgenGenerator, or %NULL with
 *   @error set, which the retry raises
 *
 * Since: 1.0
 */
typedef AgenGenerator *(*AgenGeneratorFactory) (guint     attempt,
                                                gpointer  user_data,
                                                GError  **error);

AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_debounce  (AgenGenerator        *self,
                                         guint                 period_ms);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_throttle  (AgenGenerator        *self,
                                         guint                 period_ms);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_timeout   (AgenGenerator        *self,
                                         guint                 timeout_ms);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_retry     (AgenGeneratorFactory  factory,
                                         gpointer              factory_data,
                                         GDestroyNotify        factory_data_destroy,
                                         guint                 max_attempts,
                                         guint                 backoff_ms,
                                         gboolean              after_items);
/* Higher-order, state and sharing operators (agen-combinators-higher.c,
 * agen-combinators-sequence.c; sharing is #AgenShare, agen-share.h). */

/**
 * AgenFlatMapFunc:
 * @item: an item of the outer source
 * @user_data: the data given to agen_generator_flat_map() (or its kin)
 * @error: return location for a #GError
 *
 * Makes the inner generator of one item for agen_generator_flat_map(),
 * agen_generator_flat_map_merge() and agen_generator_switch_map().
 *
 * Returns: (transfer full) (nullable): a new generator, which the flat map
 *   owns and closes, or %NULL with @error set, which the flat map raises
 *
 * Since: 1.0
 */
typedef AgenGenerator *(*AgenFlatMapFunc) (const GValue  *item,
                                           gpointer       user_data,
                                           GError       **error);

/**
 * AgenScanFunc:
 * @accumulated: the running value: the initial value, or what the function
 *   made of the item before
 * @item: an item of the source
 * @result: (out caller-allocates): an unset #GValue to initialise and fill
 *   with the new running value
 * @user_data: the data given to agen_generator_scan()
 * @error: return location for a #GError
 *
 * Folds one item into the running value for agen_generator_scan().
 *
 * Returns: %TRUE with @result set, or %FALSE with @error set, which the
 *   scan raises
 *
 * Since: 1.0
 */
typedef gboolean (*AgenScanFunc) (const GValue  *accumulated,
                                  const GValue  *item,
                                  GValue        *result,
                                  gpointer       user_data,
                                  GError       **error);

/**
 * AgenEqualFunc:
 * @a: an item
 * @b: the item before it
 * @user_data: the data given to agen_generator_distinct()
 *
 * Tells whether two items are equal, for agen_generator_distinct().
 *
 * Returns: %TRUE when @a and @b are equal
 *
 * Since: 1.0
 */
typedef gboolean (*AgenEqualFunc) (const GValue *a,
                                   const GValue *b,
                                   gpointer      user_data);

AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_flat_map       (AgenGenerator   *self,
                                              AgenFlatMapFunc  func,
                                              gpointer         user_data,
                                              GDestroyNotify   user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_flat_map_merge (AgenGenerator   *self,
                                              guint            concurrency,
                                              AgenFlatMapFunc  func,
                                              gpointer         user_data,
                                              GDestroyNotify   user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_switch_map     (AgenGenerator   *self,
                                              AgenFlatMapFunc  func,
                                              gpointer         user_data,
                                              GDestroyNotify   user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_scan           (AgenGenerator   *self,
                                              const GValue    *initial,
                                              AgenScanFunc     func,
                                              gpointer         user_data,
                                              GDestroyNotify   user_data_destroy);
AGEN_AVAILABLE_IN_1_0
AgenGenerator *agen_generator_distinct       (AgenGenerator   *self,
                                              AgenEqualFunc    func,
                                              gpointer         user_data,
                                              GDestroyNotify   user_data_destroy);

G_END_DECLS
