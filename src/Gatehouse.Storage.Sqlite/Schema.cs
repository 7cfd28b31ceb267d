namespace Gatehouse.Storage.Sqlite;

/// <summary>The database schema. Messages live only on disk; an index on (queue, visible time) finds the next
/// visible messages and the counts GetQueueAttributes reports without reading message rows.</summary>
/// <remarks>Queue and message ids are <c>AUTOINCREMENT</c>: an id is never given out twice in the life of the
/// database, so a receipt handle (queue id, message id, receive count) names one receive of one message forever,
/// and a handle of a deleted message or queue can never reach a later one. Version 1 databases reused the ids of
/// deleted rows; <see cref="MigrateFromVersion1"/> rebuilds their two tables.</remarks>
internal static class Schema
{
    public const int Version = 2;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS queues(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            attributes TEXT NOT NULL,
            tags TEXT NOT NULL,
            created INTEGER NOT NULL,
            modified INTEGER NOT NULL,
            next_seq INTEGER NOT NULL DEFAULT 1,
            UNIQUE(account, region, name));
        CREATE TABLE IF NOT EXISTS messages(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            queue_id INTEGER NOT NULL,
            message_id TEXT NOT NULL,
            body TEXT NOT NULL,
            attributes BLOB,
            trace TEXT,
            sender TEXT NOT NULL,
            sent_ms INTEGER NOT NULL,
            visible_ms INTEGER NOT NULL,
            receive_count INTEGER NOT NULL DEFAULT 0,
            first_receive_ms INTEGER NOT NULL DEFAULT 0,
            last_receive_ms INTEGER NOT NULL DEFAULT 0,
            nonce INTEGER NOT NULL DEFAULT 0,
            group_id TEXT,
            dedup_id TEXT,
            seq INTEGER NOT NULL DEFAULT 0,
            dlq_source TEXT);
        CREATE INDEX IF NOT EXISTS messages_by_visibility ON messages(queue_id, visible_ms, receive_count);
        CREATE INDEX IF NOT EXISTS messages_by_sequence ON messages(queue_id, seq) WHERE seq > 0;
        CREATE TABLE IF NOT EXISTS dedup(
            queue_id INTEGER NOT NULL,
            scope TEXT NOT NULL,
            dedup_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            expires_ms INTEGER NOT NULL,
            PRIMARY KEY(queue_id, scope, dedup_id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS move_tasks(
            id TEXT PRIMARY KEY,
            source_arn TEXT NOT NULL,
            destination_arn TEXT,
            rate INTEGER,
            to_move INTEGER NOT NULL,
            started_ms INTEGER NOT NULL,
            moved INTEGER NOT NULL,
            status TEXT NOT NULL,
            failure_reason TEXT) WITHOUT ROWID;
        """;

    /// <summary>Run before <see cref="Create"/> on a database whose <c>messages</c> table has no
    /// <c>AUTOINCREMENT</c>: moves the version 1 tables aside (their indexes go with them, dropped here so that
    /// <see cref="Create"/> makes the new ones).</summary>
    public const string MoveVersion1Aside = """
        DROP INDEX IF EXISTS messages_by_visibility;
        DROP INDEX IF EXISTS messages_by_sequence;
        ALTER TABLE messages RENAME TO messages_v1;
        ALTER TABLE queues RENAME TO queues_v1;
        """;

    /// <summary>Run after <see cref="Create"/>: copies the rows (same columns, same order) and drops the old
    /// tables. The copy leaves each table's AUTOINCREMENT counter at its largest id.</summary>
    public const string MigrateFromVersion1 = """
        INSERT INTO queues SELECT * FROM queues_v1;
        INSERT INTO messages SELECT * FROM messages_v1;
        DROP TABLE messages_v1;
        DROP TABLE queues_v1;
        UPDATE meta SET value = '2' WHERE key = 'schema_version';
        """;
}
