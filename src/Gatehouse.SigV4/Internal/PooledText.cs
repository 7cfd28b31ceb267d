using System.Buffers;

namespace Gatehouse.SigV4.Internal;

/// <summary>A growable char buffer rented from the shared pool, so canonical requests cost no garbage.</summary>
internal ref struct PooledText
{
    private char[] _buffer;
    private int _length;

    public PooledText(int capacity)
    {
        _buffer = ArrayPool<char>.Shared.Rent(capacity);
        _length = 0;
    }

    public readonly ReadOnlySpan<char> Written => _buffer.AsSpan(0, _length);

    public void Append(char c)
    {
        if (_length == _buffer.Length)
            Grow(1);
        _buffer[_length++] = c;
    }

    public void Append(scoped ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _buffer.Length)
            Grow(text.Length);
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }

    public Span<char> AppendSpan(int count)
    {
        if (_length + count > _buffer.Length)
            Grow(count);
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public override readonly string ToString() => new(Written);

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
            ArrayPool<char>.Shared.Return(buffer);
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<char>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(next);
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = next;
    }
}
