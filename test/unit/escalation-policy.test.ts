import { describe, expect, it } from 'vitest';
import { analyseOffline } from '../../activities/understanding/offline-analysis.js';
import {
  DEFAULT_ESCALATION_POLICY,
  ESCALATION_PRECEDENCE,
  escalateAfterAnswer,
  escalateBeforeAnswer,
  NOT_HELPFUL_PHRASES,
  normalizeCustomerText,
  type EscalationSignals,
} from '../../domain/escalation-policy.js';

const config = DEFAULT_ESCALATION_POLICY;

/** A calm turn inside escalation hours: nothing fires. */
const calm = (over: Partial<EscalationSignals> = {}): EscalationSignals => ({
  sentimentTrend: [0.1],
  recentCustomerTexts: ['where is my order 1042'],
  withinEscalationHours: true,
  ...over,
});
const outOfHours = (over: Partial<EscalationSignals> = {}) => calm({ withinEscalationHours: false, ...over });
const answered = (confidence: number, over: Partial<EscalationSignals> = {}) =>
  calm({ model: { confidence, needsHuman: false }, ...over });

describe('escalation policy: nothing fires on an ordinary turn', () => {
  it('neither before nor after a confident answer', () => {
    expect(escalateBeforeAnswer(calm(), config)).toBeUndefined();
    expect(escalateAfterAnswer(answered(0.9), config)).toBeUndefined();
  });

  it('uses the default policy when none is given', () => {
    expect(escalateBeforeAnswer(calm({ crisis: true }))?.rule).toBe('crisis');
    expect(escalateAfterAnswer(answered(0.9))).toBeUndefined();
  });
});

describe('rule 1: the customer asks for a person', () => {
  it('hands off now on wantsHuman or the talk_to_human intent', () => {
    expect(escalateBeforeAnswer(calm({ wantsHuman: true }), config)).toEqual({
      rule: 'customer_asked',
      reason: 'the customer asked for a person',
      handling: 'hand_off_now',
      alsoFired: [],
    });
    expect(escalateBeforeAnswer(calm({ intents: ['talk_to_human'] }), config)?.rule).toBe('customer_asked');
    expect(
      escalateBeforeAnswer(calm({ wantsHuman: false, intents: ['order_status'] }), config),
    ).toBeUndefined();
  });

  it('recognises natural phrasings in every supported language (via the understanding step)', () => {
    const asks = [
      'je veux parler à quelqu’un',
      'kan ik een medewerker spreken?',
      'stop the bot',
      'Can I talk to a real person please',
      'Ich möchte mit einem Menschen sprechen',
      'quiero hablar con una persona',
      'posso parlare con un operatore?',
      'quero falar com um atendente',
    ];
    for (const text of asks) {
      const u = analyseOffline(text);
      const decision = escalateBeforeAnswer(
        calm({ wantsHuman: u.wantsHuman, intents: [u.intent], recentCustomerTexts: [text] }),
        config,
      );
      expect(decision?.rule, text).toBe('customer_asked');
    }
    const u = analyseOffline('où est ma commande ?');
    expect(
      escalateBeforeAnswer(calm({ wantsHuman: u.wantsHuman, intents: [u.intent] }), config),
    ).toBeUndefined();
  });

  it('still hands off now out of hours', () => {
    expect(escalateBeforeAnswer(outOfHours({ wantsHuman: true }), config)?.handling).toBe('hand_off_now');
  });
});

describe('rule 2: low confidence', () => {
  it('escalates strictly below the threshold; exactly at it answers', () => {
    expect(escalateAfterAnswer(answered(0.59), config)).toMatchObject({
      rule: 'low_confidence',
      reason: 'model confidence 0.59 below 0.6',
      handling: 'hand_off_now',
    });
    expect(escalateAfterAnswer(answered(0.6), config)).toBeUndefined();
  });

  it('a missing score (NaN) never passes', () => {
    expect(escalateAfterAnswer(answered(Number.NaN), config)?.rule).toBe('low_confidence');
  });

  it('the model saying it needs a person escalates whatever its confidence', () => {
    const decision = escalateAfterAnswer(
      calm({ model: { confidence: 0.95, needsHuman: true, reason: 'warranty exception' } }),
      config,
    );
    expect(decision).toMatchObject({
      rule: 'low_confidence',
      reason: 'the model asked for a person: warranty exception',
    });
    expect(
      escalateAfterAnswer(calm({ model: { confidence: 0.95, needsHuman: true, reason: null } }), config)
        ?.reason,
    ).toBe('the model asked for a person: no reason given');
  });

  it('no model answer, no confidence rule', () => {
    expect(escalateAfterAnswer(calm(), config)).toBeUndefined();
  });

  it('out of hours: between the two thresholds Parley answers; below both, next-day review', () => {
    expect(escalateAfterAnswer(answered(0.5, { withinEscalationHours: false }), config)).toBeUndefined();
    expect(escalateAfterAnswer(answered(0.4, { withinEscalationHours: false }), config)).toBeUndefined();
    expect(escalateAfterAnswer(answered(0.39, { withinEscalationHours: false }), config)).toMatchObject({
      rule: 'low_confidence',
      handling: 'next_day_review',
    });
  });

  it('the out-of-hours bar is never lower than the in-hours one', () => {
    const strict = { ...config, confidenceThreshold: 0.3 };
    expect(escalateAfterAnswer(answered(0.35, { withinEscalationHours: false }), strict)).toBeUndefined();
  });
});

describe('rule 3: negative sentiment', () => {
  it('one negative message does not escalate; two consecutive do', () => {
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [0.1, -0.6] }), config)).toBeUndefined();
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [0.1, -0.4, -0.6] }), config)).toMatchObject({
      rule: 'negative_sentiment',
      reason: 'sentiment negative on 2 consecutive customer messages (-0.4, -0.6)',
      handling: 'hand_off_now',
    });
  });

  it('two negatives that are not consecutive, or mildly negative ones, do not', () => {
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [-0.6, 0.2, -0.6] }), config)).toBeUndefined();
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [-0.2, -0.25] }), config)).toBeUndefined();
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [-0.3, -0.3] }), config)?.rule).toBe(
      'negative_sentiment',
    );
  });

  it('a sharp drop escalates on a single message', () => {
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [0.5, -0.45] }), config)).toMatchObject({
      rule: 'negative_sentiment',
      reason: 'sentiment dropped sharply (0.5 → -0.45)',
    });
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [0.4, -0.45] }), config)).toBeUndefined();
    // A big fall that does not end negative is not a reason.
    expect(escalateBeforeAnswer(calm({ sentimentTrend: [0.95, 0] }), config)).toBeUndefined();
  });

  it('out of hours needs three consecutive negatives and a larger drop, then queues for review', () => {
    const off = (trend: number[]) => escalateBeforeAnswer(outOfHours({ sentimentTrend: trend }), config);
    expect(off([0.1, -0.5, -0.6])).toBeUndefined();
    expect(off([-0.4, -0.5, -0.6])).toMatchObject({
      rule: 'negative_sentiment',
      handling: 'next_day_review',
    });
    expect(off([0.5, -0.45])).toBeUndefined();
    expect(off([0.6, -0.6])).toMatchObject({ rule: 'negative_sentiment', handling: 'next_day_review' });
  });
});

describe('rule 4: regulated topics', () => {
  it('always hands off, in hours and out of hours', () => {
    expect(escalateBeforeAnswer(calm({ regulatedTopic: 'medical' }), config)).toMatchObject({
      rule: 'regulated_topic',
      reason: 'regulated topic: medical advice',
      handling: 'hand_off_now',
    });
    expect(escalateBeforeAnswer(outOfHours({ regulatedTopic: 'legal' }), config)?.handling).toBe(
      'hand_off_now',
    );
    expect(escalateBeforeAnswer(calm({ regulatedTopic: undefined }), config)).toBeUndefined();
  });
});

describe('rule 5: VIP and enterprise customers', () => {
  it('always escalate, routed to their named owner when known', () => {
    expect(
      escalateBeforeAnswer(calm({ customerTier: 'Enterprise', ownerAgentId: 'agent-7' }), config),
    ).toEqual({
      rule: 'vip_customer',
      reason: 'enterprise customer, routed to their owner agent-7',
      handling: 'hand_off_now',
      routeToAgentId: 'agent-7',
      alsoFired: [],
    });
    const noOwner = escalateBeforeAnswer(calm({ customerTier: 'vip' }), config);
    expect(noOwner).toMatchObject({ rule: 'vip_customer', reason: 'vip customer' });
    expect(noOwner).not.toHaveProperty('routeToAgentId');
  });

  it('other tiers do not, and an owner alone routes nothing', () => {
    expect(
      escalateBeforeAnswer(calm({ customerTier: 'standard', ownerAgentId: 'agent-7' }), config),
    ).toBeUndefined();
    expect(
      escalateBeforeAnswer(
        calm({ customerTier: 'standard', wantsHuman: true, ownerAgentId: 'agent-7' }),
        config,
      ),
    ).not.toHaveProperty('routeToAgentId');
  });

  it('still hand off now out of hours, and the owner gets the case whichever rule wins', () => {
    expect(escalateBeforeAnswer(outOfHours({ customerTier: 'vip' }), config)?.handling).toBe('hand_off_now');
    expect(
      escalateBeforeAnswer(calm({ customerTier: 'vip', ownerAgentId: 'agent-7', crisis: true }), config),
    ).toMatchObject({ rule: 'crisis', routeToAgentId: 'agent-7', alsoFired: ['vip_customer'] });
  });

  it('the VIP tiers are configurable', () => {
    const gold = { ...config, vipTiers: ['gold'] };
    expect(escalateBeforeAnswer(calm({ customerTier: 'gold' }), gold)?.rule).toBe('vip_customer');
    expect(escalateBeforeAnswer(calm({ customerTier: 'vip' }), gold)).toBeUndefined();
  });
});

describe('rule 6: refunds over the limit, multi-issue complaints, crisis', () => {
  it('a refund strictly above the auto-approve amount escalates', () => {
    expect(escalateAfterAnswer(answered(0.9, { refundRequestCents: 5_001 }), config)).toMatchObject({
      rule: 'refund_over_limit',
      reason: 'refund or credit of 50.01 above the auto-approve limit of 50.00',
      handling: 'hand_off_now',
    });
    expect(escalateAfterAnswer(answered(0.9, { refundRequestCents: 5_000 }), config)).toBeUndefined();
    expect(escalateAfterAnswer(answered(0.9, { refundRequestCents: 1_999 }), config)).toBeUndefined();
  });

  it('out of hours a refund over the limit goes to next-day review', () => {
    expect(
      escalateAfterAnswer(
        answered(0.9, { refundRequestCents: 12_000, withinEscalationHours: false }),
        config,
      ),
    ).toMatchObject({ rule: 'refund_over_limit', handling: 'next_day_review' });
  });

  it('a complaint with several issues escalates; several plain questions do not', () => {
    expect(
      escalateAfterAnswer(answered(0.9, { intents: ['complaint', 'refund_request', 'tracking'] }), config),
    ).toMatchObject({
      rule: 'multi_issue',
      reason: 'complaint with 3 issues (complaint, refund_request, tracking)',
    });
    expect(
      escalateAfterAnswer(
        answered(0.9, { intents: ['tracking', 'payment_issue'], sentimentTrend: [-0.5] }),
        config,
      )?.rule,
    ).toBe('multi_issue');
    expect(
      escalateAfterAnswer(answered(0.9, { intents: ['tracking', 'opening_hours_contact'] }), config),
    ).toBeUndefined();
    expect(escalateAfterAnswer(answered(0.9, { intents: ['complaint'] }), config)).toBeUndefined();
    expect(
      escalateAfterAnswer(answered(0.9, { intents: ['complaint', 'complaint', 'other'] }), config),
    ).toBeUndefined();
  });

  it('a crisis hands off now, in hours and out of hours', () => {
    expect(escalateBeforeAnswer(calm({ crisis: true }), config)).toMatchObject({
      rule: 'crisis',
      handling: 'hand_off_now',
    });
    expect(escalateBeforeAnswer(outOfHours({ crisis: true }), config)?.handling).toBe('hand_off_now');
    expect(escalateBeforeAnswer(calm({ crisis: false }), config)).toBeUndefined();
  });
});

describe('rule 7: loops', () => {
  const texts = (...t: string[]) => calm({ recentCustomerTexts: t });

  it('the same question twice does not loop, three times does', () => {
    expect(
      escalateBeforeAnswer(texts('Where is my order?', 'ok', 'where is my order'), config),
    ).toBeUndefined();
    expect(
      escalateBeforeAnswer(
        texts('Where is my order?', 'ok', 'WHERE IS MY ORDER', 'thanks', 'where is my order!!'),
        config,
      ),
    ).toMatchObject({
      rule: 'loop',
      reason: 'the customer asked the same question 3 times (last 5 messages)',
      handling: 'hand_off_now',
    });
  });

  it('matches after normalisation and on high word overlap, not on a different question', () => {
    expect(
      escalateBeforeAnswer(
        texts('Où est ma commande ?', 'ou est ma commande', 'où est ma commande 1042'),
        config,
      )?.rule,
    ).toBe('loop');
    expect(
      escalateBeforeAnswer(texts('where is my order', 'where is my parcel', 'where is my order'), config),
    ).toBeUndefined();
  });

  it('fires only when the current message is a repeat, and only within the window', () => {
    expect(
      escalateBeforeAnswer(
        texts('where is my order', 'where is my order', 'where is my order', 'thanks, got it'),
        config,
      ),
    ).toBeUndefined();
    const spread = ['where is my order', 'a', 'b', 'c', 'd', 'e', 'where is my order', 'where is my order'];
    expect(escalateBeforeAnswer(texts(...spread), config)).toBeUndefined();
  });

  it('one-word messages never count as a question', () => {
    expect(escalateBeforeAnswer(texts('ok', 'ok', 'ok', 'ok'), config)).toBeUndefined();
  });

  it('"that didn\'t help" twice loops, once does not, in any supported language', () => {
    expect(escalateBeforeAnswer(texts('where is my order', "That didn't help."), config)).toBeUndefined();
    const pairs = [
      ["That didn't help", 'still not what I asked'],
      ['ça ne m’aide pas', "Ça m'aide pas du tout"],
      ['dat helpt niet', 'Het helpt me niet'],
      ['Das hilft nicht', 'hat nicht geholfen'],
      ['no me ayuda', 'No me ha ayudado nada'],
      ['non mi aiuta', 'non mi ha aiutato'],
      ['não ajuda', 'isso não me ajudou'],
    ];
    for (const [first, second] of pairs) {
      expect(
        escalateBeforeAnswer(texts(first!, 'my order 1042', second!), config),
        `${first} / ${second}`,
      ).toMatchObject({
        rule: 'loop',
        reason: 'the customer said 2 times that the answers did not help (last 3 messages)',
      });
    }
  });

  it('"didn\'t help" phrases do not match across sentences or inside other words', () => {
    // "No, ayuda …" is "no" then a request for help, not "no ayuda".
    expect(
      escalateBeforeAnswer(texts('no ayuda', 'No, ayuda por favor con mi pedido'), config),
    ).toBeUndefined();
    expect(escalateBeforeAnswer(texts('helpt niet', 'dat helpt nietszeggend'), config)).toBeUndefined();
  });

  it('every phrase in the table is recognised after normalisation', () => {
    for (const list of Object.values(NOT_HELPFUL_PHRASES)) {
      for (const phrase of list) {
        expect(escalateBeforeAnswer(texts(phrase, phrase.toUpperCase()), config)?.rule, phrase).toBe('loop');
      }
    }
  });

  it('out of hours needs more repeats and queues for review', () => {
    const off = (...t: string[]) => escalateBeforeAnswer(outOfHours({ recentCustomerTexts: t }), config);
    expect(off('where is my order', 'where is my order', 'where is my order')).toBeUndefined();
    expect(
      off('where is my order', 'where is my order', 'where is my order', 'where is my order'),
    ).toMatchObject({
      rule: 'loop',
      handling: 'next_day_review',
    });
    expect(off("didn't help", "didn't help")).toBeUndefined();
    expect(off("didn't help", 'not helpful', "didn't help")?.handling).toBe('next_day_review');
  });

  it('normalises case, accents, punctuation, apostrophes and spaces', () => {
    expect(normalizeCustomerText('  Ça NE m’aide   pas !! Où est-ce ? Straße')).toBe(
      'ca ne maide pas ou est ce strasse',
    );
  });
});

describe('precedence', () => {
  it('follows the documented order, and names the other rules that fired', () => {
    const everything = calm({
      crisis: true,
      wantsHuman: true,
      regulatedTopic: 'financial',
      customerTier: 'vip',
      sentimentTrend: [-0.5, -0.6],
      recentCustomerTexts: ['that did not help', 'that did not help', 'that did not help'],
    });
    expect(escalateBeforeAnswer(everything, config)).toMatchObject({
      rule: 'crisis',
      alsoFired: ['customer_asked', 'regulated_topic', 'vip_customer', 'negative_sentiment', 'loop'],
    });
    expect(escalateBeforeAnswer({ ...everything, crisis: false }, config)?.rule).toBe('customer_asked');
    expect(escalateBeforeAnswer({ ...everything, crisis: false, wantsHuman: false }, config)?.rule).toBe(
      'regulated_topic',
    );
    expect(
      escalateBeforeAnswer(
        { ...everything, crisis: false, wantsHuman: false, regulatedTopic: undefined },
        config,
      )?.rule,
    ).toBe('vip_customer');
    expect(
      escalateBeforeAnswer(
        calm({ sentimentTrend: [-0.5, -0.6], recentCustomerTexts: everything.recentCustomerTexts }),
        config,
      ),
    ).toMatchObject({ rule: 'negative_sentiment', alsoFired: ['loop'] });

    expect(
      escalateAfterAnswer(
        answered(0.1, { refundRequestCents: 20_000, intents: ['complaint', 'refund_request'] }),
        config,
      ),
    ).toMatchObject({ rule: 'refund_over_limit', alsoFired: ['multi_issue', 'low_confidence'] });
    expect(
      escalateAfterAnswer(answered(0.1, { intents: ['complaint', 'refund_request'] }), config),
    ).toMatchObject({
      rule: 'multi_issue',
      alsoFired: ['low_confidence'],
    });
  });

  it('out of hours the winner decides the handling: a hand-off rule beats a review rule', () => {
    const off = outOfHours({ regulatedTopic: 'legal', sentimentTrend: [-0.5, -0.6, -0.7] });
    expect(escalateBeforeAnswer(off, config)).toMatchObject({
      rule: 'regulated_topic',
      handling: 'hand_off_now',
      alsoFired: ['negative_sentiment'],
    });
  });

  it('the precedence list covers every rule once', () => {
    expect(new Set(ESCALATION_PRECEDENCE).size).toBe(10);
    expect(ESCALATION_PRECEDENCE[0]).toBe('crisis');
  });
});
