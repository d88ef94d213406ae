import type { Db } from '../database.js';

export async function findActiveAgent(db: Db, id: string) {
  return db
    .selectFrom('agents')
    .select(['id', 'name'])
    .where('id', '=', id)
    .where('active', '=', true)
    .executeTakeFirst();
}

export async function upsertAgent(
  db: Db,
  agent: { id: string; name: string; email?: string },
): Promise<void> {
  await db
    .insertInto('agents')
    .values({ id: agent.id, name: agent.name, email: agent.email ?? null })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ name: agent.name, email: agent.email ?? null, active: true }),
    )
    .execute();
}
