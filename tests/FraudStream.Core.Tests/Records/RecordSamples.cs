using System.Text;

namespace FraudStream.Core.Tests.Records;

/// <summary>Valid call records to start from, and a way to change one field at a time.</summary>
internal static class RecordSamples
{
    /// <summary>The contract's example record: every field, in contract order.</summary>
    public const string Valid =
        """{"call_id":"c-000000001","start":"2026-11-27T14:03:11.123Z","caller":"+18008291040","callee":"+14155550199","orig_country":"IN","trunk":"gw-in-017","attest":"C","disposition":"answered","ring_ms":5200,"duration_s":412.5}""";

    /// <summary>The phone digits in <see cref="Valid"/>, which no failure detail may quote.</summary>
    public static readonly string[] PhoneDigits = ["18008291040", "8008291040", "14155550199", "4155550199"];

    private static readonly (string Name, string Json)[] Fields =
    [
        ("call_id", "\"c-000000001\""),
        ("start", "\"2026-11-27T14:03:11.123Z\""),
        ("caller", "\"+18008291040\""),
        ("callee", "\"+14155550199\""),
        ("orig_country", "\"IN\""),
        ("trunk", "\"gw-in-017\""),
        ("attest", "\"C\""),
        ("disposition", "\"answered\""),
        ("ring_ms", "5200"),
        ("duration_s", "412.5"),
    ];

    /// <summary>
    /// <see cref="Valid"/> with the given fields' raw JSON values replaced (null removes the field);
    /// replacements of names not in the record are appended.
    /// </summary>
    public static string With(params (string Name, string? Json)[] replacements)
    {
        var sb = new StringBuilder("{");
        foreach (var (name, json) in Fields)
        {
            var value = json;
            foreach (var r in replacements)
            {
                if (r.Name == name)
                {
                    value = r.Json;
                }
            }
            Append(sb, name, value);
        }
        foreach (var r in replacements)
        {
            if (Array.FindIndex(Fields, f => f.Name == r.Name) < 0)
            {
                Append(sb, r.Name, r.Json);
            }
        }
        return sb.Append('}').ToString();
    }

    /// <summary><see cref="With"/> with one field replaced.</summary>
    public static string With(string name, string? json) => With((name, json));

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static void Append(StringBuilder sb, string name, string? json)
    {
        if (json is null)
        {
            return;
        }
        if (sb.Length > 1)
        {
            sb.Append(',');
        }
        sb.Append('"').Append(name).Append("\":").Append(json);
    }
}
