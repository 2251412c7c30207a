/* test-producer.vala: generators written as Vala async methods and threads.
 *
 * docs/reference/semantics.xml, section contract-emitter: an
 * Agen.Producer subclass overrides `async void produce`; each
 * `yield emitter.emit_*_async ()` completes at the consumer's next
 * operation, with the value sent, or throws what it threw in
 * (Agen.Error.EXIT on close), so the producer's `finally` runs where it
 * waited. A threaded producer is a lambda blocking in emitter.emit ().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Harness;

/* async def count(n, log):
 *     try:
 *         for i in range(n):
 *             sent = yield i
 *             if sent is not None: log.append("sent %d" % sent)
 *     except GeneratorExit:
 *         log.append("exit"); raise
 *     finally:
 *         log.append("cleanup")
 */
class Count : Agen.Producer {
	int n;
	AgenTest.Log log;

	public Count (int n, AgenTest.Log log) {
		this.n = n;
		this.log = log;
	}

	public override async void produce (Agen.Emitter emitter, Cancellable? cancellable) throws Error {
		try {
			for (int i = 0; i < n; i++) {
				Value sent;
				yield emitter.emit_async (i, cancellable, out sent);
				if (sent.holds (Type.INT))
					log.append ("sent %d".printf (sent.get_int ()));
			}
		} catch (Agen.Error.EXIT e) {
			log.append ("exit");
			throw e;
		} finally {
			log.append ("cleanup");
		}
	}
}

async void test_consumed_by_c () throws Error {
	var log = new AgenTest.Log ();
	var items = yield consume_all (new Agen.Generator.from_producer (new Count (3, log)));
	assert_strv (items, { "0", "1", "2" });
	assert_log (log, { "cleanup" });
}

async void test_send_and_close () throws Error {
	var log = new AgenTest.Log ();
	var gen = new Agen.Generator.from_producer (new Count (5, log));
	Value item;
	assert_true (yield gen.next_async (null, out item));
	assert_int (item, 0);
	assert_true (yield gen.send_async (42, null, out item));
	assert_int (item, 1);
	yield gen.close_async ();
	assert_state (gen, Agen.GeneratorState.FINISHED);
	assert_log (log, { "sent 42", "exit", "cleanup" });
}

async void test_threaded () throws Error {
	var log = new AgenTest.Log ();
	var gen = new Agen.Generator.threaded ((emitter, cancellable) => {
		try {
			for (int i = 0; ; i++)
				emitter.emit_int (i, cancellable);
		} finally {
			log.append ("cleanup");
		}
	});
	Value item;
	for (int i = 0; i < 3; i++) {
		assert_true (yield gen.next_async (null, out item));
		assert_int (item, i);
	}
	yield gen.close_async ();
	assert_log (log, { "cleanup" });
}

int main (string[] args) {
	Test.init (ref args);
	add ("/vala/producer/consumed-by-c", (cb) => test_consumed_by_c.begin (cb), (r) => test_consumed_by_c.end (r));
	add ("/vala/producer/send-and-close", (cb) => test_send_and_close.begin (cb), (r) => test_send_and_close.end (r));
	add ("/vala/producer/threaded", (cb) => test_threaded.begin (cb), (r) => test_threaded.end (r));
	return Test.run ();
}
