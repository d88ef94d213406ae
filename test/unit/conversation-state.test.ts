import { describe, expect, it } from 'vitest';
import {
  acceptInbound,
  appendTurn,
  commandRefusal,
  CUSTOMER_SERVICE_WINDOW_MS,
  humanDuration,
  initialState,
  insideServiceWindow,
  SEEN_MESSAGE_IDS_LIMIT,
  toView,
} from '../../workflows/conversation/state.js';
import type { InboundMessage } from '../../workflows/definitions.js';

const message = (id: string): InboundMessage => ({
  id,
  phoneNumberId: '1',
  waId: '33612345678',
  timestampMs: 0,
  content: { kind: 'text', body: id },
});

describe('conversation state rules', () => {
  it('dedupes by message id with a bounded memory that keeps the newest ids', () => {
    const state = initialState('1', '33612345678');
    expect(acceptInbound(state, message('a'))).toBe(true);
    expect(acceptInbound(state, message('a'))).toBe(false);
    expect(state.pending.map((m) => m.id)).toEqual(['a']);
    for (let i = 0; i < SEEN_MESSAGE_IDS_LIMIT; i++) acceptInbound(state, message(`m${i}`));
    expect(state.seenMessageIds).toHaveLength(SEEN_MESSAGE_IDS_LIMIT);
    expect(state.seenMessageIds).not.toContain('a');
    expect(acceptInbound(state, message(`m${SEEN_MESSAGE_IDS_LIMIT - 1}`))).toBe(false);
  });

  it('keeps the last N transcript turns', () => {
    const state = initialState('1', '2');
    for (let i = 0; i < 5; i++) appendTurn(state, { role: 'customer', text: `t${i}`, atMs: i }, 3);
    expect(state.turns.map((t) => t.text)).toEqual(['t2', 't3', 't4']);
  });

  it('opens the 24-hour window from the last inbound message and closes it on Meta 131047', () => {
    const state = initialState('1', '2');
    expect(insideServiceWindow(state, 1_000)).toBe(false);
    state.lastInboundAtMs = 1_000;
    expect(insideServiceWindow(state, 1_000 + CUSTOMER_SERVICE_WINDOW_MS - 1)).toBe(true);
    expect(insideServiceWindow(state, 1_000 + CUSTOMER_SERVICE_WINDOW_MS)).toBe(false);
    state.windowClosedByMeta = true;
    expect(insideServiceWindow(state, 2_000)).toBe(false);
  });

  it('allows operator commands only from the right statuses', () => {
    const state = initialState('1', '2');
    expect(commandRefusal(state, 'resolve')).toBeUndefined();
    expect(commandRefusal(state, 'handBack')).toBe('cannot handBack a conversation that is bot');
    state.status = 'resolved';
    expect(commandRefusal(state, 'resolve')).toBe('cannot resolve a conversation that is resolved');
    expect(commandRefusal(state, 'close')).toBeUndefined();
    state.status = 'closed';
    for (const command of ['assign', 'handBack', 'resolve', 'close'] as const) {
      expect(commandRefusal(state, command)).toMatch(/closed/);
    }
  });

  it('renders a view with a masked number and timers in due order', () => {
    const state = initialState('1', '33612345678');
    state.timers = { b: { dueAtMs: 2_000, summary: 'later' }, a: { dueAtMs: 1_000, summary: 'sooner' } };
    const view = toView(state, 'whatsapp:1:33612345678', 10);
    expect(view.customer.maskedNumber).toBe('33*******78');
    expect(view.pendingTimers.map((t) => t.name)).toEqual(['a', 'b']);
  });

  it('writes durations the way people read them', () => {
    expect(humanDuration(2_000)).toBe('2 s');
    expect(humanDuration(15 * 60_000)).toBe('15 min');
    expect(humanDuration(2 * 3600_000)).toBe('2 h');
    expect(humanDuration(24 * 3600_000)).toBe('24 h');
    expect(humanDuration(3 * 24 * 3600_000 + 3600_000)).toBe('3 d 1 h');
  });
});
