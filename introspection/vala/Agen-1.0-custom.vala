// Agen-1.0-custom.vala: declarations merged into agen-glib-1.0.vapi by vapigen.

namespace Agen {
	/**
	 * What {@link Generator.defer} runs when the body finishes. In C it is a
	 * GDestroyNotify called with its data: a Vala delegate with a target.
	 */
	[CCode (cheader_filename = "agen-glib/agen.h", cname = "GDestroyNotify", instance_pos = 0)]
	public delegate void DeferFunc ();

	/*
	 * The callbacks whose item is a const GValue * in C. They are generic
	 * only for the C that valac writes: the methods take them as
	 * MapFunc<GLib.Value?> (and so on), and valac passes a generic argument
	 * on with a cast, where it would otherwise drop the const (an error
	 * with -Werror=discarded-qualifiers). A lambda needs nothing more; a
	 * named function declares its item as GLib.Value?.
	 */
	[CCode (cheader_filename = "agen-glib/agen.h", instance_pos = 1.9)]
	[Version (since = "1.0")]
	public delegate bool FilterFunc<V> ([CCode (type = "const GValue*")] V item) throws GLib.Error;
	[CCode (cheader_filename = "agen-glib/agen.h", instance_pos = 2.9)]
	[Version (since = "1.0")]
	public delegate bool ForeachFunc<V> (Agen.Generator self, [CCode (type = "const GValue*")] V item);
	[CCode (cheader_filename = "agen-glib/agen.h", instance_pos = 2.9)]
	[Version (since = "1.0")]
	public delegate bool MapFunc<V> ([CCode (type = "const GValue*")] V item, out GLib.Value result) throws GLib.Error;
	[CCode (cheader_filename = "agen-glib/agen.h", instance_pos = 1.9)]
	[Version (since = "1.0")]
	public delegate Agen.Generator? FlatMapFunc<V> ([CCode (type = "const GValue*")] V item) throws GLib.Error;
	[CCode (cheader_filename = "agen-glib/agen.h", instance_pos = 3.9)]
	[Version (since = "1.0")]
	public delegate bool ScanFunc<V> ([CCode (type = "const GValue*")] V accumulated, [CCode (type = "const GValue*")] V item, out GLib.Value result) throws GLib.Error;
	[CCode (cheader_filename = "agen-glib/agen.h", instance_pos = 2.9)]
	[Version (since = "1.0")]
	public delegate bool EqualFunc<V> ([CCode (type = "const GValue*")] V a, [CCode (type = "const GValue*")] V b);
}
