using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FraudStream.Records;

/// <summary>
/// A fixed-size, inline copy of a short printable-ASCII value (<c>call_id</c>, <c>trunk</c>, the
/// <c>start</c> text): up to 64 bytes, no allocation, owned by the record that holds it.
/// </summary>
public struct AsciiId : IEquatable<AsciiId>
{
    public const int Capacity = 64;

    private Buffer64 _bytes;
    private byte _length;

    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Span =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in _bytes[0]), _length);

    /// <summary>Copies <paramref name="value"/>; false (and nothing copied) when it is longer than 64 bytes.</summary>
    public bool TrySet(ReadOnlySpan<byte> value)
    {
        if (value.Length > Capacity)
        {
            return false;
        }
        value.CopyTo(_bytes);
        _length = (byte)value.Length;
        return true;
    }

    /// <summary>A span to write into (all 64 bytes); then <see cref="SetLength"/>.</summary>
    [UnscopedRef]
    public Span<byte> Buffer => _bytes;

    public void SetLength(int length) => _length = (byte)length;

    public static AsciiId From(ReadOnlySpan<byte> value)
    {
        var id = default(AsciiId);
        if (!id.TrySet(value))
        {
            throw new ArgumentException("longer than 64 bytes", nameof(value));
        }
        return id;
    }

    public static AsciiId From(string value) => From(System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>A 64-bit FNV-1a hash of the bytes: a key for per-trunk state.</summary>
    public readonly ulong Hash64()
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Span)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }
        return hash;
    }

    public readonly bool Equals(AsciiId other) => Span.SequenceEqual(other.Span);

    public override readonly bool Equals(object? obj) => obj is AsciiId other && Equals(other);

    public override readonly int GetHashCode() => (int)Hash64();

    public static bool operator ==(AsciiId left, AsciiId right) => left.Equals(right);

    public static bool operator !=(AsciiId left, AsciiId right) => !left.Equals(right);

    /// <summary>Allocates: for tests, tools and logs of ids that are not phone numbers.</summary>
    public override readonly string ToString() => System.Text.Encoding.ASCII.GetString(Span);

    [InlineArray(Capacity)]
    private struct Buffer64
    {
        private byte _element;
    }
}
