// AgenTest-1.0-custom.vala: declarations merged into agen-test-1.0.vapi.

namespace AgenTest {
	/* The plain form of agen_test_consume_all_async (): see AgenTest-1.0.metadata. */
	[CCode (cheader_filename = "agen-test.h")]
	public static void consume_all_async (Agen.Generator generator, GLib.Cancellable? cancellable, [CCode (scope = "async")] GLib.AsyncReadyCallback callback);
}
