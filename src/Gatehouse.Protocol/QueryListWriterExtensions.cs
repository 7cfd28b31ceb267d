namespace Gatehouse.Protocol;

/// <summary>
/// Shapes of the IAM/STS Query protocol on top of <see cref="IResponseWriter"/>: a nested structure
/// (<c>&lt;User&gt;…&lt;/User&gt;</c>) and non-flattened lists, whose items are wrapped
/// (<c>&lt;Users&gt;&lt;member&gt;…&lt;/member&gt;&lt;/Users&gt;</c>), unlike SQS's flattened lists.
/// </summary>
public static class QueryListWriterExtensions
{
    /// <summary>A list written as <c>&lt;name&gt;&lt;member&gt;…&lt;/member&gt;…&lt;/name&gt;</c>; empty lists still get
    /// their wrapper element.</summary>
    public static void MemberList<T>(this IResponseWriter writer, string name, IReadOnlyCollection<T> items, Action<IResponseWriter, T> write) =>
        writer.List(name, name, [0], (w, _) => w.List("member", "member", items, write, emitEmpty: true));

    /// <summary>A list of strings written as <c>&lt;name&gt;&lt;member&gt;x&lt;/member&gt;…&lt;/name&gt;</c>.</summary>
    public static void MemberStringList(this IResponseWriter writer, string name, IReadOnlyCollection<string> items) =>
        writer.List(name, name, [0], (w, _) => w.StringList("member", "member", items, emitEmpty: true));
}
