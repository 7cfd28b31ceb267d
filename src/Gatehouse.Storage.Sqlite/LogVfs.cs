using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// A thin layer over SQLite's default file system interface ("VFS") that writes each transaction's write-ahead-log
/// frames with one system call instead of two per page. SQLite appends a commit as a run of frames, each a 24-byte
/// header followed by the page, every piece a separate <c>pwrite</c>; on this kind of machine each call costs a few
/// microseconds of kernel time plus a file-system journal handle, and a commit of nine pages made eighteen of them.
/// Here the log file's consecutive writes are gathered in memory and handed to the real file in one write when the
/// commit's last frame (the one whose header records the database size) has been added — before SQLite's commit
/// call returns, so a committed transaction is in the operating system exactly as before (it survives
/// <c>kill -9</c>). Anything else that touches the log (a read, sync, truncation, size query, file control or
/// close) first writes out what is gathered, so SQLite never sees a difference. Only the log file is wrapped: the
/// database file keeps the default file methods untouched. A commit larger than 64 KiB is handed over in 64 KiB
/// pieces: the default layer's write only takes sizes below 128 KiB.
/// </summary>
internal static unsafe class LogVfs
{
    public const string Name = "gatehouse-log";

    private const int OpenWal = 0x00080000;
    private const int FrameHeaderSize = 24;
    /// <summary>Gathered bytes are written out before they would pass this (SQLite's own writes are a page at most).</summary>
    private const int MaxGathered = 8 * 1024 * 1024;
    private const int MaxWrite = 64 * 1024;

    // sqlite3_vfs: offsets of the fields used here (64-bit layout).
    private const int VfsSzOsFile = 4;
    private const int VfsNext = 16;
    private const int VfsName = 24;
    private const int VfsOpen = 40;
    private const int VfsSizeV3 = 168;

    // sqlite3_io_methods: function slots (after the int version).
    private const int IoClose = 8, IoRead = 16, IoWrite = 24, IoTruncate = 32, IoSync = 40, IoFileSize = 48, IoFileControl = 80;
    private const int IoMethodsSize = 152;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<IntPtr, IntPtr> WrappedTables = [];
    private static IntPtr s_default;
    private static int s_stateOffset;
    private static bool s_registered;

    /// <summary>What the wrapper keeps after the real file's own structure.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct State
    {
        public IntPtr Real;        // the real sqlite3_io_methods
        public byte* Buffer;
        public int Capacity;
        public int Length;
        public long Start;         // file offset of Buffer[0]
        public int CommitPending;  // the last write was the header of a commit frame
        public long Received;      // writes SQLite asked for
        public long Issued;        // writes handed to the real file
    }

    /// <summary>Registers the layer once per process (not as the default); false when the platform's VFS is not the
    /// expected shape, in which case callers open the database with the default VFS.</summary>
    public static bool Register()
    {
        lock (Gate)
        {
            if (s_registered)
            {
                return true;
            }

            var real = Native.VfsFind(null);
            if (real == IntPtr.Zero || *(int*)real < 1 || IntPtr.Size != 8)
            {
                return false;
            }

            var ours = (byte*)NativeMemory.AllocZeroed(VfsSizeV3);
            var version = *(int*)real;
            Buffer.MemoryCopy((void*)real, ours, VfsSizeV3, version >= 3 ? VfsSizeV3 : version == 2 ? 144 : 136);
            var realSize = *(int*)((byte*)real + VfsSzOsFile);
            s_stateOffset = (realSize + 7) & ~7;
            *(int*)(ours + VfsSzOsFile) = s_stateOffset + sizeof(State);
            *(IntPtr*)(ours + VfsNext) = IntPtr.Zero;
            *(IntPtr*)(ours + VfsName) = (IntPtr)Utf8z(Name);
            *(IntPtr*)(ours + VfsOpen) = (IntPtr)(delegate* unmanaged<IntPtr, byte*, IntPtr, int, int*, int>)&Open;
            s_default = real;
            if (Native.VfsRegister((IntPtr)ours, 0) != Native.Ok)
            {
                NativeMemory.Free(ours);
                return false;
            }

            s_registered = true;
            return true;
        }
    }

    private static byte* Utf8z(string text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text + "\0");
        var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
        bytes.AsSpan().CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }

    private static State* StateOf(IntPtr file) => (State*)((byte*)file + s_stateOffset);

    private static IntPtr Slot(IntPtr methods, int offset) => *(IntPtr*)((byte*)methods + offset);

    [UnmanagedCallersOnly]
    private static int Open(IntPtr vfs, byte* name, IntPtr file, int flags, int* outFlags)
    {
        var open = (delegate* unmanaged<IntPtr, byte*, IntPtr, int, int*, int>)Slot(s_default, VfsOpen);
        var rc = open(s_default, name, file, flags, outFlags);
        var methods = *(IntPtr*)file;
        if (rc != Native.Ok || (flags & OpenWal) == 0 || methods == IntPtr.Zero)
        {
            return rc;
        }

        var state = StateOf(file);
        *state = default;
        state->Real = methods;
        *(IntPtr*)file = WrappedTable(methods);
        return rc;
    }

    /// <summary>The log file's method table: the real one with the calls that must see gathered data wrapped.</summary>
    private static IntPtr WrappedTable(IntPtr real)
    {
        lock (Gate)
        {
            if (WrappedTables.TryGetValue(real, out var table))
            {
                return table;
            }

            var t = (byte*)NativeMemory.AllocZeroed(IoMethodsSize);
            var version = *(int*)real;
            Buffer.MemoryCopy((void*)real, t, IoMethodsSize, version >= 3 ? IoMethodsSize : version == 2 ? 136 : 104);
            *(IntPtr*)(t + IoClose) = (IntPtr)(delegate* unmanaged<IntPtr, int>)&Close;
            *(IntPtr*)(t + IoRead) = (IntPtr)(delegate* unmanaged<IntPtr, byte*, int, long, int>)&Read;
            *(IntPtr*)(t + IoWrite) = (IntPtr)(delegate* unmanaged<IntPtr, byte*, int, long, int>)&Write;
            *(IntPtr*)(t + IoTruncate) = (IntPtr)(delegate* unmanaged<IntPtr, long, int>)&Truncate;
            *(IntPtr*)(t + IoSync) = (IntPtr)(delegate* unmanaged<IntPtr, int, int>)&Sync;
            *(IntPtr*)(t + IoFileSize) = (IntPtr)(delegate* unmanaged<IntPtr, long*, int>)&FileSize;
            *(IntPtr*)(t + IoFileControl) = (IntPtr)(delegate* unmanaged<IntPtr, int, IntPtr, int>)&FileControl;
            WrappedTables[real] = (IntPtr)t;
            return (IntPtr)t;
        }
    }

    /// <summary>
    /// Writes out whatever the connection's log file still has gathered (normally nothing: a commit's last frame
    /// writes everything out). Called after every commit as a second guarantee that an acknowledged commit has
    /// reached the operating system.
    /// </summary>
    public static int FlushLog(IntPtr db) => LogFile(db) is { } file ? Flush(file) : Native.Ok;

    /// <summary>Writes SQLite asked for on the connection's log, and writes handed to the file (diagnostics, tests).</summary>
    public static (long Received, long Issued) Counts(IntPtr db) =>
        LogFile(db) is { } file ? (StateOf(file)->Received, StateOf(file)->Issued) : (0, 0);

    /// <summary>The connection's log file when this layer wraps it.</summary>
    private static IntPtr? LogFile(IntPtr db)
    {
        IntPtr file;
        var main = "main\0"u8;
        fixed (byte* schema = main)
        {
            if (Native.FileControl(db, schema, Native.FileControlJournalPointer, &file) != Native.Ok || file == IntPtr.Zero)
            {
                return null;
            }
        }

        var methods = *(IntPtr*)file;
        lock (Gate)
        {
            return methods != IntPtr.Zero && WrappedTables.ContainsValue(methods) ? file : null;
        }
    }

    /// <summary>Hands what is gathered to the real file in one write.</summary>
    private static int Flush(IntPtr file)
    {
        var state = StateOf(file);
        state->CommitPending = 0;
        if (state->Length == 0)
        {
            return Native.Ok;
        }

        // In pieces of at most 64 KiB: the default VFS's write takes the size modulo 128 KiB (it is only ever asked for
        // a page or a frame header), so one larger write would be cut short and reported as a full disk.
        var write = (delegate* unmanaged<IntPtr, byte*, int, long, int>)Slot(state->Real, IoWrite);
        var rc = Native.Ok;
        for (var done = 0; done < state->Length && rc == Native.Ok; done += MaxWrite)
        {
            rc = write(file, state->Buffer + done, Math.Min(MaxWrite, state->Length - done), state->Start + done);
            state->Issued++;
        }

        state->Length = 0;
        return rc;
    }

    [UnmanagedCallersOnly]
    private static int Write(IntPtr file, byte* data, int amount, long offset)
    {
        var state = StateOf(file);
        state->Received++;
        if (state->Length > 0 && (offset != state->Start + state->Length || state->Length + amount > MaxGathered))
        {
            var rc = Flush(file);
            if (rc != Native.Ok)
            {
                return rc;
            }
        }

        if (state->Length + amount > state->Capacity)
        {
            var capacity = Math.Max(64 * 1024, Math.Max(state->Capacity * 2, state->Length + amount));
            var grown = (byte*)NativeMemory.Realloc(state->Buffer, (nuint)capacity);
            if (grown == null)
            {
                return Native.NoMemory;
            }

            state->Buffer = grown;
            state->Capacity = capacity;
        }

        if (state->Length == 0)
        {
            state->Start = offset;
        }

        Unsafe.CopyBlockUnaligned(state->Buffer + state->Length, data, (uint)amount);
        state->Length += amount;

        if (state->CommitPending != 0)
        {
            // The page after a commit frame's header: the transaction's frames are complete.
            return Flush(file);
        }

        if (amount == FrameHeaderSize && BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(data + 4, 4)) != 0)
        {
            state->CommitPending = 1;
        }

        return Native.Ok;
    }

    // The calls that must see everything SQLite has written: write out what is gathered, then go on to the real method.
    private static IntPtr RealAfterFlush(IntPtr file, int slot, out int rc)
    {
        rc = Flush(file);
        return Slot(StateOf(file)->Real, slot);
    }

    [UnmanagedCallersOnly]
    private static int Read(IntPtr file, byte* data, int amount, long offset)
    {
        var real = (delegate* unmanaged<IntPtr, byte*, int, long, int>)RealAfterFlush(file, IoRead, out var rc);
        return rc != Native.Ok ? rc : real(file, data, amount, offset);
    }

    [UnmanagedCallersOnly]
    private static int Truncate(IntPtr file, long size)
    {
        var real = (delegate* unmanaged<IntPtr, long, int>)RealAfterFlush(file, IoTruncate, out var rc);
        return rc != Native.Ok ? rc : real(file, size);
    }

    [UnmanagedCallersOnly]
    private static int Sync(IntPtr file, int flags)
    {
        var real = (delegate* unmanaged<IntPtr, int, int>)RealAfterFlush(file, IoSync, out var rc);
        return rc != Native.Ok ? rc : real(file, flags);
    }

    [UnmanagedCallersOnly]
    private static int FileSize(IntPtr file, long* size)
    {
        var real = (delegate* unmanaged<IntPtr, long*, int>)RealAfterFlush(file, IoFileSize, out var rc);
        return rc != Native.Ok ? rc : real(file, size);
    }

    [UnmanagedCallersOnly]
    private static int FileControl(IntPtr file, int op, IntPtr argument)
    {
        var real = (delegate* unmanaged<IntPtr, int, IntPtr, int>)RealAfterFlush(file, IoFileControl, out var rc);
        return rc != Native.Ok ? rc : real(file, op, argument);
    }

    [UnmanagedCallersOnly]
    private static int Close(IntPtr file)
    {
        var state = StateOf(file);
        var rc = Flush(file);
        NativeMemory.Free(state->Buffer);
        state->Buffer = null;
        state->Capacity = 0;
        var close = (delegate* unmanaged<IntPtr, int>)Slot(state->Real, IoClose);
        var closed = close(file);
        return rc != Native.Ok ? rc : closed;
    }
}
