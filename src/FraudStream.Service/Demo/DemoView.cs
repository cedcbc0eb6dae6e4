using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FraudStream.Service.Demo;

/// <summary>Everything the demo shows at one moment.</summary>
public sealed record DemoFrame
{
    /// <summary>Since the traffic started.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The asked rate, calls per second.</summary>
    public double Rate { get; init; }

    /// <summary>Records the broker acknowledged from the traffic.</summary>
    public long Produced { get; init; }

    /// <summary>Produced per second, lately.</summary>
    public double ProducedPerSecond { get; init; }

    /// <summary>Consumed per second, lately.</summary>
    public double ConsumedPerSecond { get; init; }

    /// <summary>The generated chunk being replayed (from 1; 0 before the first).</summary>
    public int Chunk { get; init; }

    /// <summary>Where the metrics are served.</summary>
    public string MetricsUri { get; init; } = "";

    /// <summary>The embedded broker's bootstrap address: kcat or any client can read its topics.</summary>
    public string Bootstrap { get; init; } = "";

    /// <summary>The processor's metrics.</summary>
    public DemoStats Stats { get; init; } = new();

    /// <summary>The latest alerts, newest first.</summary>
    public IReadOnlyList<AlertSummary> Latest { get; init; } = [];

    /// <summary>The latest victim-engaged alerts, newest first.</summary>
    public IReadOnlyList<AlertSummary> LatestEngaged { get; init; } = [];

    /// <summary>The latest log lines, oldest first.</summary>
    public IReadOnlyList<string> Log { get; init; } = [];

    /// <summary>What the demo is doing now (generating, running, stopping...).</summary>
    public string Phase { get; init; } = "";
}

/// <summary>Draws a <see cref="DemoFrame"/>: the live console view, or one plain progress line.</summary>
public static class DemoView
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly string[] PatternOrder =
        ["government_impersonation", "tech_support", "neighbor_spoofing", "wangiri", "robocall_burst", "unknown"];

    /// <summary>The live view: counts and rates, alerts by pattern and engaged victims, the latest alerts with reasons, the log.</summary>
    public static IRenderable Render(DemoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var s = frame.Stats;
        var header = new Markup(
            $"[bold]FraudStream demo[/]  {Clock(frame.Elapsed)}  [grey]{Markup.Escape(frame.Phase)}[/]  "
            + $"rate {frame.Rate.ToString("N0", Invariant)}/s  chunk {frame.Chunk}\n"
            + $"[grey]model[/] {Markup.Escape(s.Model.Length > 0 ? s.Model : "-")}  [grey]metrics[/] {Markup.Escape(frame.MetricsUri)}  "
            + $"[grey]broker[/] {Markup.Escape(frame.Bootstrap.Length > 0 ? frame.Bootstrap : "-")}");

        var flow = new Table().Border(TableBorder.Rounded).Title("[bold]stream[/]").HideHeaders();
        flow.AddColumn(new TableColumn("what"));
        flow.AddColumn(new TableColumn("value").RightAligned());
        flow.AddRow("produced/s", N(frame.ProducedPerSecond));
        flow.AddRow("consumed/s", N(frame.ConsumedPerSecond));
        flow.AddRow("consumed", N(s.Consumed));
        flow.AddRow("valid", N(s.Valid));
        flow.AddRow("invalid [grey](dead letters)[/]", s.Invalid > 0 ? $"[yellow]{N(s.Invalid)}[/]" : "0");
        flow.AddRow("consumer lag [grey](records)[/]", N(s.ConsumerLag));
        flow.AddRow("event lag", s.EventLagSeconds.ToString("0.0", Invariant) + " s");
        flow.AddRow("ready", s.Ready > 0 ? "[green]yes[/]" : "[red]no[/]");

        var patterns = new Table().Border(TableBorder.Rounded).Title("[bold]alerts[/]").HideHeaders();
        patterns.AddColumn(new TableColumn("pattern"));
        patterns.AddColumn(new TableColumn("count").RightAligned());
        foreach (var name in PatternOrder)
        {
            patterns.AddRow(name, N(s.AlertsByPattern.TryGetValue(name, out var count) ? count : 0));
        }
        patterns.AddRow("[bold]all[/]", $"[bold]{N(s.Alerts)}[/] [grey]({Percent(s.Alerts, s.Valid)} of valid)[/]");
        patterns.AddRow("[red bold]victim engaged[/]", s.VictimEngaged > 0 ? $"[red bold]{N(s.VictimEngaged)}[/]" : "0");

        var latest = AlertTable("[bold]latest alerts[/]", frame.Latest, withReasons: true);
        var engaged = AlertTable("[red bold]victims engaged[/] [grey](answered, talked 300 s or more: act first)[/]", frame.LatestEngaged, withReasons: false);
        var log = new Markup("[grey]" + Markup.Escape(string.Join('\n', frame.Log)) + "[/]");
        return new Rows(header, new Columns(flow, patterns) { Expand = false }, latest, engaged, log);
    }

    /// <summary>One progress line for standard error when there is no terminal to draw on.</summary>
    public static string ProgressLine(DemoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var s = frame.Stats;
        return string.Create(Invariant,
            $"demo {Clock(frame.Elapsed)} chunk {frame.Chunk}: produced={frame.Produced} consumed={s.Consumed:0} ({frame.ConsumedPerSecond:0}/s) "
            + $"valid={s.Valid:0} invalid={s.Invalid:0} alerts={s.Alerts:0} victim_engaged={s.VictimEngaged:0} lag={s.ConsumerLag:0} event_lag={s.EventLagSeconds:0.0}s");
    }

    private static Table AlertTable(string title, IReadOnlyList<AlertSummary> alerts, bool withReasons)
    {
        var table = new Table().Border(TableBorder.Simple).Title(title).Expand();
        table.AddColumn("call id");
        table.AddColumn("pattern");
        table.AddColumn(new TableColumn("score").RightAligned());
        table.AddColumn("from");
        table.AddColumn(withReasons ? "top reasons" : "start");
        foreach (var a in alerts)
        {
            var id = Markup.Escape(a.CallId) + (withReasons && a.VictimEngaged ? " [red bold]ENGAGED[/]" : "");
            var last = withReasons
                ? string.Join(", ", a.Reasons.Take(3).Select(Markup.Escape))
                : Markup.Escape(a.Start);
            table.AddRow(id, Markup.Escape(a.Pattern), a.Score.ToString("0.000", Invariant), Markup.Escape($"{a.OrigCountry} {a.Trunk}"), last);
        }
        if (alerts.Count == 0)
        {
            table.AddRow("[grey]none yet[/]", "", "", "", "");
        }
        return table;
    }

    private static string N(double value) => value.ToString("N0", Invariant);

    private static string Percent(double part, double whole) => whole > 0 ? (100 * part / whole).ToString("0.0", Invariant) + "%" : "-";

    private static string Clock(TimeSpan t) => t.ToString(@"hh\:mm\:ss", Invariant);
}
