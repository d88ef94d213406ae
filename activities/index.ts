import type { Db } from '../db/database.js';
import { createMessageLogActivities } from './message-log-activities.js';
import { createWhatsAppActivities } from './whatsapp-activities.js';
import type { GraphClient } from './whatsapp/graph-client.js';

export interface ActivityDeps {
  db: Db;
  graph: GraphClient;
}

/** Every activity the worker registers, built from real dependencies (or test ones). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMessageLogActivities(deps),
    ...createWhatsAppActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
