using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;

namespace FraudStream.Traffic.Internal;

/// <summary>Writes the sorted calls as contract NDJSON and the labels as CSV, formatting UTF-8 bytes directly.</summary>
internal sealed class OutputWriter
{
    private const int BufferSize = 1 << 20;
    private const int LineReserve = 1024; // no line comes near this (trunk and campaign names are short)

    private static readonly byte[][] Dispositions =
        [.. new[] { "answered", "no_answer", "busy", "failed", "rejected" }.Select(Encoding.ASCII.GetBytes)];

    private readonly GenContext _ctx;
    private readonly Rng _rng;
    private readonly byte[][] _campaigns;
    private readonly byte[][] _schemes;
    private readonly int _idWidth;
    private readonly byte[] _idPrefix;

    public OutputWriter(GenContext ctx, Rng rng)
    {
        _ctx = ctx;
        _rng = rng;
        _campaigns = [.. ctx.Campaigns.Select(Encoding.ASCII.GetBytes)];
        _schemes = [.. TrafficClasses.All.Select(c => Encoding.ASCII.GetBytes((c.IsFraud() ? "1," : "0,") + c.Name() + ","))];
        _idWidth = Math.Max(9, ctx.Calls.Count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        _idPrefix = IdPrefix(ctx.Options);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // long loops run once: skip tier-0 code
    public void Write(int[] order, Stream calls, Stream labels, Action<string>? progress, CancellationToken cancellationToken = default)
    {
        byte[] buf = new byte[BufferSize], lab = new byte[BufferSize];
        int bp = 0, lp = 0;
        "call_id,is_fraud,scheme,campaign\n"u8.CopyTo(lab);
        lp = 33;
        CallRow[] rows = _ctx.Calls.Rows;
        int step = Math.Max(order.Length / 10, 1);
        for (int i = 0; i < order.Length; i++)
        {
            ref readonly CallRow row = ref rows[order[i]];
            bp += Line(buf.AsSpan(bp), i + 1, in row);
            lp += Label(lab.AsSpan(lp), i + 1, in row);
            if (bp > BufferSize - LineReserve)
            {
                cancellationToken.ThrowIfCancellationRequested(); // once a buffer: the labels' buffer fills more slowly
                calls.Write(buf, 0, bp);
                bp = 0;
            }
            if (lp > BufferSize - LineReserve)
            {
                labels.Write(lab, 0, lp);
                lp = 0;
            }
            if (progress is not null && order.Length >= 200_000 && (i + 1) % step == 0)
                progress($"written {i + 1} of {order.Length} calls");
        }
        cancellationToken.ThrowIfCancellationRequested();
        calls.Write(buf, 0, bp);
        labels.Write(lab, 0, lp);
        calls.Flush();
        labels.Flush();
    }

    /// <summary>
    /// <c>c-</c>, the period's start (UTC, to the second, as <c>--start</c> takes it) and the seed: call ids are unique
    /// across generated periods (contracts.md section 1 says a call id is unique, and alert ids equal call ids), yet the
    /// same options and seed still give the same ids. For example <c>c-20261102T000000-1-000000001</c>.
    /// </summary>
    internal static byte[] IdPrefix(TrafficOptions options) => Encoding.ASCII.GetBytes(string.Create(
        System.Globalization.CultureInfo.InvariantCulture, $"c-{options.Start:yyyyMMdd'T'HHmmss}-{options.Seed}-"));

    private int Id(Span<byte> dst, int id)
    {
        _idPrefix.CopyTo(dst);
        int start = _idPrefix.Length;
        for (int k = start + _idWidth - 1; k >= start; k--, id /= 10)
            dst[k] = (byte)('0' + (id % 10));
        return start + _idWidth;
    }

    private int Label(Span<byte> dst, int id, in CallRow row)
    {
        int p = Id(dst, id);
        dst[p++] = (byte)',';
        byte[] scheme = _schemes[(int)row.Class];
        scheme.CopyTo(dst[p..]);
        p += scheme.Length;
        if (row.Campaign >= 0)
        {
            _campaigns[row.Campaign].CopyTo(dst[p..]);
            p += _campaigns[row.Campaign].Length;
        }
        dst[p++] = (byte)'\n';
        return p;
    }

    private int Line(Span<byte> dst, int id, in CallRow row)
    {
        int p = 0;
        Put(dst, ref p, "{\"call_id\":\""u8);
        p += Id(dst[p..], id);
        Put(dst, ref p, "\",\"start\":\""u8);
        p += Timestamp(dst[p..], row.StartMs);
        Put(dst, ref p, "\",\"caller\":\""u8);
        if (row.Caller == 0)
            Put(dst, ref p, "anonymous"u8);
        else
            Number(dst, ref p, row.Caller);
        Put(dst, ref p, "\",\"callee\":\""u8);
        Number(dst, ref p, row.Callee);
        Put(dst, ref p, "\",\"orig_country\":\""u8);
        dst[p++] = (byte)(row.Country >> 8);
        dst[p++] = (byte)row.Country;
        Put(dst, ref p, "\",\"trunk\":\""u8);
        Put(dst, ref p, _ctx.Trunks[row.Trunk].NameUtf8);
        switch (row.Attest)
        {
            case Attest.A:
                Put(dst, ref p, "\",\"attest\":\"A"u8);
                break;
            case Attest.B:
                Put(dst, ref p, "\",\"attest\":\"B"u8);
                break;
            case Attest.C:
                Put(dst, ref p, "\",\"attest\":\"C"u8);
                break;
            default:
                if (_rng.Chance(_ctx.Options.AttestNullShare))
                {
                    Put(dst, ref p, "\",\"attest\":null,\"disposition\":\""u8);
                    goto disposition;
                }
                break;
        }
        Put(dst, ref p, "\",\"disposition\":\""u8);
    disposition:
        Put(dst, ref p, Dispositions[(int)row.Disposition]);
        Put(dst, ref p, "\",\"ring_ms\":"u8);
        Utf8Formatter.TryFormat(row.RingMs, dst[p..], out int w);
        p += w;
        Put(dst, ref p, ",\"duration_s\":"u8);
        int tenths = (row.DurationMs + 50) / 100;
        Utf8Formatter.TryFormat(tenths / 10, dst[p..], out w);
        p += w;
        if (tenths % 10 != 0)
        {
            dst[p++] = (byte)'.';
            dst[p++] = (byte)('0' + (tenths % 10));
        }
        Put(dst, ref p, "}\n"u8);
        return p;
    }

    private static void Put(Span<byte> dst, ref int p, ReadOnlySpan<byte> s)
    {
        s.CopyTo(dst[p..]);
        p += s.Length;
    }

    private static void Number(Span<byte> dst, ref int p, ulong digits)
    {
        dst[p++] = (byte)'+';
        Utf8Formatter.TryFormat(digits, dst[p..], out int w);
        p += w;
    }

    /// <summary>yyyy-MM-ddTHH:mm:ss.fffZ (a few records use six fractional digits or +00:00, both valid).</summary>
    private int Timestamp(Span<byte> dst, long ms)
    {
        long days = Math.DivRem(ms, 86_400_000L, out long msOfDay);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        long z = days + 719_468;
        long era = z / 146_097;
        long doe = z - (era * 146_097);
        long yoe = (doe - (doe / 1460) + (doe / 36_524) - (doe / 146_096)) / 365;
        long doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        long mp = ((5 * doy) + 2) / 153;
        int day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
        int month = (int)(mp < 10 ? mp + 3 : mp - 9);
        int year = (int)(yoe + (era * 400) + (month <= 2 ? 1 : 0));
        int h = (int)(msOfDay / 3_600_000), m = (int)(msOfDay / 60_000 % 60), s = (int)(msOfDay / 1000 % 60), f = (int)(msOfDay % 1000);
        Digits(dst, 0, year, 4);
        dst[4] = (byte)'-';
        Digits(dst, 5, month, 2);
        dst[7] = (byte)'-';
        Digits(dst, 8, day, 2);
        dst[10] = (byte)'T';
        Digits(dst, 11, h, 2);
        dst[13] = (byte)':';
        Digits(dst, 14, m, 2);
        dst[16] = (byte)':';
        Digits(dst, 17, s, 2);
        dst[19] = (byte)'.';
        Digits(dst, 20, f, 3);
        int p = 23;
        if (_rng.Chance(_ctx.Options.MicrosecondShare))
        {
            Digits(dst, 23, _rng.Next(1000), 3);
            p = 26;
        }
        if (_rng.Chance(_ctx.Options.OffsetSuffixShare))
        {
            "+00:00"u8.CopyTo(dst[p..]);
            return p + 6;
        }
        dst[p] = (byte)'Z';
        return p + 1;
    }

    private static void Digits(Span<byte> dst, int at, int value, int width)
    {
        for (int k = at + width - 1; k >= at; k--, value /= 10)
            dst[k] = (byte)('0' + (value % 10));
    }
}
