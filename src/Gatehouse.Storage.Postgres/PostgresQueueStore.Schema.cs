namespace Gatehouse.Storage.Postgres;

public sealed partial class PostgresQueueStore
{
    /// <summary>The queue store's tables (docs/postgres.md, "Queue store"). Ids are identity columns: a sequence
    /// never hands out a value twice, so a receipt handle (queue id, message id, nonce) names one receive of one
    /// message forever, as the SQLite store's <c>AUTOINCREMENT</c> ids do. Every receive, visibility change and delete
    /// leaves a dead row version behind, so the message and deduplication tables are vacuumed after 1 % of their rows
    /// changed rather than PostgreSQL's default 20 %.</summary>
    internal static readonly Migration[] Migrations =
    [
        new(1, """
            CREATE TABLE sqs_queues(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                account text NOT NULL,
                region text NOT NULL,
                name text NOT NULL,
                attributes text NOT NULL,
                tags text NOT NULL,
                created bigint NOT NULL,
                modified bigint NOT NULL,
                next_seq bigint NOT NULL DEFAULT 1,
                UNIQUE(account, region, name));
            CREATE TABLE sqs_messages(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                queue_id bigint NOT NULL,
                message_id text NOT NULL,
                body text NOT NULL,
                attributes bytea,
                trace text,
                sender text NOT NULL,
                sent_ms bigint NOT NULL,
                visible_ms bigint NOT NULL,
                receive_count integer NOT NULL DEFAULT 0,
                first_receive_ms bigint NOT NULL DEFAULT 0,
                last_receive_ms bigint NOT NULL DEFAULT 0,
                nonce integer NOT NULL DEFAULT 0,
                group_id text,
                dedup_id text,
                seq bigint NOT NULL DEFAULT 0,
                dlq_source text)
                WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);
            CREATE INDEX sqs_messages_by_visibility ON sqs_messages(queue_id, visible_ms, receive_count, id);
            CREATE INDEX sqs_messages_by_sequence ON sqs_messages(queue_id, seq) WHERE seq > 0;
            CREATE TABLE sqs_dedup(
                queue_id bigint NOT NULL,
                scope text NOT NULL,
                dedup_id text NOT NULL,
                message_id text NOT NULL,
                seq bigint NOT NULL,
                expires_ms bigint NOT NULL,
                PRIMARY KEY(queue_id, scope, dedup_id))
                WITH (autovacuum_vacuum_scale_factor = 0.01);
            CREATE INDEX sqs_dedup_by_expiry ON sqs_dedup(queue_id, expires_ms);
            CREATE TABLE sqs_move_tasks(
                id text PRIMARY KEY,
                source_arn text NOT NULL,
                destination_arn text,
                rate integer,
                to_move bigint NOT NULL,
                started_ms bigint NOT NULL,
                moved bigint NOT NULL,
                status text NOT NULL,
                failure_reason text);
            CREATE INDEX sqs_move_tasks_by_source ON sqs_move_tasks(source_arn, started_ms DESC, id);
            """),

        // Step 2: a version per queue row, bumped by a trigger whenever the definition changes (however it is
        // changed), so the periodic catalogue check compares one number per queue (docs/postgres.md, "Caches and how
        // stale they can be"). FIFO sends update next_seq only, which leaves the version alone.
        new(2, """
            ALTER TABLE sqs_queues ADD COLUMN version bigint NOT NULL DEFAULT 1;
            CREATE FUNCTION sqs_queues_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.version := OLD.version + 1;
                RETURN NEW;
            END
            $$;
            CREATE TRIGGER sqs_queues_version BEFORE UPDATE OF account, region, name, attributes, tags ON sqs_queues
                FOR EACH ROW EXECUTE FUNCTION sqs_queues_bump_version();
            """),

        // Step 3: at most one active (RUNNING or CANCELLING) move task per source queue, held by the database, so two
        // nodes starting a task for one source at the same instant cannot both succeed (docs/postgres.md, "Move tasks
        // on any node"). Should such a pair exist already, the older is recorded as cancelled first.
        new(3, """
            UPDATE sqs_move_tasks t SET status = 'CANCELLED'
                WHERE status IN ('RUNNING', 'CANCELLING') AND EXISTS (
                    SELECT 1 FROM sqs_move_tasks o WHERE o.source_arn = t.source_arn AND o.status IN ('RUNNING', 'CANCELLING')
                        AND (o.started_ms, o.id) > (t.started_ms, t.id));
            CREATE UNIQUE INDEX sqs_move_tasks_one_active ON sqs_move_tasks(source_arn) WHERE status IN ('RUNNING', 'CANCELLING');
            """),
    ];
}
