/* harness.vala: what every Vala test program shares.
 *
 * Harness.add() registers an async test with GLib.Test. Each test runs on
 * the default main context until its async method completes; a test that
 * throws, fails an assertion or takes longer than TIMEOUT_SECONDS aborts the
 * program (g_error), so the program exits non-zero and never hangs.
 * g_test_init() makes warnings and criticals fatal too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

namespace Harness {
	public const uint TIMEOUT_SECONDS = 20;

	public delegate void Launch (AsyncReadyCallback callback);
	public delegate void Finish (AsyncResult result) throws GLib.Error;
	public delegate bool Condition ();

	/* Runs one async test on the default main context. */
	public void run (Launch launch, Finish finish) {
		var loop = new MainLoop (null, false);
		AsyncResult? result = null;
		bool timed_out = false;
		uint timeout_id = Timeout.add_seconds (TIMEOUT_SECONDS, () => {
			timed_out = true;
			loop.quit ();
			return Source.REMOVE;
		});

		launch ((source, res) => {
			result = res;
			loop.quit ();
		});
		if (result == null)
			loop.run ();
		if (timed_out)
			error ("%s: timed out after %u seconds", Test.get_path (), TIMEOUT_SECONDS);
		Source.remove (timeout_id);

		try {
			finish (result);
		} catch (GLib.Error e) {
			error ("%s: unexpected error: %s (%s, %d)", Test.get_path (), e.message,
			       e.domain.to_string (), e.code);
		}

		/* Let what the test left behind (closes on the last unref ...) run. */
		while (MainContext.default ().iteration (false)) {
		}
	}

	class Registered {
		public Launch launch;
		public Finish finish;
	}

	/* Test.add_data_func() would be shorter, but glib-2.0.vapi drops the
	 * const of GTestDataFunc's argument, which strict C rejects: tests are
	 * looked up by path instead. */
	HashTable<string, Registered> registered;

	void run_registered () {
		var test = registered[Test.get_path ()];
		run (test.launch, test.finish);
	}

	public void add (string path, owned Launch launch, owned Finish finish) {
		if (registered == null)
			registered = new HashTable<string, Registered> (str_hash, str_equal);
		var test = new Registered ();
		test.launch = (owned) launch;
		test.finish = (owned) finish;
		registered[path] = test;
		Test.add_func (path, run_registered);
	}

	/* Resumes when cond() holds, polling every millisecond. */
	public async void wait_for (Condition cond) {
		while (!cond ()) {
			Timeout.add (1, wait_for.callback);
			yield;
		}
	}

	/* One main-loop round trip. */
	public async void idle () {
		Idle.add (idle.callback);
		yield;
	}

	/* yield AgenTest.consume_all_async (): the items of gen, collected in C
	 * with agen_generator_foreach_async (). */
	public async string[] consume_all (Agen.Generator gen, Cancellable? cancellable = null) throws GLib.Error {
		AsyncResult? result = null;
		AgenTest.consume_all_async (gen, cancellable, (obj, res) => {
			result = res;
			consume_all.callback ();
		});
		yield;
		return AgenTest.consume_all_finish (gen, result);
	}

	public string join (string[] entries) {
		return "[" + string.joinv (", ", entries) + "]";
	}

	public void assert_log (AgenTest.Log log, string[] want) {
		var got = log.dup_entries ();
		if (join (got) != join (want))
			error ("%s: log is %s, expected %s", Test.get_path (), join (got), join (want));
	}

	public void assert_strv (string[] got, string[] want) {
		if (join (got) != join (want))
			error ("%s: got %s, expected %s", Test.get_path (), join (got), join (want));
	}

	public void assert_int (Value item, int want) {
		if (!item.holds (Type.INT))
			error ("%s: expected the int %d, got a %s", Test.get_path (), want, item.type ().name ());
		if (item.get_int () != want)
			error ("%s: expected %d, got %d", Test.get_path (), want, item.get_int ());
	}

	public void assert_string (Value item, string want) {
		if (!item.holds (Type.STRING))
			error ("%s: expected the string \"%s\", got a %s", Test.get_path (), want, item.type ().name ());
		if (item.get_string () != want)
			error ("%s: expected \"%s\", got \"%s\"", Test.get_path (), want, item.get_string ());
	}

	/* What a finish leaves in its out item when there is no item. */
	public void assert_no_item (Value item) {
		if (!item.holds (Type.POINTER) || item.get_pointer () != null)
			error ("%s: expected a G_TYPE_POINTER NULL, got a %s", Test.get_path (), item.type ().name ());
	}

	public void expect_error (GLib.Error? e, Quark domain, int code) {
		if (e == null)
			error ("%s: expected the error %s %d, got none", Test.get_path (), domain.to_string (), code);
		if (!e.matches (domain, code))
			error ("%s: expected the error %s %d, got %s %d: %s", Test.get_path (), domain.to_string (), code,
			       e.domain.to_string (), e.code, e.message);
	}

	public void assert_state (Agen.Generator gen, Agen.GeneratorState want) {
		if (gen.state != want)
			error ("%s: state is %s, expected %s", Test.get_path (), gen.state.to_string (), want.to_string ());
	}
}
