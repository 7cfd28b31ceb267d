namespace Gatehouse.Storage.Sqlite;

/// <summary>The database schema. Messages live only on disk; an index on (queue, visible time) finds the next
/// visible messages and the counts GetQueueAttributes reports without reading message rows.</summary>
internal static class Schema
{
    public const int Version = 1;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS queues(
            id INTEGER PRIMARY KEY,
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
            id INTEGER PRIMARY KEY,
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
}
