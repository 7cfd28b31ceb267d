namespace Gatehouse.Storage.Sqlite;

/// <summary>Where and how the SQLite store keeps its data.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>The database file; null keeps everything in memory (tests, throw-away runs).</summary>
    public string? Path { get; init; }

    /// <summary>
    /// <c>true</c>: every commit is fsynced (survives power loss). <c>false</c> (default): commits reach the OS but
    /// are not fsynced, which still survives a crash or <c>kill -9</c> of the server process, not of the machine.
    /// </summary>
    public bool FsyncEachCommit { get; init; }

    /// <summary>How many queued operations one transaction may take (group commit).</summary>
    public int MaxBatch { get; init; } = 512;
}
