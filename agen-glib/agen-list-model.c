/* agen-list-model.c: a GListModel that fills itself from a generator
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-generator-private.h"
#include "agen-list-model.h"
#include "agen-value-item.h"

/**
 * SECTION:agen-list-model
 * @title: AgenListModel
 * @short_description: a #GListModel that fills itself from a generator, page by page
 *
 * An #AgenListModel is a #GListModel whose items come from an
 * #AgenGenerator of objects: the messages of a mailbox, the results of a
 * search, the pages of a web API, shown in a `GtkListView` that loads more
 * as the user scrolls down.
 *
 * The model pulls the generator only when asked. agen_list_model_load_more()
 * loads one page of #AgenListModel:page-size items;
 * #AgenListModel:autoload-limit makes the model load page after page by
 * itself until it holds that many items. While a page loads,
 * #AgenListModel:loading is %TRUE.
 *
 * The items of a page are announced together, in one
 * #GListModel::items-changed signal when the page ends: a generator that
 * yields without awaiting fills a page of 50 items in one signal. While the
 * generator awaits something slow, the items that have arrived are announced
 * as soon as the main loop has nothing more urgent to do, so that the view
 * shows them as they come.
 *
 * A model that loads many pages by itself announces once per page; each
 * announcement costs the view a layout of its rows, and whatever listens to
 * #GListModel::items-changed its handlers. #AgenListModel:announce-interval
 * batches them: while the model loads, it announces at most once per
 * interval (100 ms suits a view that streams thousands of rows), and
 * announces what remains as soon as loading stops.
 *
 * The model ends in one of three ways, after which
 * agen_list_model_load_more() does nothing:
 *
 * - the generator finished: #AgenListModel:complete becomes %TRUE;
 * - the generator raised an error, or yielded something that is not an
 *   #AgenListModel:item-type object: #AgenListModel:error holds the error
 *   (in the second case %G_IO_ERROR_INVALID_DATA, and the model closes the
 *   generator); the items loaded so far stay;
 * - agen_list_model_cancel() was called: neither of the above.
 *
 * The model must be the generator's only consumer, and be used in the main
 * context the generator belongs to.
 *
 * A generator of strings, numbers or any other values fills a model whose
 * item type is %AGEN_TYPE_VALUE_ITEM: the model wraps each item in an
 * #AgenValueItem, whose agen_value_item_get_value() gives the item back.
 *
 * Backing a `GtkListView`, with a spinner while a page loads:
 *
 * |[<!-- language="C" -->
 * static void
 * bind_row (GtkSignalListItemFactory *factory,
 *           GtkListItem              *list_item,
 *           gpointer                  user_data)
 * {
 *   MyMessage *message = gtk_list_item_get_item (list_item);
 *
 *   gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)),
 *                       my_message_get_subject (message));
 * }
 *
 * static void
 * on_edge_reached (GtkScrolledWindow *scrolled,
 *                  GtkPositionType    position,
 *                  gpointer           user_data)
 * {
 *   if (position == GTK_POS_BOTTOM)
 *     agen_list_model_load_more (AGEN_LIST_MODEL (user_data));
 * }
 *
 * ...
 *   // A generator that yields MyMessage objects, fetched as it is pulled.
 *   g_autoptr(AgenGenerator) messages = my_mailbox_list_messages (mailbox);
 *   AgenListModel *model = agen_list_model_new (messages, MY_TYPE_MESSAGE, 50);
 *   GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
 *   GtkWidget *view;
 *
 *   g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);  // a GtkLabel
 *   g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
 *   g_object_bind_property (model, "loading", spinner, "spinning", G_BINDING_SYNC_CREATE);
 *   g_signal_connect_object (scrolled, "edge-reached", G_CALLBACK (on_edge_reached), model, 0);
 *
 *   agen_list_model_load_more (model);   // the first page
 *   // The view takes the selection model, which takes the model.
 *   view = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (model))),
 *                             factory);
 *   gtk_scrolled_window_set_child (scrolled, view);
 * ]|
 *
 * Instead of loading on `edge-reached`, setting #AgenListModel:autoload-limit
 * to 200 fills the first 200 rows with no further code.
 */

enum
{
  PROP_0,
  PROP_GENERATOR,
  PROP_ITEM_TYPE,
  PROP_PAGE_SIZE,
  PROP_AUTOLOAD_LIMIT,
  PROP_ANNOUNCE_INTERVAL,
  PROP_LOADING,
  PROP_N_ITEMS,
  PROP_COMPLETE,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define AGEN_LIST_MODEL_DEFAULT_PAGE_SIZE 50
/* How long the model pulls a body that does not await before it lets the
 * main loop run, as agen_generator_foreach_async() does. */
#define AGEN_LIST_MODEL_SLICE_USEC 1000

/* The page being loaded. Whatever drives it owns it: the next operation in
 * flight, or the slice scheduled to pull on (one of them at a time); the
 * model only points at it. A cancel or a dispose abandons it (model = NULL)
 * without waiting: the operation in flight or the slice then finds it
 * abandoned, so it never touches a model that may be gone. */
typedef struct
{
  AgenListModel *model;        /* not owned; NULL once abandoned */
  GCancellable *cancellable;   /* owned */
  guint n_wanted;              /* items still to load */
  gboolean scheduled;          /* a slice will pull on: no operation in flight */
  gboolean close_generator;    /* abandoned by a cancel: close the generator */
} AgenListModelPage;

struct _AgenListModel
{
  GObject parent_instance;

  AgenGenerator *generator;
  GType item_type;
  guint page_size;
  guint autoload_limit;
  guint announce_interval;     /* ms; 0: announce each page */

  /* The first n_items are announced; the others arrived in the page in
   * flight and wait for announce_source or the end of the page (or, with
   * an announce interval, the end of the interval or of loading). */
  GPtrArray *items;
  guint n_items;
  GSource *announce_source;    /* an idle, or a timeout with an interval */
  gint64 last_announce;        /* monotonic µs of the last announcement; 0: none yet */

  AgenListModelPage *page;     /* NULL unless loading */
  GError *error;
  guint complete : 1;
  guint cancelled : 1;
};

static void agen_list_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AgenListModel, agen_list_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      agen_list_model_list_model_init))

static void agen_list_model_on_next (GObject      *source_object,
                                     GAsyncResult *result,
                                     gpointer      user_data);

/* ---------------------------------------------------------------------- *
 * Announcing items
 * ---------------------------------------------------------------------- */

static void
agen_list_model_destroy_source (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

/* Announces the items that arrived since the last announcement, in one
 * signal. */
static void
agen_list_model_announce (AgenListModel *self)
{
  guint position = self->n_items;
  guint added = self->items->len - position;

  g_clear_pointer (&self->announce_source, agen_list_model_destroy_source);
  if (added == 0)
    return;

  self->n_items = self->items->len;
  self->last_announce = g_get_monotonic_time ();
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, added);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static gboolean
agen_list_model_announce_cb (gpointer user_data)
{
  g_autoptr(AgenListModel) self = g_object_ref (user_data);

  agen_list_model_announce (self);
  return G_SOURCE_REMOVE;
}

/* Announces the items that arrived while loading goes on: @at_once (at
 * the end of a page), or just below the generator's priority, that of the
 * slices that pull a generator that yields without awaiting (while it
 * awaits: when nothing more urgent is left). With an announce interval,
 * not before the interval since the last announcement is over: a timeout
 * at the generator's priority announces then. */
static void
agen_list_model_announce_soon (AgenListModel *self,
                               gboolean       at_once)
{
  int priority = agen_generator_get_priority (self->generator);
  guint wait_ms = 0;

  /* The first items go at once, whatever the interval: the monotonic
   * clock starts near boot, and may be younger than the interval. */
  if (self->announce_interval > 0 && self->last_announce != 0)
    {
      gint64 due = self->last_announce + (gint64) self->announce_interval * 1000;
      gint64 now = g_get_monotonic_time ();

      if (now < due)
        wait_ms = (due - now + 999) / 1000;
    }

  if (wait_ms == 0 && at_once)
    {
      agen_list_model_announce (self);
      return;
    }
  if (self->announce_source != NULL)
    return;

  if (wait_ms == 0)
    {
      self->announce_source = g_idle_source_new ();
      g_source_set_priority (self->announce_source, MIN (priority + 1, G_MAXINT16));
    }
  else
    {
      self->announce_source = g_timeout_source_new (wait_ms);
      g_source_set_priority (self->announce_source, priority);
    }
  g_source_set_static_name (self->announce_source, "[agen] list model announce");
  g_source_set_callback (self->announce_source, agen_list_model_announce_cb, self, NULL);
  g_source_attach (self->announce_source, _agen_generator_get_context (self->generator));
}

/* ---------------------------------------------------------------------- *
 * Loading
 * ---------------------------------------------------------------------- */

static void
agen_list_model_page_free (AgenListModelPage *page)
{
  g_object_unref (page->cancellable);
  g_free (page);
}

static AgenListModelPage *
agen_list_model_abandon_page (AgenListModel *self)
{
  AgenListModelPage *page = g_steal_pointer (&self->page);

  page->model = NULL;
  return page;
}

static gboolean
agen_list_model_can_load (AgenListModel *self)
{
  return self->generator != NULL && self->page == NULL &&
         !self->complete && self->error == NULL && !self->cancelled;
}

static gboolean
agen_list_model_wants_autoload (AgenListModel *self)
{
  return agen_list_model_can_load (self) && self->items->len < self->autoload_limit;
}

static void
agen_list_model_start_page (AgenListModel *self)
{
  AgenListModelPage *page = g_new0 (AgenListModelPage, 1);

  page->model = self;
  page->cancellable = g_cancellable_new ();
  page->n_wanted = self->page_size;
  self->page = page;

  agen_generator_next_async (self->generator, page->cancellable, agen_list_model_on_next, page);
}

/* Appends @item without announcing it, or fails when it is not an object
 * of the item type. A model of AgenValueItems holds any item: it wraps
 * those that are not AgenValueItems already. */
static gboolean
agen_list_model_append_item (AgenListModel  *self,
                             const GValue   *item,
                             GError        **error)
{
  GObject *object = G_VALUE_HOLDS_OBJECT (item) ? g_value_get_object (item) : NULL;

  if (self->item_type == AGEN_TYPE_VALUE_ITEM && !AGEN_IS_VALUE_ITEM (object))
    {
      g_ptr_array_add (self->items, agen_value_item_new (item));
      return TRUE;
    }

  if (object == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The generator yielded %s; the list model holds %s items",
                   G_VALUE_HOLDS_OBJECT (item) ? "a NULL object" : G_VALUE_TYPE_NAME (item),
                   g_type_name (self->item_type));
      return FALSE;
    }

  if (!g_type_is_a (G_OBJECT_TYPE (object), self->item_type))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The generator yielded a %s; the list model holds %s items",
                   G_OBJECT_TYPE_NAME (object), g_type_name (self->item_type));
      return FALSE;
    }

  g_ptr_array_add (self->items, g_object_ref (object));
  return TRUE;
}

/* The page in flight ended: the generator finished (@complete), failed
 * (@error, owned), or the page is full. */
static void
agen_list_model_end_page (AgenListModel *self,
                          gboolean       complete,
                          GError        *error)
{
  gboolean go_on;

  g_clear_pointer (&self->page, agen_list_model_page_free);
  self->complete = complete;
  self->error = error;

  /* The next page is asked for before anything is announced, so that
   * loading stays TRUE from one page to the next. */
  go_on = agen_list_model_wants_autoload (self);
  if (go_on)
    agen_list_model_start_page (self);

  /* Handlers see every change made: notifications come after the
   * announcement, and once each even if a handler loads more. */
  g_object_freeze_notify (G_OBJECT (self));
  if (go_on)
    agen_list_model_announce_soon (self, TRUE);
  else
    agen_list_model_announce (self);      /* what remains, when loading stops */
  if (complete)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
  if (error != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  if (!go_on)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Takes what a next gave: returns TRUE when the page wants more, FALSE
 * when it ended (the generator finished or failed, the item was not one of
 * the item type, or the page is full). */
static gboolean
agen_list_model_take (AgenListModel     *self,
                      AgenListModelPage *page,
                      gboolean           yielded,
                      const GValue      *item,
                      GError            *error)
{
  if (!yielded)
    {
      agen_list_model_end_page (self, error == NULL, error);
      return FALSE;
    }

  if (!agen_list_model_append_item (self, item, &error))
    {
      _agen_generator_close_and_report (self->generator, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
      agen_list_model_end_page (self, FALSE, error);
      return FALSE;
    }

  if (--page->n_wanted == 0)
    {
      agen_list_model_end_page (self, FALSE, NULL);
      return FALSE;
    }

  return TRUE;
}

static gboolean agen_list_model_pull_on (gpointer user_data);

/* Pulls items for @page while they come without an await, for a slice of
 * time at most: a body that never awaits fills a page without a main-loop
 * round trip per item, and the main loop still runs every
 * AGEN_LIST_MODEL_SLICE_USEC, the next slice at the generator's priority. */
static void
agen_list_model_pull (AgenListModelPage *page)
{
  AgenListModel *self = page->model;
  gint64 slice_end = g_get_monotonic_time () + AGEN_LIST_MODEL_SLICE_USEC;

  for (;;)
    {
      g_auto(GValue) item = G_VALUE_INIT;
      GError *error = NULL;
      gboolean pending;
      gboolean yielded;

      yielded = agen_generator_next_start (self->generator, page->cancellable,
                                           agen_list_model_on_next, page, NULL,
                                           &pending, &item, &error);
      if (pending)
        {
          agen_list_model_announce_soon (self, FALSE);
          return;
        }
      if (!agen_list_model_take (self, page, yielded, &item, error))
        return;
      if (g_get_monotonic_time () >= slice_end)
        break;
    }

  page->scheduled = TRUE;
  _agen_generator_schedule (self->generator, "[agen] list model slice",
                            agen_list_model_pull_on, page, NULL);
}

static gboolean
agen_list_model_pull_on (gpointer user_data)
{
  AgenListModelPage *page = user_data;
  g_autoptr(AgenListModel) self = NULL;

  page->scheduled = FALSE;
  if (page->model == NULL)
    {
      /* Abandoned: a cancel closed the generator already. */
      agen_list_model_page_free (page);
      return G_SOURCE_REMOVE;
    }

  /* Signal handlers may drop the last reference to the model. */
  self = g_object_ref (page->model);
  agen_list_model_pull (page);
  return G_SOURCE_REMOVE;
}

static void
agen_list_model_on_next (GObject      *source_object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  AgenGenerator *generator = AGEN_GENERATOR (source_object);
  AgenListModelPage *page = user_data;
  g_autoptr(AgenListModel) self = NULL;
  g_auto(GValue) item = G_VALUE_INIT;
  GError *error = NULL;
  gboolean yielded;

  yielded = agen_generator_next_finish (generator, result, &item, &error);

  if (page->model == NULL)
    {
      /* Abandoned: what the generator gave is dropped. */
      if (page->close_generator)
        _agen_generator_close_and_report (generator, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
      g_clear_error (&error);
      agen_list_model_page_free (page);
      return;
    }

  /* Signal handlers may drop the last reference to the model. */
  self = g_object_ref (page->model);

  if (agen_list_model_take (self, page, yielded, &item, error))
    agen_list_model_pull (page);
}

/* ---------------------------------------------------------------------- *
 * GListModel
 * ---------------------------------------------------------------------- */

static GType
agen_list_model_get_item_type (GListModel *list)
{
  return AGEN_LIST_MODEL (list)->item_type;
}

static guint
agen_list_model_get_n_items (GListModel *list)
{
  return AGEN_LIST_MODEL (list)->n_items;
}

static gpointer
agen_list_model_get_item (GListModel *list,
                          guint       position)
{
  AgenListModel *self = AGEN_LIST_MODEL (list);

  if (position >= self->n_items)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
agen_list_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = agen_list_model_get_item_type;
  iface->get_n_items = agen_list_model_get_n_items;
  iface->get_item = agen_list_model_get_item;
}

/* ---------------------------------------------------------------------- *
 * Public API
 * ---------------------------------------------------------------------- */

/**
 * agen_list_model_new:
 * @generator: a generator that yields @item_type objects
 * @item_type: the #GType of the items: %G_TYPE_OBJECT, a subtype, or an
 *   interface whose instances are objects; %AGEN_TYPE_VALUE_ITEM for a
 *   generator of any values (see #AgenValueItem)
 * @page_size: how many items agen_list_model_load_more() loads, at least 1
 *   (50 is a good size for a list that fills a window)
 *
 * Creates a list model filled from @generator, empty until
 * agen_list_model_load_more() is called or #AgenListModel:autoload-limit is
 * set. The model takes a reference on @generator and must be its only
 * consumer.
 *
 * Returns: (transfer full): a new #AgenListModel
 *
 * Since: 1.0
 */
AgenListModel *
agen_list_model_new (AgenGenerator *generator,
                     GType          item_type,
                     guint          page_size)
{
  g_return_val_if_fail (AGEN_IS_GENERATOR (generator), NULL);
  g_return_val_if_fail (g_type_is_a (item_type, G_TYPE_OBJECT), NULL);
  g_return_val_if_fail (page_size > 0, NULL);

  return g_object_new (AGEN_TYPE_LIST_MODEL,
                       "generator", generator,
                       "item-type", item_type,
                       "page-size", page_size,
                       NULL);
}

/**
 * agen_list_model_get_generator:
 * @self: an #AgenListModel
 *
 * Gets the generator the model is filled from.
 *
 * Returns: (transfer none) (nullable): the generator; %NULL once the model
 *   is disposed
 *
 * Since: 1.0
 */
AgenGenerator *
agen_list_model_get_generator (AgenListModel *self)
{
  g_return_val_if_fail (AGEN_IS_LIST_MODEL (self), NULL);

  return self->generator;
}

/**
 * agen_list_model_get_page_size:
 * @self: an #AgenListModel
 *
 * Gets how many items a page holds.
 *
 * Returns: the page size, at least 1
 *
 * Since: 1.0
 */
guint
agen_list_model_get_page_size (AgenListModel *self)
{
  g_return_val_if_fail (AGEN_IS_LIST_MODEL (self), 0);

  return self->page_size;
}

/**
 * agen_list_model_set_page_size:
 * @self: an #AgenListModel
 * @page_size: how many items a page holds, at least 1
 *
 * Sets how many items agen_list_model_load_more() loads. A page in flight
 * keeps the size it started with; the new size applies from the next page.
 *
 * Since: 1.0
 */
void
agen_list_model_set_page_size (AgenListModel *self,
                               guint          page_size)
{
  g_return_if_fail (AGEN_IS_LIST_MODEL (self));
  g_return_if_fail (page_size > 0);

  if (self->page_size == page_size)
    return;

  self->page_size = page_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_SIZE]);
}

/**
 * agen_list_model_get_autoload_limit:
 * @self: an #AgenListModel
 *
 * Gets how many items the model loads by itself.
 *
 * Returns: the limit, or 0 when the model loads only when asked
 *
 * Since: 1.0
 */
guint
agen_list_model_get_autoload_limit (AgenListModel *self)
{
  g_return_val_if_fail (AGEN_IS_LIST_MODEL (self), 0);

  return self->autoload_limit;
}

/**
 * agen_list_model_set_autoload_limit:
 * @self: an #AgenListModel
 * @limit: how many items to load without being asked, or 0 for none
 *
 * Makes the model load pages by itself while it holds fewer than @limit
 * items: it starts at once if it is not loading, and asks for each next
 * page when the previous one ends, until it holds at least @limit items (it
 * loads whole pages, so it may hold up to a page more), is complete or has
 * failed. The main loop runs on meanwhile: a page is pulled in slices at
 * the generator's #AgenGenerator:priority. Raising the limit later loads more; lowering it
 * stops after the page in flight.
 *
 * Since: 1.0
 */
void
agen_list_model_set_autoload_limit (AgenListModel *self,
                                    guint          limit)
{
  g_return_if_fail (AGEN_IS_LIST_MODEL (self));

  if (self->autoload_limit == limit)
    return;

  self->autoload_limit = limit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOLOAD_LIMIT]);

  if (agen_list_model_wants_autoload (self))
    agen_list_model_load_more (self);
}

/**
 * agen_list_model_get_announce_interval:
 * @self: an #AgenListModel
 *
 * Gets the shortest time between two announcements while the model loads.
 *
 * Returns: the interval in milliseconds, or 0 when each page is announced
 *   as it ends
 *
 * Since: 1.0
 */
guint
agen_list_model_get_announce_interval (AgenListModel *self)
{
  g_return_val_if_fail (AGEN_IS_LIST_MODEL (self), 0);

  return self->announce_interval;
}

/**
 * agen_list_model_set_announce_interval:
 * @self: an #AgenListModel
 * @interval_ms: the shortest time between two announcements while the
 *   model loads, in milliseconds, or 0 to announce each page as it ends
 *
 * Sets #AgenListModel:announce-interval: while the model loads, its
 * #GListModel::items-changed signals come at most once per @interval_ms,
 * each announcing every item that arrived since the last one; what remains
 * is announced as soon as loading stops. A change applies at once: items
 * waiting for the end of the old interval wait for the end of the new one
 * instead.
 *
 * Since: 1.0
 */
void
agen_list_model_set_announce_interval (AgenListModel *self,
                                       guint          interval_ms)
{
  g_return_if_fail (AGEN_IS_LIST_MODEL (self));

  if (self->announce_interval == interval_ms)
    return;

  self->announce_interval = interval_ms;
  if (self->announce_source != NULL)
    {
      g_clear_pointer (&self->announce_source, agen_list_model_destroy_source);
      agen_list_model_announce_soon (self, FALSE);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANNOUNCE_INTERVAL]);
}

/**
 * agen_list_model_load_more:
 * @self: an #AgenListModel
 *
 * Loads the next page: pulls up to #AgenListModel:page-size items from the
 * generator and appends them. The first item is asked for with
 * agen_generator_next_async(); the next ones with
 * agen_generator_next_start(), so that items the body yields without
 * awaiting follow each other without a main-loop round trip, in slices of
 * about a millisecond between which the main loop runs (the next slice has
 * the generator's #AgenGenerator:priority, as agen_generator_foreach_async()
 * does).
 * #AgenListModel:loading is %TRUE until the page is full, the generator has
 * finished or failed, or agen_list_model_cancel() is called.
 *
 * Does nothing while a page is loading (so it can be called each time the
 * view reaches its end), and once the model is complete, has failed or was
 * cancelled.
 *
 * Since: 1.0
 */
void
agen_list_model_load_more (AgenListModel *self)
{
  g_return_if_fail (AGEN_IS_LIST_MODEL (self));

  if (!agen_list_model_can_load (self))
    return;

  agen_list_model_start_page (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/**
 * agen_list_model_get_loading:
 * @self: an #AgenListModel
 *
 * Gets whether a page is loading.
 *
 * Returns: %TRUE while a page is loading
 *
 * Since: 1.0
 */
gboolean
agen_list_model_get_loading (AgenListModel *self)
{
  g_return_val_if_fail (AGEN_IS_LIST_MODEL (self), FALSE);

  return self->page != NULL;
}

/**
 * agen_list_model_get_complete:
 * @self: an #AgenListModel
 *
 * Gets whether the model holds every item of the generator: the generator
 * finished without an error.
 *
 * Returns: %TRUE when the generator finished without an error
 *
 * Since: 1.0
 */
gboolean
agen_list_model_get_complete (AgenListModel *self)
{
  g_return_val_if_fail (AGEN_IS_LIST_MODEL (self), FALSE);

  return self->complete;
}

/**
 * agen_list_model_get_error:
 * @self: an #AgenListModel
 *
 * Gets the error that stopped the model: the generator's own (with its
 * domain and code), or %G_IO_ERROR_INVALID_DATA when the generator yielded
 * something that is not an #AgenListModel:item-type object.
 *
 * Returns: (transfer none) (nullable): the error, or %NULL
 *
 * Since: 1.0
 */
const GError *
agen_list_model_get_error (AgenListModel *self)
{
  g_return_val_if_fail (AGEN_IS_LIST_MODEL (self), NULL);

  return self->error;
}

/**
 * agen_list_model_cancel:
 * @self: an #AgenListModel
 *
 * Stops the model for good, as a user who presses "Stop" expects: the page
 * in flight is cancelled (a generator that awaits gets
 * %G_IO_ERROR_CANCELLED at its await), the items that had arrived are
 * announced, #AgenListModel:loading becomes %FALSE, and the generator is
 * closed, after the operation in flight when there is one. Whatever the
 * generator yields after that is dropped.
 *
 * The model keeps its items and sets no error (the cancellation was asked
 * for), and #AgenListModel:complete stays %FALSE;
 * agen_list_model_load_more() does nothing from then on. Does nothing when
 * the model is already complete or has failed.
 *
 * Since: 1.0
 */
void
agen_list_model_cancel (AgenListModel *self)
{
  AgenListModelPage *page;

  g_return_if_fail (AGEN_IS_LIST_MODEL (self));

  if (self->page == NULL)
    {
      if (agen_list_model_can_load (self))
        {
          self->cancelled = TRUE;
          _agen_generator_close_and_report (self->generator, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
        }
      return;
    }

  self->cancelled = TRUE;
  page = agen_list_model_abandon_page (self);
  if (page->scheduled)
    _agen_generator_close_and_report (self->generator, AGEN_CLOSE_REASON_CONSUMER_STOPPED);
  else
    {
      page->close_generator = TRUE;
      g_cancellable_cancel (page->cancellable);
    }

  g_object_freeze_notify (G_OBJECT (self));
  agen_list_model_announce (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* ---------------------------------------------------------------------- *
 * GObject
 * ---------------------------------------------------------------------- */

static void
agen_list_model_constructed (GObject *object)
{
  AgenListModel *self = AGEN_LIST_MODEL (object);

  G_OBJECT_CLASS (agen_list_model_parent_class)->constructed (object);

  if (self->generator == NULL)
    g_critical ("An AgenListModel needs a generator: give the \"generator\" property");
}

static void
agen_list_model_dispose (GObject *object)
{
  AgenListModel *self = AGEN_LIST_MODEL (object);

  /* The generator is not closed here: its own last unref closes it, and
   * someone else may still hold it. */
  if (self->page != NULL)
    g_cancellable_cancel (agen_list_model_abandon_page (self)->cancellable);
  g_clear_object (&self->generator);
  /* No item is held back once loading ends: those an announce interval
   * (or an idle) was holding are announced, once the generator is gone, so
   * that a handler cannot start another page. */
  agen_list_model_announce (self);

  G_OBJECT_CLASS (agen_list_model_parent_class)->dispose (object);
}

static void
agen_list_model_finalize (GObject *object)
{
  AgenListModel *self = AGEN_LIST_MODEL (object);

  g_ptr_array_unref (self->items);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (agen_list_model_parent_class)->finalize (object);
}

static void
agen_list_model_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  AgenListModel *self = AGEN_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_GENERATOR:
      g_value_set_object (value, self->generator);
      break;
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, self->item_type);
      break;
    case PROP_PAGE_SIZE:
      g_value_set_uint (value, self->page_size);
      break;
    case PROP_AUTOLOAD_LIMIT:
      g_value_set_uint (value, self->autoload_limit);
      break;
    case PROP_ANNOUNCE_INTERVAL:
      g_value_set_uint (value, self->announce_interval);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, agen_list_model_get_loading (self));
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    case PROP_COMPLETE:
      g_value_set_boolean (value, self->complete);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_list_model_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  AgenListModel *self = AGEN_LIST_MODEL (object);

  switch (prop_id)
    {
    case PROP_GENERATOR:
      self->generator = g_value_dup_object (value);
      break;
    case PROP_ITEM_TYPE:
      self->item_type = g_value_get_gtype (value);
      break;
    case PROP_PAGE_SIZE:
      agen_list_model_set_page_size (self, g_value_get_uint (value));
      break;
    case PROP_AUTOLOAD_LIMIT:
      agen_list_model_set_autoload_limit (self, g_value_get_uint (value));
      break;
    case PROP_ANNOUNCE_INTERVAL:
      agen_list_model_set_announce_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
agen_list_model_class_init (AgenListModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = agen_list_model_constructed;
  object_class->dispose = agen_list_model_dispose;
  object_class->finalize = agen_list_model_finalize;
  object_class->get_property = agen_list_model_get_property;
  object_class->set_property = agen_list_model_set_property;

  /**
   * AgenListModel:generator:
   *
   * The generator the model is filled from. The model holds a reference on
   * it and must be its only consumer.
   *
   * Since: 1.0
   */
  properties[PROP_GENERATOR] =
    g_param_spec_object ("generator", "Generator", "The generator the model is filled from",
                         AGEN_TYPE_GENERATOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:item-type:
   *
   * The #GType of the items, as g_list_model_get_item_type() gives it:
   * %G_TYPE_OBJECT, a subtype, or an interface whose instances are objects.
   * An item of another type stops the model with
   * %G_IO_ERROR_INVALID_DATA. With %AGEN_TYPE_VALUE_ITEM the model holds
   * items of any type: each item that is not an #AgenValueItem already is
   * wrapped in one.
   *
   * Since: 1.0
   */
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", "Item type", "The GType of the items",
                        G_TYPE_OBJECT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:page-size:
   *
   * How many items agen_list_model_load_more() loads, at least 1; 50 by
   * default. A change applies from the next page. It is a construct
   * property, so that a model given #AgenListModel:autoload-limit in
   * g_object_new() loads its first page with the page size given there too.
   *
   * Since: 1.0
   */
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint ("page-size", "Page size", "How many items a page holds",
                       1, G_MAXUINT, AGEN_LIST_MODEL_DEFAULT_PAGE_SIZE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:autoload-limit:
   *
   * How many items the model loads by itself, by whole pages, one page
   * after the other; 0 (the default) for none: the model then loads only
   * when agen_list_model_load_more() is called.
   *
   * Since: 1.0
   */
  properties[PROP_AUTOLOAD_LIMIT] =
    g_param_spec_uint ("autoload-limit", "Autoload limit", "How many items the model loads by itself",
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:announce-interval:
   *
   * The shortest time, in milliseconds, between two
   * #GListModel::items-changed signals while the model loads; 0 (the
   * default) announces the items of each page when the page ends.
   *
   * Each announcement costs its listeners: a view lays out its rows, a
   * status line counts them. A model that loads page after page by itself
   * (#AgenListModel:autoload-limit) over a generator that yields without
   * awaiting ends a page every few hundred microseconds; with an interval,
   * the items of the pages that end within it are announced together, in
   * one signal, when it is over (by a timeout at the generator's
   * #AgenGenerator:priority). The first items are announced at once.
   *
   * No item is held back once loading ends: what remains is announced as
   * soon as loading stops (a page loaded by agen_list_model_load_more()
   * ends, the autoload limit is reached, the generator finishes or fails,
   * agen_list_model_cancel() is called) and when the model is disposed.
   *
   * Since: 1.0
   */
  properties[PROP_ANNOUNCE_INTERVAL] =
    g_param_spec_uint ("announce-interval", "Announce interval",
                       "The shortest time between two announcements while loading, in ms",
                       0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:loading:
   *
   * Whether a page is loading. It stays %TRUE from one page to the next
   * while the model loads by itself (#AgenListModel:autoload-limit).
   *
   * Since: 1.0
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", "Loading", "Whether a page is loading",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:n-items:
   *
   * The number of items, as g_list_model_get_n_items() gives it. It is
   * notified after each #GListModel::items-changed.
   *
   * Since: 1.0
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", "Number of items", "The number of items",
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:complete:
   *
   * Whether the model holds every item: the generator finished without an
   * error.
   *
   * Since: 1.0
   */
  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", "Complete", "Whether the generator finished without an error",
                          FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AgenListModel:error:
   *
   * The error that stopped the model, or %NULL: see
   * agen_list_model_get_error().
   *
   * Since: 1.0
   */
  properties[PROP_ERROR] =
    g_param_spec_boxed ("error", "Error", "The error that stopped the model",
                        G_TYPE_ERROR,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
agen_list_model_init (AgenListModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}
