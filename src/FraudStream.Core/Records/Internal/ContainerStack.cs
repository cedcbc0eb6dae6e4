using System.Buffers;

namespace FraudStream.Records.Internal;

/// <summary>
/// Whether each open container is an object or an array, while a nested value is skipped: one bit per
/// level in a register for the first 64 levels, then a rented array. Unknown fields may nest as deep as
/// the record is long, and a record must not cost an allocation or a stack overflow for it.
/// </summary>
internal ref struct ContainerStack
{
    private const int InlineDepth = 64;

    private ulong _inline;
    private byte[]? _deep;
    private int _depth;

    public readonly int Depth => _depth;

    public readonly bool TopIsObject => _depth <= InlineDepth
        ? (_inline & (1UL << (_depth - 1))) != 0
        : _deep![_depth - 1 - InlineDepth] != 0;

    public void Push(bool isObject)
    {
        if (_depth < InlineDepth)
        {
            if (isObject)
            {
                _inline |= 1UL << _depth;
            }
            else
            {
                _inline &= ~(1UL << _depth);
            }
        }
        else
        {
            PushDeep(isObject);
        }
        _depth++;
    }

    // The rare path: deeper than 64 levels.
    private void PushDeep(bool isObject)
    {
        var index = _depth - InlineDepth;
        if (_deep is null || index == _deep.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(256, index * 2));
            if (_deep is not null)
            {
                _deep.AsSpan().CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_deep);
            }
            _deep = grown;
        }
        _deep[index] = isObject ? (byte)1 : (byte)0;
    }

    public void Pop() => _depth--;

    public void Dispose()
    {
        if (_deep is not null)
        {
            ArrayPool<byte>.Shared.Return(_deep);
            _deep = null;
        }
    }
}
