namespace Gatehouse.Server.WebConsole;

/// <summary>The console's one stylesheet, served at <c>/console/console.css</c> (no build step, no scripts).</summary>
internal static class ConsoleStyle
{
    public const string Css = """
        :root { --ink: #16191f; --muted: #5f6b7a; --line: #d5dbdb; --accent: #0972d3; --bad: #d91515; --bg: #f2f3f3; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
        header { background: #232f3e; color: #fff; padding: 8px 20px; display: flex; gap: 18px; align-items: center; flex-wrap: wrap; }
        header a { color: #fff; text-decoration: none; }
        header a:hover { text-decoration: underline; }
        header .brand { font-weight: 700; margin-right: 12px; }
        header .who { margin-left: auto; color: #d1d5db; font-size: 12px; }
        header form { display: inline; }
        main { max-width: 1200px; margin: 20px auto; padding: 0 20px; }
        h1 { font-size: 22px; margin: 0 0 14px; }
        h2 { font-size: 17px; margin: 22px 0 8px; }
        .panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin-bottom: 16px; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #fafafa; font-weight: 600; }
        code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
        td code { word-break: break-all; }
        pre { white-space: pre-wrap; word-break: break-word; background: #fafafa; border: 1px solid var(--line); padding: 10px; border-radius: 6px; }
        label { display: block; margin: 8px 0 3px; font-weight: 600; }
        input[type=text], input[type=password], input[type=number], textarea, select { width: 100%; max-width: 520px; padding: 6px 8px; border: 1px solid #8d99a8; border-radius: 6px; font: inherit; }
        textarea { max-width: 100%; min-height: 180px; font: 12px/1.4 ui-monospace, monospace; }
        button, .button { display: inline-block; margin-top: 10px; padding: 6px 16px; border-radius: 18px; border: 1px solid var(--accent); background: var(--accent); color: #fff; font-weight: 700; cursor: pointer; text-decoration: none; }
        button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        header button { margin: 0; padding: 2px 10px; font-size: 12px; }
        .refusal { border-left: 4px solid var(--bad); background: #fff7f7; padding: 12px 16px; border-radius: 6px; margin: 10px 0; }
        .refusal strong { color: var(--bad); }
        .ok { border-left: 4px solid #037f0c; background: #f2fcf3; padding: 10px 16px; border-radius: 6px; margin: 10px 0; }
        .muted { color: var(--muted); }
        .finding { border-left: 4px solid #8d6605; background: #fffce6; padding: 8px 12px; margin: 6px 0; border-radius: 6px; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
        .grid > * { min-width: 0; }
        td { overflow-wrap: break-word; }
        #attributes td { overflow-wrap: anywhere; }
        #attributes { table-layout: fixed; }
        #attributes th { width: 48%; overflow-wrap: anywhere; }
        .signin { max-width: 420px; margin: 60px auto; }
        """;
}
