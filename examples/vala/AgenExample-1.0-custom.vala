// AgenExample-1.0-custom.vala: declarations merged into agen-example-1.0.vapi.

namespace AgenExample {
	/* The plain form of agen_example_print_all_async (): see AgenExample-1.0.metadata. */
	[CCode (cheader_filename = "agen-example.h")]
	public static void print_all_async (Agen.Generator items, GLib.Cancellable? cancellable, [CCode (scope = "async")] GLib.AsyncReadyCallback callback);
}
