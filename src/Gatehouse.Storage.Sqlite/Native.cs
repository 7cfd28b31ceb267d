using System.Runtime.InteropServices;

namespace Gatehouse.Storage.Sqlite;

/// <summary>
/// The few SQLite C functions the message store's writer calls, bound directly to the bundled SQLite library (the
/// one Microsoft.Data.Sqlite ships and loads). Handles are plain pointers: the writer owns its connection and
/// statements for the life of the store, so the reference counting that safe handles do on every call is not
/// needed. Functions that only read or set a value in SQLite's memory skip the GC transition.
/// </summary>
internal static unsafe partial class Native
{
    private const string Library = "e_sqlite3";

    public const int Ok = 0;
    public const int Busy = 5;
    public const int Locked = 6;
    public const int NoMemory = 7;
    public const int Row = 100;
    public const int Done = 101;

    public const int Null = 5;

    public const int OpenReadWrite = 0x02;
    public const int OpenCreate = 0x04;
    public const int OpenMemory = 0x80;

    /// <summary>No mutex on the connection: only one thread uses it at a time (the store's writer).</summary>
    public const int OpenNoMutex = 0x8000;

    public const uint PreparePersistent = 0x01;

    /// <summary>SQLITE_TRANSIENT: SQLite copies the bound value before the call returns.</summary>
    public static readonly IntPtr Transient = -1;

    [LibraryImport(Library, EntryPoint = "sqlite3_open_v2")]
    public static partial int Open(byte* filename, out IntPtr db, int flags, byte* vfs);

    [LibraryImport(Library, EntryPoint = "sqlite3_vfs_find")]
    public static partial IntPtr VfsFind(byte* name);

    [LibraryImport(Library, EntryPoint = "sqlite3_vfs_register")]
    public static partial int VfsRegister(IntPtr vfs, int makeDefault);

    /// <summary>SQLITE_FCNTL_JOURNAL_POINTER: the database's write-ahead log (or journal) file.</summary>
    public const int FileControlJournalPointer = 28;

    [LibraryImport(Library, EntryPoint = "sqlite3_file_control")]
    public static partial int FileControl(IntPtr db, byte* schema, int op, IntPtr* argument);

    [LibraryImport(Library, EntryPoint = "sqlite3_close_v2")]
    public static partial int Close(IntPtr db);

    [LibraryImport(Library, EntryPoint = "sqlite3_busy_timeout")]
    public static partial int BusyTimeout(IntPtr db, int milliseconds);

    [LibraryImport(Library, EntryPoint = "sqlite3_exec")]
    public static partial int Exec(IntPtr db, byte* sql, IntPtr callback, IntPtr argument, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "sqlite3_free")]
    public static partial void Free(IntPtr memory);

    [LibraryImport(Library, EntryPoint = "sqlite3_errmsg")]
    public static partial byte* ErrorMessage(IntPtr db);

    [LibraryImport(Library, EntryPoint = "sqlite3_extended_errcode")]
    public static partial int ExtendedErrorCode(IntPtr db);

    [LibraryImport(Library, EntryPoint = "sqlite3_prepare_v3")]
    public static partial int Prepare(IntPtr db, byte* sql, int length, uint flags, out IntPtr statement, out byte* tail);

    [LibraryImport(Library, EntryPoint = "sqlite3_finalize")]
    public static partial int Finalize(IntPtr statement);

    /// <summary>SQLITE_STMTSTATUS_FULLSCAN_STEP: rows a statement stepped through in a full scan of a table.</summary>
    public const int StatusFullScanSteps = 1;

    /// <summary>SQLITE_STMTSTATUS_SORT: sorts a statement ran.</summary>
    public const int StatusSorts = 2;

    /// <summary>SQLITE_STMTSTATUS_REPREPARE: times SQLite compiled a statement again (after a schema change, or a
    /// new value bound to a parameter its plan depended on).</summary>
    public const int StatusReprepares = 5;

    [LibraryImport(Library, EntryPoint = "sqlite3_stmt_status")]
    public static partial int StatementStatus(IntPtr statement, int counter, int reset);

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    public static partial int Step(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset")]
    public static partial int Reset(IntPtr statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_changes")]
    [SuppressGCTransition]
    public static partial int Changes(IntPtr db);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_parameter_index")]
    public static partial int ParameterIndex(IntPtr statement, byte* name);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_null")]
    [SuppressGCTransition]
    public static partial int BindNull(IntPtr statement, int index);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_int64")]
    [SuppressGCTransition]
    public static partial int BindInt64(IntPtr statement, int index, long value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_double")]
    [SuppressGCTransition]
    public static partial int BindDouble(IntPtr statement, int index, double value);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_text")]
    public static partial int BindText(IntPtr statement, int index, byte* value, int length, IntPtr destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_bind_blob")]
    public static partial int BindBlob(IntPtr statement, int index, byte* value, int length, IntPtr destructor);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    [SuppressGCTransition]
    public static partial int ColumnType(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    [SuppressGCTransition]
    public static partial long ColumnInt64(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_text")]
    [SuppressGCTransition]
    public static partial byte* ColumnText(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob")]
    [SuppressGCTransition]
    public static partial byte* ColumnBlob(IntPtr statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    [SuppressGCTransition]
    public static partial int ColumnBytes(IntPtr statement, int column);
}
