/* agen-async-producer.c: a producer class with an async method to override
 *
 * The class a Vala programmer subclasses to write a generator as an
 * ordinary `async` method; agen_generator_new_from_producer() hands its
 * virtual method pair to agen_generator_new_async().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "agen-async-producer.h"

/**
 * SECTION:agen-async-producer
 * @title: AgenProducer
 * @short_description: a generator written as an async method
 *
 * #AgenProducer is a class to subclass, overriding its asynchronous
 * virtual method `produce`; agen_generator_new_from_producer() turns an
 * instance into a generator. It is how Vala writes a generator with
 * `async` and `yield`:
 *
 * |[<!-- language="Vala" -->
 * class Countdown : Agen.Producer {
 *     public int from { get; construct; }
 *
 *     public Countdown (int from) {
 *         Object (from: from);
 *     }
 *
 *     public override async void produce (Agen.Emitter emitter, Cancellable? cancellable) throws Error {
 *         for (int i = from; i > 0; i--)
 *             yield emitter.emit_int (i, cancellable);
 *     }
 * }
 *
 * var generator = new Agen.Generator.from_producer (new Countdown (3));
 * ]|
 *
 * Each `yield emitter.emit_int (...)` completes when the consumer asks for
 * the next item; it throws what the consumer threw in, or
 * %AGEN_ERROR_EXIT when it closed the generator, so a `finally` block runs
 * where the producer waited. In C, agen_generator_new_async() takes the
 * same pair as two functions, without a class.
 */

G_DEFINE_ABSTRACT_TYPE (AgenProducer, agen_producer, G_TYPE_OBJECT)

static void
agen_producer_class_init (AgenProducerClass *klass)
{
}

static void
agen_producer_init (AgenProducer *self)
{
}

/**
 * agen_producer_produce:
 * @self: an #AgenProducer
 * @emitter: where to emit the items
 * @cancellable: (nullable): cancelled when a cancellation of the
 *   consumer's operation reaches the producer
 * @callback: (scope async): called when the producer has finished
 * @user_data: the data for @callback
 *
 * Runs the producer: its class's `produce` virtual method. The generator
 * calls it; a subclass overrides it.
 *
 * Since: 1.0
 */
void
agen_producer_produce (AgenProducer        *self,
                       AgenEmitter         *emitter,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (AGEN_IS_PRODUCER (self));
  g_return_if_fail (AGEN_IS_EMITTER (emitter));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  AGEN_PRODUCER_GET_CLASS (self)->produce (self, emitter, cancellable, callback, user_data);
}

/**
 * agen_producer_produce_finish:
 * @self: an #AgenProducer
 * @result: the #GAsyncResult given to the callback
 * @error: return location for the error the producer failed with
 *
 * Ends agen_producer_produce().
 *
 * Since: 1.0
 */
void
agen_producer_produce_finish (AgenProducer  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_if_fail (AGEN_IS_PRODUCER (self));
  g_return_if_fail (G_IS_ASYNC_RESULT (result));
  g_return_if_fail (error == NULL || *error == NULL);

  AGEN_PRODUCER_GET_CLASS (self)->produce_finish (self, result, error);
}

static void
agen_producer_start (AgenEmitter         *emitter,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             callback_data,
                     gpointer             user_data)
{
  agen_producer_produce (user_data, emitter, cancellable, callback, callback_data);
}

static gboolean
agen_producer_end (AgenEmitter   *emitter,
                   GAsyncResult  *result,
                   gpointer       user_data,
                   GError       **error)
{
  GError *local_error = NULL;

  agen_producer_produce_finish (user_data, result, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

/**
 * agen_generator_new_from_producer: (constructor)
 * @producer: (transfer none): an #AgenProducer whose class overrides
 *   `produce`
 *
 * Creates a generator whose items are what @producer emits: its `produce`
 * method runs at the first operation (see agen_generator_new_async()). The
 * generator keeps a reference to @producer until the method has finished.
 *
 * Returns: (transfer full): a new #AgenGenerator
 *
 * Since: 1.0
 */
AgenGenerator *
agen_generator_new_from_producer (AgenProducer *producer)
{
  AgenProducerClass *klass;

  g_return_val_if_fail (AGEN_IS_PRODUCER (producer), NULL);

  klass = AGEN_PRODUCER_GET_CLASS (producer);
  g_return_val_if_fail (klass->produce != NULL && klass->produce_finish != NULL, NULL);

  return agen_generator_new_async (agen_producer_start, agen_producer_end,
                                   g_object_ref (producer), g_object_unref);
}
