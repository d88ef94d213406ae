/**
 * The action tools and their executor on a real migrated database seeded with the demo shop: the
 * model proposes, code decides. For every tool: the happy path, another customer's order,
 * appointment or subscription (answered exactly like a nonexistent one), each precondition
 * refused, nothing changed at proposal time, executing twice changing things once, a precondition
 * broken between proposal and execution, races that exactly one execution wins, and the audit log.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createActionExecutor,
  createActionTools,
  loadReturnLabel,
  reasonCategory,
  returnDeadline,
  type ActionExecutor,
} from '../../activities/actions/index.js';
import { toolsByName } from '../../activities/tools/index.js';
import type { ActionProposal, AgentTool, ToolCaller } from '../../activities/tools/types.js';
import type { Db } from '../../db/database.js';
import { refundIdFor, reserveRefund } from '../../db/repositories/refunds.js';
import {
  DEMO_APPOINTMENTS,
  DEMO_PROMO_CODES,
  DEMO_SUBSCRIPTIONS,
  demoSlotId,
} from '../../devstack/demo-actions.js';
import { DEMO_CUSTOMERS, DEMO_ORDERS, seedDemoShop } from '../../devstack/demo-shop.js';
import { createTestDatabase } from '../support/database.js';
import { as, stranger, toolRunner } from '../support/tool-callers.js';

/** The demo's "today": Wednesday 25 November 2026, 10:00 in Paris. */
const DEMO_NOW = new Date('2026-11-25T09:00:00Z');

let db: Db;
let clock = DEMO_NOW;
let tools: ReadonlyMap<string, AgentTool>;
let executor: ActionExecutor;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedDemoShop(db, { now: DEMO_NOW });
  const deps = { db, autoApproveRefundCents: 5_000, now: () => clock };
  tools = toolsByName(createActionTools(deps));
  executor = createActionExecutor(deps);
});
afterAll(async () => {
  await db?.destroy();
});
beforeEach(() => {
  clock = DEMO_NOW;
});

const { alex, camille, sanne, lucas, julien } = DEMO_CUSTOMERS;
const call = toolRunner(() => tools);

/** The proposal of a needs_confirmation outcome (fails the test otherwise). */
async function propose(name: string, args: unknown, caller?: ToolCaller): Promise<ActionProposal> {
  const outcome = await call(name, args, caller);
  expect(outcome.status, JSON.stringify(outcome)).toBe('needs_confirmation');
  return (outcome as { proposal: ActionProposal }).proposal;
}

/** The reason of a refused outcome (fails the test otherwise). */
async function refused(name: string, args: unknown, caller?: ToolCaller): Promise<string> {
  const outcome = await call(name, args, caller);
  expect(outcome.status, JSON.stringify(outcome)).toBe('refused');
  return (outcome as { reason: string }).reason;
}

/** Everything an action can change, to prove that a proposal changed none of it. */
async function domainState() {
  const { rows } = await sql<Record<string, unknown>>`
    select (select coalesce(json_agg(r order by return_id), '[]') from shop_returns r) as returns,
           (select coalesce(json_agg(a order by id), '[]') from shop_appointments a) as appointments,
           (select coalesce(json_agg(s order by id), '[]') from shop_appointment_slots s) as slots,
           (select coalesce(json_agg(s order by id), '[]') from shop_subscriptions s) as subscriptions,
           (select coalesce(json_agg(p order by id), '[]') from shop_promo_redemptions p) as redemptions,
           (select coalesce(json_agg(f order by refund_id), '[]') from refunds f) as refunds,
           (select coalesce(json_agg(o order by id), '[]') from shop_orders o) as orders`.execute(db);
  return rows[0];
}

async function logRows(actionKey: string) {
  return db
    .selectFrom('action_log')
    .select(['event', 'customer_id', 'action', 'conversation_id'])
    .where('action_key', '=', actionKey)
    .orderBy('id')
    .execute();
}

describe('tool definitions', () => {
  it('offers seven snake_case tools with strict schemas, and every action tool says it asks first', () => {
    expect([...tools.keys()].sort()).toEqual([
      'apply_promo_code',
      'create_return',
      'list_appointment_slots',
      'manage_subscription',
      'request_refund',
      'reschedule_appointment',
      'send_invoice_copy',
    ]);
    for (const tool of tools.values()) {
      const p = tool.parameters as {
        type: string;
        properties: object;
        required: string[];
        additionalProperties: unknown;
      };
      expect(p.type).toBe('object');
      expect(p.additionalProperties).toBe(false);
      expect([...p.required].sort()).toEqual(Object.keys(p.properties).sort());
    }
    for (const name of [
      'request_refund',
      'create_return',
      'reschedule_appointment',
      'manage_subscription',
      'apply_promo_code',
    ]) {
      expect(tools.get(name)!.description).toMatch(/confirm with buttons/);
      expect(tools.get(name)!.description).toMatch(/Nothing (is refunded|happens|changes) by this call/);
    }
  });

  it('normalises reasons to a category, whatever the words or the language', () => {
    expect(reasonCategory('damaged')).toBe('damaged');
    expect(reasonCategory('Changed mind')).toBe('changed_mind');
    expect(reasonCategory('The frother arrived broken')).toBe('damaged');
    expect(reasonCategory('Le colis est arrivé cassé')).toBe('damaged');
    expect(reasonCategory("I've never received it")).toBe('not_received');
    expect(reasonCategory('Verkeerd artikel geleverd')).toBe('wrong_item');
    expect(reasonCategory("J'ai changé d'avis")).toBe('changed_mind');
    expect(reasonCategory('because')).toBe('other');
  });
});

describe('proposals change nothing', () => {
  it('runs every tool up to its proposal and leaves every table as it was', async () => {
    const before = await domainState();
    await propose('request_refund', { orderNumber: '1042', lineNumber: 1, reason: 'damaged', amount: null });
    await propose('create_return', { orderNumber: '1043', lineNumber: 1, reason: 'damaged' }, as(camille));
    await propose('reschedule_appointment', {
      appointmentId: DEMO_APPOINTMENTS.alex,
      slotId: demoSlotId('setup_call', '2026-11-27', '14:00'),
    });
    await propose('manage_subscription', { action: 'pause', tier: null, pauseWeeks: 2 });
    await propose('apply_promo_code', { code: DEMO_PROMO_CODES.valid, orderNumber: '1044' }, as(camille));
    expect((await call('list_appointment_slots', { service: null, from: null })).status).toBe('ok');
    expect((await call('send_invoice_copy', { orderNumber: '1042' })).status).toBe('ok');
    await refused('request_refund', {
      orderNumber: '1042',
      lineNumber: null,
      reason: 'other',
      amount: '500.00',
    });
    expect(await domainState()).toEqual(before);
  });
});

describe('request_refund', () => {
  it('proposes a line refund at the line price, with the payment reference and a stable refund id', async () => {
    const proposal = await propose('request_refund', {
      orderNumber: '#1042',
      lineNumber: 2,
      reason: 'The milk frother arrived broken',
      amount: null,
    });
    expect(proposal).toMatchObject({
      action: 'refund',
      actionKey: 'refund:1042:2:damaged',
      params: {
        refundId: 'refund:1042:2:damaged',
        orderId: '1042',
        orderLine: 2,
        reason: 'damaged',
        amountCents: 3_900,
        currency: 'EUR',
        paymentRef: 'pi_demo_1042',
        needsApproval: false,
      },
    });
    expect(proposal.summary).toBe(
      'Refund €39.00 on order 1042 (M1 milk frother) to your original payment method.',
    );
    // The same request in other words is the same refund.
    const again = await propose('request_refund', {
      orderNumber: '1042',
      lineNumber: 2,
      reason: 'damaged',
      amount: null,
    });
    expect(again.actionKey).toBe(proposal.actionKey);
    expect(refundIdFor('1042', 2, 'damaged')).toBe(proposal.actionKey);
  });

  it('proposes the whole order by default, flags it for approval above the limit, in the customer’s language', async () => {
    const proposal = await propose(
      'request_refund',
      { orderNumber: DEMO_ORDERS.camilleDelivered, lineNumber: null, reason: 'jamais reçu', amount: null },
      as(camille),
    );
    expect(proposal.params).toMatchObject({
      orderLine: null,
      reason: 'not_received',
      amountCents: 22_900,
      needsApproval: true,
    });
    expect(proposal.summary).toContain('229,00');
    expect(proposal.summary).toContain('commande 1043');
    expect(proposal.summary).toContain('Un collègue le vérifie');
    const partial = await propose(
      'request_refund',
      { orderNumber: '1043', lineNumber: 1, reason: 'damaged', amount: '12,50' },
      as(camille),
    );
    expect(partial.params).toMatchObject({ amountCents: 1_250, needsApproval: false, orderLine: 1 });
  });

  it('refuses "refund me 500" on order 1042 by code, stating what can be refunded', async () => {
    const reason = await refused('request_refund', {
      orderNumber: '1042',
      lineNumber: null,
      reason: 'other',
      amount: '500.00',
    });
    expect(reason).toContain('168.00 EUR');
    expect(reason).toContain('500.00 EUR');
  });

  it('counts earlier refunds in the ledger', async () => {
    const earlier = await reserveRefund(db, {
      refundId: refundIdFor('1042', 1, 'damaged'),
      orderId: '1042',
      orderLine: 1,
      reason: 'damaged',
      amountCents: 10_000,
      status: 'reserved',
    });
    expect(earlier.outcome).toBe('reserved');
    const reason = await refused('request_refund', {
      orderNumber: '1042',
      lineNumber: null,
      reason: 'changed my mind',
      amount: '100.00',
    });
    expect(reason).toContain('68.00 EUR');
    // The default (the order's total) no longer fits either; what is left does.
    expect(
      await refused('request_refund', {
        orderNumber: '1042',
        lineNumber: null,
        reason: 'late',
        amount: null,
      }),
    ).toContain('68.00 EUR');
    const rest = await propose('request_refund', {
      orderNumber: '1042',
      lineNumber: null,
      reason: 'late',
      amount: '68.00',
    });
    expect(rest.params).toMatchObject({ amountCents: 6_800, reason: 'late_delivery', needsApproval: true });
    // The same refund again is not proposed twice.
    expect(
      await refused('request_refund', { orderNumber: '1042', lineNumber: 1, reason: 'broken', amount: null }),
    ).toMatch(/already requested/);
  });

  it('answers another customer’s order exactly like a nonexistent one', async () => {
    const args = { lineNumber: null, reason: 'damaged', amount: null };
    const foreign = await call('request_refund', { ...args, orderNumber: '1042' }, as(camille));
    const missing = await call('request_refund', { ...args, orderNumber: '9999' }, as(camille));
    const unknownCaller = await call('request_refund', { ...args, orderNumber: '1042' }, stranger);
    expect(foreign.status).toBe('not_found');
    expect(foreign).toEqual(missing);
    expect(unknownCaller).toEqual(missing);
    expect(JSON.stringify(foreign)).not.toMatch(/1042|Alex|168/);
  });

  it('refuses unpaid, cancelled, unknown lines and amounts beyond the line', async () => {
    expect(
      await refused(
        'request_refund',
        { orderNumber: '1044', lineNumber: null, reason: 'other', amount: null },
        as(camille),
      ),
    ).toMatch(/not been paid/);
    expect(
      await refused(
        'request_refund',
        { orderNumber: '1034', lineNumber: null, reason: 'other', amount: null },
        as(lucas),
      ),
    ).toMatch(/cancelled/);
    expect(
      await refused('request_refund', { orderNumber: '1042', lineNumber: 3, reason: 'other', amount: null }),
    ).toMatch(/no item 3.*lines 1–2/);
    expect(
      await refused('request_refund', {
        orderNumber: '1042',
        lineNumber: 2,
        reason: 'other',
        amount: '50.00',
      }),
    ).toMatch(/cost 39.00 EUR/);
    expect(
      await refused('request_refund', {
        orderNumber: '1042',
        lineNumber: 2,
        reason: 'other',
        amount: '0.00',
      }),
    ).toMatch(/more than zero/);
    const bad = await call('request_refund', {
      orderNumber: '1042',
      lineNumber: 2,
      reason: 'other',
      amount: 'lots',
    });
    expect(bad.status).toBe('invalid_arguments');
  });

  it('is not executed by the action executor (the refund workflow does it)', async () => {
    const proposal = await propose(
      'request_refund',
      { orderNumber: '1043', lineNumber: 1, reason: 'wrong item', amount: '5' },
      as(camille),
    );
    await expect(executor.execute(proposal, as(camille))).rejects.toMatchObject({
      nonRetryable: true,
      type: 'InvalidActionProposal',
    });
  });
});

describe('create_return', () => {
  it('proposes, creates once, and returns the same result when executed again', async () => {
    const proposal = await propose(
      'create_return',
      { orderNumber: DEMO_ORDERS.camilleDelivered, lineNumber: 1, reason: "l'aspirateur est arrivé cassé" },
      as(camille),
    );
    expect(proposal).toMatchObject({
      action: 'create_return',
      actionKey: 'return:1043:1',
      params: { returnId: 'RET-1043-1', orderId: '1043', lineNo: 1, sku: 'PH-V9', reason: 'damaged' },
    });
    expect(proposal.summary).toBe(
      "Retour de l'article « Aspirateur balai sans fil V9 » (commande 1043) : vous recevrez ici une étiquette de retour prépayée.",
    );
    expect(await db.selectFrom('shop_returns').selectAll().execute()).toEqual([]);

    const first = await executor.execute(proposal, as(camille));
    expect(first).toMatchObject({
      status: 'done',
      document: { kind: 'return_label', returnId: 'RET-1043-1' },
      data: { returnId: 'RET-1043-1', carrier: 'Colissimo', trackingNumber: '8R00000104301' },
    });
    expect((first as { summary: string }).summary).toMatch(/^Le retour RET-1043-1 est ouvert/);
    const second = await executor.execute(proposal, as(camille));
    expect(second).toEqual(first);
    expect(await db.selectFrom('shop_returns').select(['return_id', 'status']).execute()).toEqual([
      { return_id: 'RET-1043-1', status: 'label_issued' },
    ]);
    // Proposed twice (once in the first test of this file), executed once.
    expect((await logRows('return:1043:1')).map((r) => r.event)).toEqual([
      'proposed',
      'proposed',
      'executed',
    ]);

    // Proposed again later: the item already has its return.
    expect(
      await refused('create_return', { orderNumber: '1043', lineNumber: 1, reason: 'damaged' }, as(camille)),
    ).toMatch(/already has a return, RET-1043-1/);
  });

  it('gives the label data only to the customer whose return it is', async () => {
    const label = await loadReturnLabel(db, camille.waId, 'RET-1043-1', 'fr');
    expect(label).toMatchObject({
      returnId: 'RET-1043-1',
      orderId: '1043',
      lineNo: 1,
      product: { sku: 'PH-V9', name: 'Aspirateur balai sans fil V9', quantity: 1 },
      customerName: 'Camille Dubois',
      shipTo: { name: 'Parley Home Returns', city: 'Lyon', country: 'FR' },
      carrier: 'Colissimo',
      trackingNumber: '8R00000104301',
    });
    expect(await loadReturnLabel(db, alex.waId, 'RET-1043-1')).toBeUndefined();
    expect(await loadReturnLabel(db, camille.waId, 'RET-9999-1')).toBeUndefined();
  });

  it('refuses after the return window, before delivery, and for a line the order does not have', async () => {
    expect(
      await refused('create_return', { orderNumber: '1031', lineNumber: 1, reason: 'changed_mind' }),
    ).toMatch(/return window of order 1031 ended on 2026-10-07/);
    expect(
      await refused('create_return', { orderNumber: '1042', lineNumber: 1, reason: 'changed_mind' }),
    ).toMatch(/not been delivered yet/);
    expect(
      await refused('create_return', { orderNumber: '1036', lineNumber: 1, reason: 'changed_mind' }),
    ).toMatch(/already been returned/);
    expect(
      await refused('create_return', { orderNumber: '1043', lineNumber: 2, reason: 'damaged' }, as(camille)),
    ).toMatch(/no item 2/);
  });

  it('answers another customer’s order exactly like a nonexistent one', async () => {
    const foreign = await call('create_return', { orderNumber: '1043', lineNumber: 1, reason: 'damaged' });
    const missing = await call('create_return', { orderNumber: '9999', lineNumber: 1, reason: 'damaged' });
    expect(foreign.status).toBe('not_found');
    expect(foreign).toEqual(missing);
  });

  it('refuses the execution when the window closed in between, and a later try re-checks', async () => {
    const proposal = await propose(
      'create_return',
      { orderNumber: '1040', lineNumber: 2, reason: 'changed_mind' },
      as(lucas),
    );
    clock = new Date('2026-12-20T09:00:00Z');
    const late = await executor.execute(proposal, as(lucas));
    expect(late).toMatchObject({
      status: 'refused',
      summary: "Désolé, le délai de retour de cet article est dépassé : aucun retour n'a été créé.",
    });
    expect(
      await db.selectFrom('shop_returns').select('return_id').where('order_id', '=', '1040').execute(),
    ).toEqual([]);
    // Another customer cannot execute it either (ownership re-checked in the executor).
    clock = DEMO_NOW;
    expect(await executor.execute(proposal, as(alex))).toMatchObject({ status: 'refused' });
    expect(await executor.execute(proposal, as(lucas))).toMatchObject({ status: 'done' });
    expect((await logRows('return:1040:2')).map((r) => r.event)).toEqual([
      'proposed',
      'execution_refused',
      'execution_refused',
      'executed',
    ]);
  });

  it('keeps holiday-season orders returnable until 31 January (the shop’s policy)', () => {
    const holiday = {
      placed_at: new Date('2026-11-16T20:05:00Z'),
      delivered_at: new Date('2026-11-19T10:25:00Z'),
    };
    expect(returnDeadline(holiday, 30, 'Europe/Paris')?.toISOString()).toBe('2027-01-31T23:00:00.000Z');
    const normal = {
      placed_at: new Date('2026-11-12T09:10:00Z'),
      delivered_at: new Date('2026-11-16T11:50:00Z'),
    };
    expect(returnDeadline(normal, 30, 'Europe/Paris')?.toISOString()).toBe('2026-12-16T11:50:00.000Z');
    expect(returnDeadline({ ...normal, delivered_at: null }, 30, 'Europe/Paris')).toBeUndefined();
  });
});

describe('appointments', () => {
  const slot = (day: string, time: string) => demoSlotId('setup_call', day, time);
  const bookedOf = async (id: string) =>
    (
      await db
        .selectFrom('shop_appointment_slots')
        .select('booked')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).booked;

  it('lists up to six free future slots of the customer’s service, and her own appointments', async () => {
    const outcome = await call('list_appointment_slots', { service: null, from: null });
    expect(outcome.status).toBe('ok');
    const data = (outcome as { data: any }).data;
    // 26 Nov 10:00 is full; 30 Nov 14:00 is Alex's own.
    expect(data.freeSlots.map((s: { slotId: string }) => s.slotId)).toEqual([
      slot('2026-11-26', '14:00'),
      slot('2026-11-26', '16:30'),
      slot('2026-11-27', '10:00'),
      slot('2026-11-27', '14:00'),
      slot('2026-11-27', '16:30'),
      slot('2026-11-30', '10:00'),
    ]);
    expect(data.freeSlots[0].when).toBe('Thursday 26 November at 14:00 CET');
    expect(data.yourAppointments).toEqual([
      {
        appointmentId: DEMO_APPOINTMENTS.alex,
        service: 'setup_call',
        startsAt: '2026-11-30T13:00:00.000Z',
        when: 'Monday 30 November at 14:00 CET',
      },
    ]);
    const later = (await call('list_appointment_slots', { service: 'setup call', from: '2026-12-01' })) as {
      data: any;
    };
    // 1 Dec 10:00 is full and 16:30 is Camille's.
    expect(later.data.freeSlots[0].slotId).toBe(slot('2026-12-01', '14:00'));
    expect(later.data.freeSlots[1].slotId).toBe(slot('2026-12-02', '10:00'));
    const anonymous = (await call(
      'list_appointment_slots',
      { service: 'home_pickup', from: null },
      stranger,
    )) as { data: any };
    expect(anonymous.data.yourAppointments).toEqual([]);
    expect(anonymous.data.freeSlots.every((s: { service: string }) => s.service === 'home_pickup')).toBe(
      true,
    );
    expect((await call('list_appointment_slots', { service: 'massage', from: null })).status).toBe(
      'not_found',
    );
  });

  it('moves Alex’s appointment once, however often the confirmation is executed', async () => {
    const from = slot('2026-11-30', '14:00');
    const to = slot('2026-11-27', '10:00');
    const proposal = await propose('reschedule_appointment', { appointmentId: 'apt-1001', slotId: to });
    expect(proposal.actionKey).toBe(`reschedule:APT-1001:v0:${to}`);
    expect(proposal.summary).toBe(
      'Move your setup video call from Monday 30 November at 14:00 CET to Friday 27 November at 10:00 CET.',
    );
    const first = await executor.execute(proposal, as(alex));
    expect(first).toMatchObject({
      status: 'done',
      summary: 'Done: your setup video call is now on Friday 27 November at 10:00 CET.',
    });
    expect(await executor.execute(proposal, as(alex))).toEqual(first);
    expect(await bookedOf(from)).toBe(0);
    expect(await bookedOf(to)).toBe(1);
    const appt = await db
      .selectFrom('shop_appointments')
      .select(['slot_id', 'starts_at', 'version'])
      .where('id', '=', DEMO_APPOINTMENTS.alex)
      .executeTakeFirstOrThrow();
    expect(appt).toEqual({ slot_id: to, starts_at: new Date('2026-11-27T09:00:00Z'), version: 1 });
  });

  it('answers another customer’s appointment exactly like a nonexistent one', async () => {
    const target = slot('2026-12-03', '14:00');
    const foreign = await call('reschedule_appointment', {
      appointmentId: DEMO_APPOINTMENTS.camille,
      slotId: target,
    });
    const missing = await call('reschedule_appointment', { appointmentId: 'APT-9999', slotId: target });
    expect(foreign.status).toBe('not_found');
    expect(foreign).toEqual(missing);
    expect(
      await call(
        'reschedule_appointment',
        { appointmentId: DEMO_APPOINTMENTS.alex, slotId: target },
        stranger,
      ),
    ).toEqual(missing);
  });

  it('refuses a full slot, a past one, an unknown one and an appointment that has passed', async () => {
    expect(
      await refused('reschedule_appointment', {
        appointmentId: DEMO_APPOINTMENTS.alex,
        slotId: slot('2026-12-04', '10:00'),
      }),
    ).toMatch(/is full/);
    expect(
      (await call('reschedule_appointment', { appointmentId: DEMO_APPOINTMENTS.alex, slotId: 'SLOT-nope' }))
        .status,
    ).toBe('not_found');
    expect(
      await refused('reschedule_appointment', {
        appointmentId: DEMO_APPOINTMENTS.alex,
        slotId: demoSlotId('home_pickup', '2026-12-03', '13:00'),
      }),
    ).toMatch(/is for 'home_pickup'/);
    clock = new Date('2026-11-28T09:00:00Z');
    expect(
      await refused('reschedule_appointment', {
        appointmentId: DEMO_APPOINTMENTS.alex,
        slotId: slot('2026-12-03', '14:00'),
      }),
    ).toMatch(/already taken place/);
    clock = new Date('2026-11-26T15:00:00Z');
    expect(
      await refused(
        'reschedule_appointment',
        {
          appointmentId: DEMO_APPOINTMENTS.camille,
          slotId: slot('2026-11-26', '14:00'),
        },
        as(camille),
      ),
    ).toMatch(/in the past/);
  });

  it('gives the last place to exactly one of two customers confirming at the same time', async () => {
    const last = slot('2026-12-02', '14:00');
    expect(await bookedOf(last)).toBe(0);
    const alexProposal = await propose('reschedule_appointment', {
      appointmentId: DEMO_APPOINTMENTS.alex,
      slotId: last,
    });
    const camilleProposal = await propose(
      'reschedule_appointment',
      { appointmentId: DEMO_APPOINTMENTS.camille, slotId: last },
      as(camille),
    );
    const results = await Promise.all([
      executor.execute(alexProposal, as(alex)),
      executor.execute(camilleProposal, as(camille)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['done', 'refused']);
    const loser = results.find((r) => r.status === 'refused')!;
    expect([
      'Sorry, that slot has just been taken. Nothing was changed: shall I look for another one?',
      "Désolé, ce créneau vient d'être pris. Rien n'a été modifié : voulez-vous que je cherche un autre créneau ?",
    ]).toContain((loser as { summary: string }).summary);
    expect(await bookedOf(last)).toBe(1);
    // Every slot's count still matches the appointments in it (no place lost or double-counted).
    const { rows } = await sql<{ id: string; booked: number; appointments: number }>`
      select s.id, s.booked, (select count(*)::int from shop_appointments a where a.slot_id = s.id and a.status = 'booked') as appointments
      from shop_appointment_slots s where s.id in (${slot('2026-11-27', '10:00')}, ${slot('2026-12-01', '16:30')}, ${last})`.execute(
      db,
    );
    for (const r of rows) expect(r.booked, r.id).toBe(r.appointments);
  });

  it('refuses a confirmation whose appointment was moved in between', async () => {
    const a = await propose('reschedule_appointment', {
      appointmentId: DEMO_APPOINTMENTS.alex,
      slotId: slot('2026-12-03', '10:00'),
    });
    const b = await propose('reschedule_appointment', {
      appointmentId: DEMO_APPOINTMENTS.alex,
      slotId: slot('2026-12-03', '14:00'),
    });
    expect(await executor.execute(b, as(alex))).toMatchObject({ status: 'done' });
    expect(await executor.execute(a, as(alex))).toMatchObject({
      status: 'refused',
      summary: 'Sorry, something changed since you confirmed, so nothing was done. Please ask again.',
    });
    expect(await bookedOf(slot('2026-12-03', '10:00'))).toBe(0);
  });
});

describe('manage_subscription', () => {
  const subscription = (id: string) =>
    db
      .selectFrom('shop_subscriptions')
      .select(['tier', 'status', 'monthly_cents', 'version'])
      .select(sql<string | null>`paused_until::text`.as('paused_until'))
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('pauses an active subscription once, until the date the customer confirmed', async () => {
    expect(await refused('manage_subscription', { action: 'resume', tier: null, pauseWeeks: null })).toMatch(
      /active, not paused/,
    );
    const proposal = await propose('manage_subscription', { action: 'pause', tier: null, pauseWeeks: 4 });
    expect(proposal.params).toMatchObject({
      change: 'pause',
      subscriptionId: DEMO_SUBSCRIPTIONS.alex,
      pausedUntil: '2026-12-23',
    });
    expect(proposal.summary).toBe(
      'Pause your Plus subscription until 23 December 2026: no payments until then.',
    );
    expect(await subscription(DEMO_SUBSCRIPTIONS.alex)).toMatchObject({ status: 'active', version: 0 });
    const first = await executor.execute(proposal, as(alex));
    expect(first).toMatchObject({
      status: 'done',
      summary: 'Your Plus subscription is paused until 23 December 2026.',
    });
    expect(await executor.execute(proposal, as(alex))).toEqual(first);
    expect(await subscription(DEMO_SUBSCRIPTIONS.alex)).toEqual({
      tier: 'plus',
      status: 'paused',
      monthly_cents: 1_990,
      version: 1,
      paused_until: '2026-12-23',
    });
  });

  it('refuses to pause a paused subscription, resume an active one, or change to the same or an unknown tier', async () => {
    expect(
      await refused('manage_subscription', { action: 'pause', tier: null, pauseWeeks: 2 }, as(camille)),
    ).toMatch(/already paused until 2026-12-09/);
    expect(
      await refused(
        'manage_subscription',
        { action: 'change_tier', tier: 'Essential', pauseWeeks: null },
        as(camille),
      ),
    ).toMatch(/already on the essential tier/);
    expect(
      await refused(
        'manage_subscription',
        { action: 'change_tier', tier: 'gold', pauseWeeks: null },
        as(camille),
      ),
    ).toMatch(/no tier 'gold'.*essential, plus, premium/);
    await propose('manage_subscription', { action: 'resume', tier: null, pauseWeeks: null }, as(camille));
    expect(
      (await call('manage_subscription', { action: 'pause', tier: null, pauseWeeks: null })).status,
    ).toBe('invalid_arguments');
    expect((await call('manage_subscription', { action: 'pause', tier: null, pauseWeeks: 13 })).status).toBe(
      'invalid_arguments',
    );
  });

  it('answers a customer without a subscription, or no customer, with not_found', async () => {
    const none = await call(
      'manage_subscription',
      { action: 'resume', tier: null, pauseWeeks: null },
      as(sanne),
    );
    expect(none.status).toBe('not_found');
    expect(
      await call('manage_subscription', { action: 'resume', tier: null, pauseWeeks: null }, stranger),
    ).toEqual(none);
  });

  it('refuses an older proposal once the subscription changed, and never applies it to someone else', async () => {
    const resume = await propose('manage_subscription', { action: 'resume', tier: null, pauseWeeks: null });
    const premium = await propose('manage_subscription', {
      action: 'change_tier',
      tier: 'premium',
      pauseWeeks: null,
    });
    expect(premium.summary).toBe('Change your subscription from Plus to Premium (€29.90 a month).');
    expect(await executor.execute(premium, as(alex))).toMatchObject({
      status: 'done',
      summary: 'Your subscription is now Premium (€29.90 a month).',
    });
    expect(await executor.execute(resume, as(alex))).toMatchObject({ status: 'refused' });
    expect(await subscription(DEMO_SUBSCRIPTIONS.alex)).toMatchObject({
      tier: 'premium',
      status: 'paused',
      monthly_cents: 2_990,
    });

    // Camille confirms a resume of her own; Alex replaying it must not touch either subscription.
    const camilleResume = await propose(
      'manage_subscription',
      { action: 'resume', tier: null, pauseWeeks: null },
      as(camille),
    );
    const before = await subscription(DEMO_SUBSCRIPTIONS.camille);
    expect(await executor.execute(camilleResume, as(alex))).toMatchObject({ status: 'refused' });
    expect(await subscription(DEMO_SUBSCRIPTIONS.camille)).toEqual(before);
    expect(await executor.execute(camilleResume, as(camille))).toMatchObject({
      status: 'done',
      summary: expect.stringMatching(
        /^Votre abonnement Essential est de nouveau actif \(9,90\s€ par mois\)\.$/,
      ),
    });
    expect(await subscription(DEMO_SUBSCRIPTIONS.camille)).toMatchObject({
      status: 'active',
      paused_until: null,
    });
  });
});

describe('apply_promo_code', () => {
  const redemptions = (orderId: string) =>
    db
      .selectFrom('shop_promo_redemptions')
      .select(['code', 'customer_id', 'discount_cents'])
      .where('order_id', '=', orderId)
      .execute();

  it('applies a valid code once, with the discount the customer confirmed', async () => {
    const proposal = await propose(
      'apply_promo_code',
      { code: ' welcome10 ', orderNumber: '1044' },
      as(camille),
    );
    expect(proposal).toMatchObject({
      actionKey: 'promo:WELCOME10:1044',
      params: { code: 'WELCOME10', orderId: '1044', discountCents: 499, currency: 'EUR' },
    });
    expect(proposal.summary).toContain('4,99');
    expect(await redemptions('1044')).toEqual([]);
    const first = await executor.execute(proposal, as(camille));
    expect(first).toMatchObject({ status: 'done' });
    expect(await executor.execute(proposal, as(camille))).toEqual(first);
    expect(await redemptions('1044')).toEqual([
      { code: 'WELCOME10', customer_id: camille.id, discount_cents: 499 },
    ]);
    expect(
      await refused('apply_promo_code', { code: 'WELCOME10', orderNumber: '1044' }, as(camille)),
    ).toMatch(/already applied/);
    expect(await refused('apply_promo_code', { code: 'HOME20', orderNumber: '1044' }, as(camille))).toMatch(
      /one promo code per order|at least/,
    );
  });

  it('refuses expired and unknown codes, small baskets, shipped orders and a second use', async () => {
    expect(
      await refused('apply_promo_code', { code: DEMO_PROMO_CODES.expired, orderNumber: '1045' }, as(julien)),
    ).toMatch(/expired on 2026-11-18/);
    expect(await refused('apply_promo_code', { code: 'NOPE99', orderNumber: '1045' }, as(julien))).toMatch(
      /not a valid promo code/,
    );
    expect(await refused('apply_promo_code', { code: DEMO_PROMO_CODES.valid, orderNumber: '1046' })).toMatch(
      /at least 30.00 EUR.*has 7.90 EUR/,
    );
    expect(await refused('apply_promo_code', { code: DEMO_PROMO_CODES.valid, orderNumber: '1042' })).toMatch(
      /shipped: a code can only be applied before/,
    );
    expect(
      await refused('apply_promo_code', { code: DEMO_PROMO_CODES.redeemedByAlex, orderNumber: '1046' }),
    ).toMatch(/already used code FILTER2 \(on order 1031\)/);
  });

  it('answers another customer’s order exactly like a nonexistent one', async () => {
    const foreign = await call('apply_promo_code', { code: 'WELCOME10', orderNumber: '1045' });
    const missing = await call('apply_promo_code', { code: 'WELCOME10', orderNumber: '9999' });
    expect(foreign.status).toBe('not_found');
    expect(foreign).toEqual(missing);
  });

  it('refuses the execution when the code expired between proposal and confirmation', async () => {
    const proposal = await propose('apply_promo_code', { code: 'HOME20', orderNumber: '1045' }, as(julien));
    expect(proposal.params).toMatchObject({ discountCents: 2_000 });
    clock = new Date(DEMO_NOW.getTime() + 61 * 86_400_000);
    expect(await executor.execute(proposal, as(julien))).toMatchObject({
      status: 'refused',
      reason: expect.stringMatching(/expired/),
    });
    expect(await redemptions('1045').then((r) => r.filter((x) => x.code === 'HOME20'))).toEqual([]);
  });
  it('lets exactly one of two concurrent once-per-customer redemptions win', async () => {
    // A second open order of Julien's, so the same code can be tried on two orders at once.
    await db
      .insertInto('shop_orders')
      .values({
        id: '9001',
        customer_id: julien.id,
        status: 'pending',
        placed_at: DEMO_NOW,
        total_cents: 12_900,
        shipping_country: 'FR',
        carrier: null,
        tracking_number: null,
        tracking_url: null,
        estimated_delivery: null,
        delivered_at: null,
      })
      .execute();
    await db
      .insertInto('shop_order_lines')
      .values({ order_id: '9001', line_no: 1, sku: 'PH-C7', quantity: 1, unit_price_cents: 12_900 })
      .execute();
    const onPaid = await propose('apply_promo_code', { code: 'WELCOME10', orderNumber: '1045' }, as(julien));
    const onPending = await propose(
      'apply_promo_code',
      { code: 'WELCOME10', orderNumber: '9001' },
      as(julien),
    );
    const results = await Promise.all([
      executor.execute(onPaid, as(julien)),
      executor.execute(onPending, as(julien)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['done', 'refused']);
    expect((results.find((r) => r.status === 'refused') as { summary: string }).summary).toBe(
      "Désolé, ce code ne peut plus être appliqué à cette commande. Rien n'a été modifié.",
    );
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from shop_promo_redemptions where code = 'WELCOME10' and customer_id = ${julien.id}`.execute(
      db,
    );
    expect(rows[0]!.n).toBe(1);
  });
});

describe('send_invoice_copy', () => {
  it('sends the caller’s own invoice as a document, and nobody else’s', async () => {
    expect(await call('send_invoice_copy', { orderNumber: 'PH-001042' })).toEqual({
      status: 'ok',
      data: {
        invoiceId: 'INV-2026-001042',
        document: { kind: 'invoice', orderId: '1042' },
        note: 'The invoice PDF is sent in this chat.',
      },
    });
    const foreign = await call('send_invoice_copy', { orderNumber: '1042' }, as(camille));
    expect(foreign.status).toBe('not_found');
    expect(foreign).toEqual(await call('send_invoice_copy', { orderNumber: '9999' }, as(camille)));
    expect(await call('send_invoice_copy', { orderNumber: '1046' })).toMatchObject({
      status: 'not_found',
      reason: expect.stringMatching(/no invoice yet/),
    });
  });
});

describe('the executor', () => {
  it('rejects a proposal whose key does not match its parameters, or whose parameters are malformed', async () => {
    const proposal = await propose(
      'create_return',
      { orderNumber: '1040', lineNumber: 1, reason: 'damaged' },
      as(lucas),
    );
    await expect(
      executor.execute({ ...proposal, actionKey: 'return:1043:1' }, as(lucas)),
    ).rejects.toMatchObject({
      nonRetryable: true,
    });
    await expect(
      executor.execute({ ...proposal, params: { ...proposal.params, lineNo: 'one' } }, as(lucas)),
    ).rejects.toMatchObject({ nonRetryable: true });
  });
});

describe('the audit log', () => {
  it('records proposals, refusals and executions by customer id, never a phone number', async () => {
    const rows = await db
      .selectFrom('action_log')
      .select(['event', 'action', 'customer_id', 'detail', 'conversation_id'])
      .execute();
    const events = new Set(rows.map((r) => r.event));
    expect([...events].sort()).toEqual(['executed', 'execution_refused', 'proposed', 'refused']);
    expect(new Set(rows.map((r) => r.action))).toEqual(
      new Set([
        'refund',
        'create_return',
        'reschedule_appointment',
        'manage_subscription',
        'apply_promo_code',
      ]),
    );
    const phones = Object.values(DEMO_CUSTOMERS).map((c) => c.waId);
    for (const r of rows) {
      const detail = JSON.stringify(r.detail);
      for (const phone of phones) expect(detail).not.toContain(phone);
    }
    // The stranger's refusals are logged, with no customer.
    expect(rows.some((r) => r.event === 'refused' && r.customer_id === null)).toBe(true);
    // A refusal logs the normalised arguments (the category), never the customer's words.
    expect(JSON.stringify(rows.map((r) => r.detail))).not.toContain('milk frother arrived broken');
    const executed = await db
      .selectFrom('action_log')
      .select(['action_key'])
      .select(sql<number>`count(*)::int`.as('n'))
      .where('event', '=', 'executed')
      .groupBy('action_key')
      .execute();
    expect(executed.length).toBeGreaterThanOrEqual(6);
    expect(executed.every((r) => r.n === 1)).toBe(true);
    expect(await logRows('promo:WELCOME10:1044')).toEqual([
      {
        event: 'proposed',
        customer_id: camille.id,
        action: 'apply_promo_code',
        conversation_id: `whatsapp:test:${camille.waId}`,
      },
      {
        event: 'proposed',
        customer_id: camille.id,
        action: 'apply_promo_code',
        conversation_id: `whatsapp:test:${camille.waId}`,
      },
      {
        event: 'executed',
        customer_id: camille.id,
        action: 'apply_promo_code',
        conversation_id: `whatsapp:test:${camille.waId}`,
      },
    ]);
  });
});
