/**
 * The conversation as others see it: the Postgres projection (with its transitions), the CRM
 * resolution notes and survey records queued by this turn, the search attributes supervisors
 * filter on, and the current details the Web UI shows.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { bestEffort } from '../failures.js';
import { ParleyAssignedAgent, ParleyEscalated, ParleyStatus } from '../search-attributes.js';
import { handoffSteps, store } from './activities.js';
import type { ConversationContext } from './context.js';
import { recordOrSkip } from './records.js';

/** Writes the projection (and any transitions) and refreshes what the Web UI shows. */
export async function project(ctx: ConversationContext): Promise<void> {
  const { state, queues } = ctx;
  for (const note of queues.resolutionNotes.splice(0)) {
    await bestEffort('CRM resolution note', () =>
      handoffSteps.recordResolutionNote.executeWithOptions({ summary: 'Note the resolution in the CRM' }, [
        note,
      ]),
    );
  }
  for (const record of queues.surveyRecords.splice(0)) {
    await recordOrSkip(ctx, 'survey record', () =>
      store.recordCsatSurvey.executeWithOptions(
        { summary: record.skippedReason ? 'Record a skipped survey' : 'Record the survey sent' },
        [record],
      ),
    );
  }
  const pending = queues.transitions.splice(0);
  // Each upsert is a history event: only write when something a supervisor filters on changed.
  const attributes = JSON.stringify([state.status, state.escalated, state.assignedAgent?.id]);
  if (attributes !== ctx.run.lastUpsertedAttributes) {
    ctx.run.lastUpsertedAttributes = attributes;
    upsertSearchAttributes([
      { key: ParleyStatus, value: state.status },
      { key: ParleyEscalated, value: state.escalated },
      { key: ParleyAssignedAgent, value: state.assignedAgent?.id ?? null },
    ]);
  }
  setCurrentDetails(currentDetails(ctx));
  if (pending.length === 0) return;
  for (const t of pending) {
    await recordOrSkip(ctx, 'projection', () =>
      store.projectConversation.executeWithOptions({ summary: `Status ${t.from ?? 'new'} → ${t.to}` }, [
        projection(ctx),
        t,
      ]),
    );
  }
}

/** The `conversations` row this conversation keeps up to date. */
export function projection(ctx: ConversationContext) {
  const { state } = ctx;
  return {
    id: ctx.conversationId,
    phoneNumberId: state.phoneNumberId,
    waId: state.waId,
    displayName: state.customer.displayName,
    status: state.status,
    assignedAgentId: state.assignedAgent?.id,
    language: state.language,
    customerTier: state.customer.tier,
    escalated: state.escalated,
    summary: state.summary,
  };
}

function currentDetails(ctx: ConversationContext): string {
  const { state } = ctx;
  const timers = Object.values(state.timers).map(
    (t) => `- ${t.summary} (due ${new Date(t.dueAtMs).toISOString()})`,
  );
  return [
    `**Status:** ${state.status}${state.assignedAgent ? ` — agent ${state.assignedAgent.id}` : ''}`,
    `**Customer:** ${state.customer.displayName ?? 'unknown'}${state.customer.tier ? ` (${state.customer.tier})` : ''}`,
    state.language ? `**Language:** ${state.language}` : '',
    state.unreachable ? '**Customer unreachable on WhatsApp**' : '',
    timers.length ? `**Timers:**\n${timers.join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
