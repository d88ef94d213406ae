/**
 * Which activity failures are retried and which are handed to the workflow as permanent, checked
 * against real errors from a real Postgres (and a zod schema), one per class.
 */
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '../../db/database.js';
import { freePort } from '../../devstack/free-port.js';
import { classifyActivityFailure, DataErrorTypes } from '../../worker/activity-failures.js';
import { createTestDatabase } from '../support/database.js';

describe('activity failures: permanent data errors are not retried, transient ones are', () => {
  let db: Db;
  beforeAll(async () => {
    ({ db } = await createTestDatabase());
    await sql`create table probe (id int primary key, n smallint check (n >= 0), at timestamptz)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  /** The error a statement fails with, as the pg driver throws it. */
  async function failureOf(statement: Promise<unknown>): Promise<unknown> {
    try {
      await statement;
    } catch (err) {
      return err;
    }
    throw new Error('the statement was expected to fail');
  }
  const permanent = (err: unknown) => {
    const classified = classifyActivityFailure(err);
    expect(classified).toBeInstanceOf(ApplicationFailure);
    expect((classified as ApplicationFailure).nonRetryable).toBe(true);
    return (classified as ApplicationFailure).type;
  };

  it('a NUL byte Postgres cannot store (22021) is permanent', async () => {
    // Without the plugin that cleans Parley's own writes: what any other write would run into.
    const raw = await failureOf(sql`select ${'a\u0000b'}::text`.execute(db.withoutPlugins()));
    expect((raw as { code?: string }).code).toBe('22021');
    expect(permanent(raw)).toBe(DataErrorTypes.InvalidData);
  });

  it('a value out of range or of the wrong form (class 22) is permanent', async () => {
    expect(permanent(await failureOf(sql`insert into probe values (1, 40000, now())`.execute(db)))).toBe(
      DataErrorTypes.InvalidData,
    );
    expect(
      permanent(
        await failureOf(sql`insert into probe values (2, 1, ${'not a date'}::timestamptz)`.execute(db)),
      ),
    ).toBe(DataErrorTypes.InvalidData);
  });

  it('a broken constraint (class 23) is permanent', async () => {
    await sql`insert into probe values (3, 1, now())`.execute(db);
    expect(permanent(await failureOf(sql`insert into probe values (3, 1, now())`.execute(db)))).toBe(
      DataErrorTypes.ConstraintViolation,
    );
    expect(permanent(await failureOf(sql`insert into probe values (4, -1, now())`.execute(db)))).toBe(
      DataErrorTypes.ConstraintViolation,
    );
  });

  it('a statement wrong for the schema (class 42) is permanent', async () => {
    expect(permanent(await failureOf(sql`select nope from probe`.execute(db)))).toBe(
      DataErrorTypes.InvalidQuery,
    );
  });

  it('input that fails its schema is permanent', () => {
    const parsed = z.object({ orderNumber: z.string() }).safeParse({ orderNumber: 7 });
    expect(permanent(parsed.error)).toBe(DataErrorTypes.ValidationFailed);
  });

  it('a cancelled statement (57014), a refused connection and a plain Error keep being retried', async () => {
    const timedOut = await failureOf(
      db.connection().execute(async (conn) => {
        await sql`set statement_timeout = 10`.execute(conn);
        await sql`select pg_sleep(1)`.execute(conn);
      }),
    );
    expect((timedOut as { code?: string }).code).toBe('57014');
    expect(classifyActivityFailure(timedOut)).toBe(timedOut);

    const closed = new pg.Client({
      host: '127.0.0.1',
      port: await freePort(),
      connectionTimeoutMillis: 2_000,
    });
    const refused = await failureOf(closed.connect());
    expect(classifyActivityFailure(refused)).toBe(refused);

    const other = new Error('socket hang up');
    expect(classifyActivityFailure(other)).toBe(other);
  });

  it('a failure the activity already typed is left as it is', () => {
    const typed = ApplicationFailure.create({ type: 'WhatsAppRateLimited', message: 'slow down' });
    expect(classifyActivityFailure(typed)).toBe(typed);
  });
});
