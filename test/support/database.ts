import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';
import { createDb, type Db } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';

/** A fresh, migrated database on the shared test cluster, private to the calling test file. */
export async function createTestDatabase(): Promise<{ db: Db; url: string }> {
  const adminUrl = inject('postgresUrl');
  const name = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const db = createDb(url);
  await migrateToLatest(db);
  return { db, url };
}
