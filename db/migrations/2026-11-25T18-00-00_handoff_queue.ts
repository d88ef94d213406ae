import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.

/**
 * The built-in helpdesk queue, the embedded default when no external helpdesk is configured: one row
 * per escalation delivered to the human team — a live hand-off, or a next-day review task with a due
 * time — carrying the full hand-off package (jsonb) and the ticket's status, plus its comments.
 *
 * `idempotency_key` makes a retried delivery land once. `assigned_agent_id` is the agent routing
 * asked for; it is deliberately not a foreign key, so a routing hint naming an agent who was never
 * registered (or was deleted) cannot make the escalation itself fail. A comment's `comment_key`, when
 * given, makes a retried comment land once too (rows without a key never conflict).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('handoff_tickets')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('conversation_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('handoff', 'review')`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('open')
        .check(sql`status in ('open', 'pending', 'solved', 'closed')`),
    )
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('handling', 'text', (c) =>
      c.notNull().check(sql`handling in ('hand_off_now', 'next_day_review')`),
    )
    .addColumn('package', 'jsonb', (c) => c.notNull())
    .addColumn('assigned_agent_id', 'text')
    .addColumn('due_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // A review task without a due time would never surface in the agents' "due" view.
    .addCheckConstraint('handoff_tickets_review_due_check', sql`kind <> 'review' or due_at is not null`)
    .execute();
  // The agents' queue: unfinished tickets of a kind, oldest first.
  await db.schema
    .createIndex('handoff_tickets_queue_idx')
    .on('handoff_tickets')
    .columns(['status', 'kind', 'created_at'])
    .execute();
  await db.schema
    .createIndex('handoff_tickets_conversation_idx')
    .on('handoff_tickets')
    .columns(['conversation_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('handoff_ticket_comments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ticket_id', 'bigint', (c) => c.notNull().references('handoff_tickets.id').onDelete('cascade'))
    .addColumn('author', 'text', (c) => c.notNull().check(sql`author in ('customer', 'parley', 'agent')`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('public', 'boolean', (c) => c.notNull())
    .addColumn('comment_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('handoff_ticket_comments_key_idx')
    .on('handoff_ticket_comments')
    .columns(['ticket_id', 'comment_key'])
    .unique()
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('handoff_ticket_comments').execute();
  await db.schema.dropTable('handoff_tickets').execute();
}
