/* search-spinner.c: a spinner that turns without a relayout per frame
 *
 * GTK 4.8's GtkSpinner turns by a CSS animation (the theme's "spin", a
 * transform; an animated -gtk-icon-transform does the same). Restyling it
 * on every frame makes the window lay itself out on every frame, and on
 * X11 GDK then computes the toplevel's size, which asks the X server for
 * the monitor's geometry and work area: three synchronous round trips a
 * frame, the better part of what painting cost agen-search while a search
 * streamed (bench/run-bench). This spinner draws the same icon, turned by
 * a tick callback that only queues a redraw: no style changes, no layout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "search-spinner.h"

/* One turn a second, as the theme's spinner. */
#define SEARCH_SPINNER_TURN_USEC G_USEC_PER_SEC

struct _SearchSpinner
{
  GtkWidget parent_instance;

  GtkWidget *icon;             /* a GtkImage, the theme's spinner icon */
  guint tick_id;               /* while spinning */
};

enum
{
  PROP_0,
  PROP_SPINNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SearchSpinner, search_spinner, GTK_TYPE_WIDGET)

static gboolean
search_spinner_tick (GtkWidget     *widget,
                     GdkFrameClock *clock,
                     gpointer       user_data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static void
search_spinner_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  SearchSpinner *self = SEARCH_SPINNER (widget);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  graphene_point_t center = GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0f,
                                                 gtk_widget_get_height (widget) / 2.0f);
  gint64 now;

  if (self->tick_id == 0 || clock == NULL)
    return;

  now = gdk_frame_clock_get_frame_time (clock);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &center);
  gtk_snapshot_rotate (snapshot, 360.0f * (now % SEARCH_SPINNER_TURN_USEC) / SEARCH_SPINNER_TURN_USEC);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-center.x, -center.y));
  gtk_widget_snapshot_child (widget, self->icon, snapshot);
  gtk_snapshot_restore (snapshot);
}

gboolean
search_spinner_get_spinning (SearchSpinner *self)
{
  return self->tick_id != 0;
}

void
search_spinner_set_spinning (SearchSpinner *self,
                             gboolean       spinning)
{
  if (spinning == (self->tick_id != 0))
    return;

  if (spinning)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), search_spinner_tick, NULL, NULL);
  else
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY, spinning, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPINNING]);
}

static void
search_spinner_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SPINNING:
      g_value_set_boolean (value, search_spinner_get_spinning (SEARCH_SPINNER (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
search_spinner_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SPINNING:
      search_spinner_set_spinning (SEARCH_SPINNER (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
search_spinner_dispose (GObject *object)
{
  SearchSpinner *self = SEARCH_SPINNER (object);

  g_clear_pointer (&self->icon, gtk_widget_unparent);

  G_OBJECT_CLASS (search_spinner_parent_class)->dispose (object);
}

static void
search_spinner_class_init (SearchSpinnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = search_spinner_get_property;
  object_class->set_property = search_spinner_set_property;
  object_class->dispose = search_spinner_dispose;
  widget_class->snapshot = search_spinner_snapshot;

  properties[PROP_SPINNING] =
    g_param_spec_boolean ("spinning", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "search-spinner");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PROGRESS_BAR);
}

static void
search_spinner_init (SearchSpinner *self)
{
  self->icon = gtk_image_new_from_icon_name ("process-working-symbolic");
  gtk_widget_set_parent (self->icon, GTK_WIDGET (self));
}
