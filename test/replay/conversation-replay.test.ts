import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { bundleParleyWorkflows } from '../../devstack/workflow-bundle.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/parley.js';
import { historyFromJSON } from './history-json.js';
import {
  activitiesIn,
  activityTypesIn,
  patchesIn,
  patchIdsIn,
  schedulableActivityTypes,
  summariesIn,
} from './history-coverage.js';

/**
 * Conversations live for days and continue-as-new carries them on: a worker deployed tomorrow
 * replays histories written by today's code. Every history recorded by scripts/record-histories.ts
 * must replay with the current workflow code, and a changed command sequence must be caught.
 */
const historiesDir = fileURLToPath(new URL('../histories', import.meta.url));
const conversationEntry = fileURLToPath(new URL('../../workflows/conversation/workflow.ts', import.meta.url));
const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface RecordedHistory {
  name: string;
  json: { events: { eventType: string }[] };
  history: History;
}
const recorded: RecordedHistory[] = files.map((file) => {
  const text = readFileSync(join(historiesDir, file), 'utf8');
  return {
    name: basename(file, '.json'),
    json: JSON.parse(text) as RecordedHistory['json'],
    history: historyFromJSON(text),
  };
});
const byName = (name: string) => {
  const found = recorded.find((r) => r.name === name);
  if (!found)
    throw new Error(`test/histories/${name}.json is missing: run npx tsx scripts/record-histories.ts`);
  return found;
};
const eventTypes = (r: RecordedHistory) => new Set(r.json.events.map((e) => e.eventType));

describe('recorded conversation histories', () => {
  it('cover the representative scenarios with non-trivial histories', () => {
    expect(recorded.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'bot-replies',
        'human-handoff',
        'send-failures',
        'continue-as-new',
        'agent-tools',
        'refund-action',
        'survey-answered',
        'outside-window-template',
        'return-with-label',
        'media-turns',
        'handoff-sla-reminders',
        'confirmed-action-fails',
        'refund-settles-after-resolve',
        'whatsapp-outage-redelivery',
        'customer-events',
        'flood-continues-as-new-busy',
        'bot-replies.before-understand-turn',
        'bot-replies.before-agent-loop',
        'bot-replies.before-escalation-handoff',
        'bot-replies.before-actions',
        'bot-replies.before-debounce-first-timer',
      ]),
    );
    for (const r of recorded) {
      const types = eventTypes(r);
      expect(types, r.name).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      expect(types, r.name).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
      expect(types, r.name).toContain('EVENT_TYPE_MARKER_RECORDED'); // local activities
      expect(types, r.name).toContain('EVENT_TYPE_TIMER_STARTED');
      expect(r.json.events.length, r.name).toBeGreaterThanOrEqual(40);
    }
    const handoff = eventTypes(byName('human-handoff'));
    expect(handoff).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    expect(handoff).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED');
    expect(handoff).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    // The permanent send failure is recorded in its local-activity marker.
    expect(JSON.stringify(byName('send-failures').json)).toContain('WhatsAppUndeliverable');
    expect(eventTypes(byName('continue-as-new'))).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    // The agent loop: model rounds and a tool call, each its own activity.
    const agent = JSON.stringify(byName('agent-tools').json);
    expect(agent).toContain('"name":"agentStep"');
    expect(agent).toContain('"name":"callTool"');
    // The hand-off: the package filed in the helpdesk and the team notified, each its own activity.
    const handoffJson = JSON.stringify(byName('human-handoff').json);
    expect(handoffJson).toContain('"name":"createHandoffTicket"');
    expect(handoffJson).toContain('"name":"notifyTeam"');
    // Actions: confirmation buttons, the refund started as a child workflow, its outcome signalled back.
    const refund = byName('refund-action');
    expect(eventTypes(refund)).toContain('EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED');
    expect(JSON.stringify(refund.json)).toContain('refundSettled');
  });

  it('record each scenario doing what its name says', () => {
    const activities = (name: string) => activityTypesIn(byName(name).json);
    const scheduled = (name: string) => summariesIn(byName(name).json, 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    const timers = (name: string) => summariesIn(byName(name).json, 'EVENT_TYPE_TIMER_STARTED');
    // Survey: buttons sent, a low score and the comment recorded.
    expect(activities('survey-answered')).toEqual(
      expect.objectContaining(new Set(['sendButtons', 'recordCsatSurvey', 'recordCsatAnswer'])),
    );
    expect(activitiesIn(byName('survey-answered').json).filter((a) => a === 'recordCsatAnswer')).toHaveLength(
      2,
    );
    // Outside the window: the reply as a template, the survey skipped.
    expect(activities('outside-window-template')).toContain('sendTemplate');
    expect(activities('outside-window-template')).toContain('recordCsatSurvey');
    expect(activities('outside-window-template')).not.toContain('sendButtons');
    // A confirmed return: executed, its label sent as a document.
    expect(scheduled('return-with-label')).toEqual(
      expect.arrayContaining(['Execute create_return', 'Send the return label']),
    );
    // Voice note, photo and document each read by its own activity.
    expect(scheduled('media-turns')).toEqual(
      expect.arrayContaining(['Transcribe voice note', 'Describe photo', 'Read document']),
    );
    // The pickup reminder, the on-call page and the agent-reply reminder all fired.
    expect(scheduled('handoff-sla-reminders')).toEqual(
      expect.arrayContaining(['Notify the team', 'Remind the team', 'Page on-call', 'Remind the agent']),
    );
    // The label could not be sent: a hand-off under action_failed.
    expect(scheduled('confirmed-action-fails')).toEqual(
      expect.arrayContaining(['Execute create_return', 'Hand-off ticket (action_failed)']),
    );
    // The refund settled while resolved: the close waited for it, then came.
    expect(
      timers('refund-settles-after-resolve').some((t) => t.startsWith('Close once the refunds settle')),
    ).toBe(true);
    expect(eventTypes(byName('refund-settles-after-resolve'))).toContain(
      'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
    );
  });

  it('schedule every activity type the conversation workflow can schedule (coverage cannot rot)', () => {
    const recordedTypes = new Set(recorded.flatMap((r) => [...activityTypesIn(r.json)]));
    const schedulable = [...schedulableActivityTypes(conversationEntry)].sort();
    // The scan itself must see the workflow's steps, or this test would pass on nothing.
    expect(schedulable).toEqual(expect.arrayContaining(['sendText', 'agentStep', 'createHandoffTicket']));
    expect(schedulable.filter((type) => !recordedTypes.has(type))).toEqual([]);
  });

  it('are named by the patch they predate, and do predate it', () => {
    for (const r of recorded) {
      const predates = /\.before-([a-z-]+)$/.exec(r.name)?.[1];
      if (!predates) continue;
      expect(patchIdsIn(conversationEntry), r.name).toContain(predates);
      expect(patchesIn(r.json).has(predates), `${r.name} took patch ${predates}`).toBe(false);
    }
  });

  it('take every patch in some history, and leave it untaken in another', () => {
    const ids = [...patchIdsIn(conversationEntry)].sort();
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      expect(
        recorded.some((r) => patchesIn(r.json).has(id)),
        `a history taking patch ${id}`,
      ).toBe(true);
      expect(
        recorded.some((r) => !patchesIn(r.json).has(id)),
        `a history recorded before patch ${id}`,
      ).toBe(true);
    }
  });
});

describe('recorded refund workflow histories', () => {
  const refundDir = join(historiesDir, 'refund');
  const refundFiles = readdirSync(refundDir).filter((f) => f.endsWith('.json'));

  it('include an approved refund (approval update, provider activity, conversation signalled)', () => {
    expect(refundFiles).toContain('approved-refund.json');
    const json = JSON.stringify(JSON.parse(readFileSync(join(refundDir, 'approved-refund.json'), 'utf8')));
    expect(json).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    expect(json).toContain('"name":"payRefund"');
    expect(json).toContain('EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED');
  });

  it.each(refundFiles)('replays refund/%s with the current workflow code', async (file) => {
    const bundle = await workflowBundle();
    const history = historyFromJSON(readFileSync(join(refundDir, file), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, file)).resolves.toBeUndefined();
  });
});

describe('replay with the current workflow code', () => {
  let bundle: WorkflowBundle;
  beforeAll(async () => {
    bundle = await workflowBundle();
  });

  // Scenarios whose commands depend on their own workflow id (the erasure child's id) replay under
  // the id they were recorded with.
  const recordedIds = JSON.parse(
    readFileSync(join(historiesDir, 'meta', 'workflow-ids.json'), 'utf8'),
  ) as Record<string, string>;
  it.each(files.map((f) => basename(f, '.json')))('replays %s', async (name) => {
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: bundle },
        byName(name).history,
        recordedIds[name] ?? `replay-${name}`,
      ),
    ).resolves.toBeUndefined();
  });
});

describe('replay with a non-deterministic change', () => {
  let changed: WorkflowBundle;
  beforeAll(async () => {
    changed = await bundleParleyWorkflows(
      fileURLToPath(new URL('./nondeterministic-workflows.ts', import.meta.url)),
    );
  });

  it('fails every recorded history with a DeterminismViolationError', async () => {
    const results = Worker.runReplayHistories(
      { workflowBundle: changed },
      recorded.map((r) => ({ workflowId: r.name, history: r.history })),
    );
    const failures = new Map<string, unknown>();
    for await (const result of results) failures.set(result.workflowId, result.error);
    expect([...failures.keys()].sort()).toEqual(recorded.map((r) => r.name).sort());
    for (const [name, error] of failures) {
      expect(error, name).toBeInstanceOf(DeterminismViolationError);
      expect((error as Error).message, name).toMatch(/nondeterminism/i);
    }
  });

  it('makes runReplayHistory reject, as CI sees it', async () => {
    await expect(
      Worker.runReplayHistory({ workflowBundle: changed }, byName('bot-replies').history),
    ).rejects.toThrow(DeterminismViolationError);
  });
});
