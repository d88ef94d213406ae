import { fileURLToPath } from 'node:url';
import { loadKnowledgeDir } from '../activities/knowledge/chunking.js';
import { createEmbeddedVectorIndex } from '../activities/knowledge/embedded-index.js';
import type { Db } from '../db/database.js';
import { seedDemoShop } from './demo-shop.js';

/** The demo shop's knowledge base shipped with the project (EN, FR, NL and an FAQ CSV). */
export const DEMO_KNOWLEDGE_DIR = fileURLToPath(new URL('../knowledge/demo', import.meta.url));

/**
 * The demo shop (customers, orders, invoices) and its knowledge base, indexed for full-text search
 * only — what tests start from. `npm run dev` instead syncs the knowledge base through the ingestion
 * workflow, which also embeds it when a model is configured.
 */
export async function seedDemoData(db: Db, opts: { now?: Date } = {}): Promise<void> {
  await seedDemoShop(db, opts);
  await createEmbeddedVectorIndex(db).upsert(await loadKnowledgeDir(DEMO_KNOWLEDGE_DIR));
}
