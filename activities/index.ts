import type { ConversationIds } from '../core/conversation-ids.js';
import { createRetentionActivities } from './retention-activities.js';
import type { RetentionPolicy } from '../domain/retention.js';
import type { DataKeys } from '../core/encryption/data-keys.js';
import { createErasureActivities } from './erasure-activities.js';
import type { Db } from '../db/database.js';
import { createActionActivities } from './action-activities.js';
import type { ActionExecutor } from './actions/index.js';
import type { CrmAdapter } from './integrations/crm/types.js';
import type { DocumentRenderer } from './pdf/index.js';
import type { ConversationSettings } from '../workflows/definitions.js';
import { createAgentActivities, type AgentDeps } from './agent-activities.js';
import { createCrmActivities } from './crm-activities.js';
import { createCsatActivities } from './csat-activities.js';
import { createHandoffActivities, type HandoffDeps } from './handoff-activities.js';
import { createKnowledgeActivities, type KnowledgeDeps } from './knowledge-activities.js';
import { createMessageLogActivities } from './message-log-activities.js';
import { createRefundActivities, type RefundDeps } from './refund-activities.js';
import { createUnderstandingActivities, type UnderstandingDeps } from './understanding-activities.js';
import { createWhatsAppActivities } from './whatsapp-activities.js';
import type { GraphClient } from './whatsapp/graph-client.js';

export interface ActivityDeps {
  db: Db;
  /** Conversation ids and link references (keyed: no phone number in them). */
  ids: ConversationIds;
  graph: GraphClient;
  conversationSettings: ConversationSettings;
  understanding: Omit<UnderstandingDeps, 'graph'>;
  agent: Omit<AgentDeps, 'db'>;
  knowledge: KnowledgeDeps;
  handoff: Omit<HandoffDeps, 'ids'>;
  refunds: Omit<RefundDeps, 'db'>;
  actions: ActionExecutor;
  /** The customer's CRM record: tier for escalation, a note at each resolution. */
  crm: CrmAdapter;
  /** Renders the PDFs Parley sends (invoice copies, return labels). */
  documents: DocumentRenderer;
  /** The data keys of payload encryption (shredded on erasure); undefined when encryption is off. */
  payloadKeys: DataKeys | undefined;
  /** Days each data class is kept (retention runs). */
  retention: RetentionPolicy;
}

/** Every activity the worker registers, built from real dependencies (or test ones). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMessageLogActivities(deps),
    ...createWhatsAppActivities(deps),
    ...createActionActivities({ executor: deps.actions }),
    ...createUnderstandingActivities({ ...deps.understanding, graph: deps.graph }),
    ...createAgentActivities({ ...deps.agent, db: deps.db }),
    ...createKnowledgeActivities(deps.knowledge),
    ...createCsatActivities(deps),
    ...createCrmActivities(deps),
    ...createHandoffActivities({ ...deps.handoff, ids: deps.ids }),
    ...createRefundActivities({ ...deps.refunds, db: deps.db }),
    ...createErasureActivities({ ...deps, helpdesk: deps.handoff.helpdesk, slack: deps.handoff.slack }),
    ...createRetentionActivities(deps),
    /**
     * The worker's conversation settings, read by each workflow run through a local activity: a
     * config change reaches running conversations at their next run, and replays stay deterministic.
     */
    async conversationSettings(): Promise<ConversationSettings> {
      return deps.conversationSettings;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
