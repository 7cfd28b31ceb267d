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

    /// <summary>
    /// Log pages (4 KiB each) after which a commit copies the write-ahead log back into the database file. The
    /// default, 16,000 (64 MiB), is sixteen times SQLite's: hot pages (the tail of the message table and of its
    /// index) are rewritten by nearly every commit, so fewer checkpoints copy them fewer times, and the commits
    /// that run a checkpoint are rarer (load benchmark: p99 latency 3.4–4.5 ms instead of 10–13 ms).
    /// </summary>
    public int CheckpointPages { get; init; } = 16_000;

    /// <summary>
    /// SQLite's own page cache, in KiB. Small on purpose: the database file is memory-mapped (up to 256 MiB), so
    /// pages already checkpointed into it are read from the OS page cache without a copy, and SQLite's cache holds
    /// only pages still in the log. At every commit SQLite looks through its cache for pages past the end of the
    /// database, and in a profile that walk over a 64 MiB cache was the costliest SQLite function (load benchmark:
    /// 2 MiB instead of 64 MiB gave receive + delete 2–16% more throughput, and 36 instead of 102 MiB of heap with a
    /// million messages queued).
    /// </summary>
    public int CacheKiB { get; init; } = 2048;

    /// <summary>How many queued operations one transaction may take (group commit).</summary>
    public int MaxBatch { get; init; } = 512;

    /// <summary>
    /// Rows one step of a long operation (purge, queue deletion, the retention sweep, GetQueueAttributes' counts)
    /// reads or deletes. Each step is an operation of its own on the writer, so requests for other queues are
    /// served between the steps instead of waiting behind a scan of a big queue.
    /// </summary>
    public int SliceRows { get; init; } = 4096;
}
