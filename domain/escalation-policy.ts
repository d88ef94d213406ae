/**
 * The escalation policy: when Parley stops answering and a person takes over (or reviews the case
 * next day), and which rule decided it. Pure and deterministic — no I/O, no clock: everything,
 * including whether we are inside escalation hours, comes in as arguments — so the conversation
 * workflow can call it on every turn and replay gives the same answer.
 *
 * The rules, each with the name recorded in the audit and the handoff package:
 *  1. `customer_asked`     the customer asks for a person, in any supported language. The text
 *                          matching is the understanding step's (`wantsHuman`: the offline
 *                          HUMAN_REQUEST table or the model) — those tables are activity code and
 *                          pull the language detector into the workflow bundle, so they are not
 *                          imported here. The intent `talk_to_human` counts too.
 *  2. `low_confidence`     the model's confidence is below the threshold (strictly: exactly at the
 *                          threshold answers), or the model itself said it needs a person
 *                          (`needsHuman`: it admits it cannot answer; the reason says so).
 *  3. `negative_sentiment` the last N customer messages all scored ≤ `negativeSentimentScore`
 *                          (N = 2; 3 out of hours), or a sharp drop: the score fell by at least
 *                          `sharpDropDelta` between the last two customer messages and the latest
 *                          is itself negative.
 *  4. `regulated_topic`    medical, legal or financial advice.
 *  5. `vip_customer`       the CRM tier is one of `vipTiers`: every turn, routed to the
 *                          customer's named owner when known.
 *  6. `refund_over_limit`  a refund or credit strictly above `autoApproveRefundCents`;
 *     `multi_issue`        two or more distinct issues (intents other than `other` and
 *                          `talk_to_human`) in a complaint (one of them is `complaint`, or the
 *                          latest sentiment is negative);
 *     `crisis`             incident, breach, threat, danger.
 *  7. `loop`               the same question asked `loopRepeats` times (3; 4 out of hours) among
 *                          the last `loopWindow` customer messages, or "that didn't help" said
 *                          `notHelpfulRepeats` times (2; 3 out of hours). It fires only when the
 *                          current message is one of the repeats, so a loop that was already
 *                          handled does not fire again on every later turn.
 *
 * Same question: after normalisation (lower case, accents and punctuation stripped, apostrophes
 * dropped so "didn't" = "didnt", spaces collapsed) the texts are equal, or their word sets overlap
 * with a Jaccard index ≥ `loopSimilarity` (0.8: "where is my order" ~ "where is my order 1042",
 * but not ~ "where is my parcel"). Texts of fewer than two words ("ok", "yes", "thanks") never
 * count as a question.
 *
 * Precedence when several rules fire (`ESCALATION_PRECEDENCE`): crisis > customer_asked >
 * regulated_topic > vip_customer > refund_over_limit > multi_issue > negative_sentiment > loop >
 * low_confidence — safety first, then what the customer explicitly asked for, then what needs a
 * specific person (compliance, the account owner, an approver), then the generic signals. The
 * decision names the winner and lists the others in `alsoFired`.
 *
 * Outside escalation hours Parley handles more: rules 2, 3 and 7 use the out-of-hours bar (never
 * lower than the in-hours one, whatever the configuration says), and what fires is queued for
 * next-day review (`next_day_review`) — except crisis, customer_asked, regulated_topic and
 * vip_customer, which always hand off now (`hand_off_now`; the caller tells the customer the
 * honest wait until the next opening).
 *
 * Two phases, because some rules need the model's answer and the others should save its cost:
 * `escalateBeforeAnswer` (crisis, customer_asked, regulated_topic, vip_customer,
 * negative_sentiment, loop) and `escalateAfterAnswer` (refund_over_limit, multi_issue,
 * low_confidence).
 */
import { foldText } from './text.js';

export type EscalationRule =
  | 'customer_asked'
  | 'low_confidence'
  | 'negative_sentiment'
  | 'regulated_topic'
  | 'vip_customer'
  | 'refund_over_limit'
  | 'multi_issue'
  | 'crisis'
  | 'loop'
  /** An action the customer confirmed (refund, return…) could not be completed: a person finishes it. */
  | 'action_failed';

/** Highest first: when several rules fire, the first one in this list is the decision's rule. */
export const ESCALATION_PRECEDENCE: readonly EscalationRule[] = [
  'crisis',
  'customer_asked',
  'regulated_topic',
  'vip_customer',
  'refund_over_limit',
  'action_failed',
  'multi_issue',
  'negative_sentiment',
  'loop',
  'low_confidence',
];

/** Rules that hand off to a person now even outside escalation hours. */
export const ALWAYS_HAND_OFF_NOW: readonly EscalationRule[] = [
  'crisis',
  'customer_asked',
  'regulated_topic',
  'vip_customer',
];

export interface EscalationPolicyConfig {
  /** Rule 2: a model answer with confidence strictly below this escalates (in hours). */
  confidenceThreshold: number;
  /** Rule 2 out of hours: a lower threshold, so Parley answers more. */
  outOfHoursConfidenceThreshold: number;
  /** Rule 3: a customer message scoring at or below this counts as negative (−1 … 1). */
  negativeSentimentScore: number;
  /** Rule 3: this many consecutive negative customer messages escalate (in hours). */
  negativeTurns: number;
  outOfHoursNegativeTurns: number;
  /** Rule 3: a fall of at least this much between the last two customer messages (in hours). */
  sharpDropDelta: number;
  outOfHoursSharpDropDelta: number;
  /** Rule 7: the same question this many times (the current message included) escalates. */
  loopRepeats: number;
  outOfHoursLoopRepeats: number;
  /** Rule 7: "that didn't help" in this many customer messages (the current one included). */
  notHelpfulRepeats: number;
  outOfHoursNotHelpfulRepeats: number;
  /** Rule 7: how many of the latest customer messages are looked at. */
  loopWindow: number;
  /** Rule 7: word-set Jaccard index from which two texts are the same question. */
  loopSimilarity: number;
  /** Rule 6: refunds and credits up to this amount (in cents) Parley may handle. */
  autoApproveRefundCents: number;
  /** Rule 6: this many distinct issues in a complaint escalate. */
  multiIssueIntents: number;
  /** Rule 5: CRM tiers (case-insensitive) that always go to a person. */
  vipTiers: string[];
}

export const DEFAULT_ESCALATION_POLICY: EscalationPolicyConfig = {
  confidenceThreshold: 0.6, // AGENT_CONFIDENCE_THRESHOLD's default
  outOfHoursConfidenceThreshold: 0.4,
  negativeSentimentScore: -0.3,
  negativeTurns: 2,
  outOfHoursNegativeTurns: 3,
  // Offline scores: one clear word ≈ ±0.45, three ≈ ±0.85. 0.9 is "thanks!" (+0.45) followed by
  // a clearly negative message (−0.45), or a neutral one followed by a furious one.
  sharpDropDelta: 0.9,
  outOfHoursSharpDropDelta: 1.2,
  loopRepeats: 3,
  outOfHoursLoopRepeats: 4,
  notHelpfulRepeats: 2,
  outOfHoursNotHelpfulRepeats: 3,
  loopWindow: 6,
  loopSimilarity: 0.8,
  autoApproveRefundCents: 5_000,
  multiIssueIntents: 2,
  vipTiers: ['vip', 'enterprise'],
};

export interface EscalationSignals {
  /** The understanding step: the customer asked for a person. */
  wantsHuman?: boolean;
  /** The understanding step: medical, legal or financial. */
  regulatedTopic?: string;
  /** The understanding step: incident, breach, threat, danger. */
  crisis?: boolean;
  /** Sentiment scores of the customer's messages, oldest first, this turn's last. */
  sentimentTrend: number[];
  /** This turn's intents (the understanding step's and the model's); several = several issues. */
  intents?: string[];
  /** The CRM tier. */
  customerTier?: string;
  /** The customer's named owner (account manager) in the CRM, when known. */
  ownerAgentId?: string;
  /** The customer's texts, oldest first, this turn's last. */
  recentCustomerTexts: string[];
  /** The model's answer (after-answer rules only). */
  model?: { confidence: number; needsHuman: boolean; reason?: string | null };
  /** A refund or credit the answer would grant, in cents. */
  refundRequestCents?: number;
  /** Inside the business's escalation hours (the caller decides with its own clock). */
  withinEscalationHours: boolean;
}

export interface EscalationDecision {
  rule: EscalationRule;
  /** Human-readable, for the audit and the handoff package. */
  reason: string;
  handling: 'hand_off_now' | 'next_day_review';
  /** The VIP customer's named owner: the case goes to them, whichever rule fired. */
  routeToAgentId?: string;
  /** The other rules that fired in the same phase, highest precedence first. */
  alsoFired: EscalationRule[];
}

type Finding = { rule: EscalationRule; reason: string };

/** Rules that need no model answer: crisis, customer_asked, regulated_topic, vip_customer, negative_sentiment, loop. */
export function escalateBeforeAnswer(
  signals: EscalationSignals,
  config: EscalationPolicyConfig = DEFAULT_ESCALATION_POLICY,
): EscalationDecision | undefined {
  const findings: Finding[] = [];
  if (signals.crisis)
    findings.push({ rule: 'crisis', reason: 'crisis reported (incident, breach, threat or danger)' });
  if (signals.wantsHuman || signals.intents?.includes('talk_to_human'))
    findings.push({ rule: 'customer_asked', reason: 'the customer asked for a person' });
  if (signals.regulatedTopic)
    findings.push({ rule: 'regulated_topic', reason: `regulated topic: ${signals.regulatedTopic} advice` });
  const tier = vipTier(signals.customerTier, config);
  if (tier !== undefined) {
    const route = signals.ownerAgentId ? `, routed to their owner ${signals.ownerAgentId}` : '';
    findings.push({ rule: 'vip_customer', reason: `${tier} customer${route}` });
  }
  const sentiment = negativeSentiment(signals, config);
  if (sentiment) findings.push({ rule: 'negative_sentiment', reason: sentiment });
  const loop = conversationLoop(signals, config);
  if (loop) findings.push({ rule: 'loop', reason: loop });
  return decide(findings, signals, config);
}

/** Rules on the model's answer: refund_over_limit, multi_issue, low_confidence (and the model's `needsHuman`). */
export function escalateAfterAnswer(
  signals: EscalationSignals,
  config: EscalationPolicyConfig = DEFAULT_ESCALATION_POLICY,
): EscalationDecision | undefined {
  const findings: Finding[] = [];
  const refund = signals.refundRequestCents;
  if (refund !== undefined && Number.isFinite(refund) && refund > config.autoApproveRefundCents) {
    findings.push({
      rule: 'refund_over_limit',
      reason: `refund or credit of ${amount(refund)} above the auto-approve limit of ${amount(config.autoApproveRefundCents)}`,
    });
  }
  const issues = multiIssue(signals, config);
  if (issues) findings.push({ rule: 'multi_issue', reason: issues });
  const model = signals.model;
  if (model) {
    const threshold = signals.withinEscalationHours
      ? config.confidenceThreshold
      : Math.min(config.confidenceThreshold, config.outOfHoursConfidenceThreshold);
    if (model.needsHuman) {
      findings.push({
        rule: 'low_confidence',
        reason: `the model asked for a person: ${model.reason?.trim() || 'no reason given'}`,
      });
    } else if (!(model.confidence >= threshold)) {
      // NaN or a missing score never passes the threshold.
      findings.push({
        rule: 'low_confidence',
        reason: `model confidence ${model.confidence} below ${threshold}`,
      });
    }
  }
  return decide(findings, signals, config);
}

function decide(
  findings: Finding[],
  signals: EscalationSignals,
  config: EscalationPolicyConfig,
): EscalationDecision | undefined {
  if (findings.length === 0) return undefined;
  const rank = (rule: EscalationRule) => ESCALATION_PRECEDENCE.indexOf(rule);
  const [winner, ...others] = [...findings].sort((a, b) => rank(a.rule) - rank(b.rule));
  if (!winner) return undefined;
  const handling =
    signals.withinEscalationHours || ALWAYS_HAND_OFF_NOW.includes(winner.rule)
      ? 'hand_off_now'
      : 'next_day_review';
  const owner = vipTier(signals.customerTier, config) !== undefined ? signals.ownerAgentId : undefined;
  return {
    rule: winner.rule,
    reason: winner.reason,
    handling,
    ...(owner ? { routeToAgentId: owner } : {}),
    alsoFired: others.map((f) => f.rule),
  };
}

function vipTier(tier: string | undefined, config: EscalationPolicyConfig): string | undefined {
  const t = tier?.trim().toLowerCase();
  if (!t) return undefined;
  return config.vipTiers.some((v) => v.trim().toLowerCase() === t) ? t : undefined;
}

function amount(cents: number): string {
  return (cents / 100).toFixed(2);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function negativeSentiment(signals: EscalationSignals, config: EscalationPolicyConfig): string | undefined {
  const trend = signals.sentimentTrend.filter((s) => Number.isFinite(s));
  const inHours = signals.withinEscalationHours;
  const turns = Math.max(
    1,
    inHours ? config.negativeTurns : Math.max(config.negativeTurns, config.outOfHoursNegativeTurns),
  );
  const dropDelta = inHours
    ? config.sharpDropDelta
    : Math.max(config.sharpDropDelta, config.outOfHoursSharpDropDelta);
  const negative = (s: number) => s <= config.negativeSentimentScore;

  const lastN = trend.slice(-turns);
  if (lastN.length === turns && lastN.every(negative)) {
    return `sentiment negative on ${turns} consecutive customer messages (${lastN.map(round2).join(', ')})`;
  }
  const latest = trend.at(-1);
  const previous = trend.at(-2);
  if (
    latest !== undefined &&
    previous !== undefined &&
    negative(latest) &&
    previous - latest >= dropDelta - 1e-9
  ) {
    return `sentiment dropped sharply (${round2(previous)} → ${round2(latest)})`;
  }
  return undefined;
}

function multiIssue(signals: EscalationSignals, config: EscalationPolicyConfig): string | undefined {
  const issues = [...new Set(signals.intents ?? [])].filter(
    (i) => i && i !== 'other' && i !== 'talk_to_human',
  );
  if (issues.length < Math.max(2, config.multiIssueIntents)) return undefined;
  const latest = signals.sentimentTrend.at(-1);
  const complaint =
    issues.includes('complaint') || (latest !== undefined && latest <= config.negativeSentimentScore);
  return complaint ? `complaint with ${issues.length} issues (${issues.join(', ')})` : undefined;
}

// ---------------------------------------------------------------------------------------------
// Loops
// ---------------------------------------------------------------------------------------------

function fold(text: string): string {
  return foldText(text).replace(/['’‘`´]/g, '');
}

/** Lower case, accents and punctuation stripped, apostrophes dropped ("didn't" → "didnt"), spaces collapsed. */
export function normalizeCustomerText(text: string): string {
  return fold(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** As `normalizeCustomerText`, with sentence marks kept as "|" so a phrase never spans two clauses. */
function normalizeWithClauses(text: string): string {
  return fold(text)
    .replace(/[.,;:!?¡¿()\n\r]+/g, ' | ')
    .replace(/[^\p{L}\p{N}|]+/gu, ' ')
    .trim();
}

/**
 * "That didn't help" and "that's not what I asked", as customers write them. Matched as whole
 * words on the normalised text, so accents, case and apostrophes do not matter.
 */
// prettier-ignore
export const NOT_HELPFUL_PHRASES: Readonly<Record<string, readonly string[]>> = {
  en: [
    "that didn't help", "didn't help", 'did not help', "doesn't help", 'does not help', "that's not helpful",
    'not helpful', 'not helping', "you're not helping", 'no help at all', 'still not solved', "that's not what i asked",
    'not what i asked', "doesn't answer my question", "didn't answer my question", 'does not answer my question',
  ],
  fr: [
    "ça ne m'aide pas", "ça m'aide pas", "ne m'aide pas", "ça n'aide pas", "ça ne m'a pas aidé", "ça m'a pas aidé",
    "ne m'a pas aidé", "ne m'a pas aidée", 'pas utile', 'toujours pas résolu', 'ne répond pas à ma question',
    "pas ce que j'ai demandé", "ce n'est pas ma question",
  ],
  nl: [
    'dat helpt niet', 'helpt niet', 'helpt me niet', 'hielp niet', 'heeft niet geholpen', 'niet geholpen',
    'daar heb ik niets aan', 'daar heb ik niks aan', 'niet wat ik vroeg', 'geen antwoord op mijn vraag', 'nog steeds niet opgelost',
  ],
  de: [
    'das hilft nicht', 'hilft nicht', 'hilft mir nicht', 'hat nicht geholfen', 'nicht geholfen', 'bringt mir nichts',
    'hilft mir nicht weiter', 'beantwortet meine frage nicht', 'nicht was ich gefragt habe', 'immer noch nicht gelöst',
  ],
  es: [
    'no me ayuda', 'no ayuda', 'no me ha ayudado', 'no me ayudó', 'eso no me sirve', 'no responde a mi pregunta',
    'no es lo que pregunté', 'sigue sin resolverse',
  ],
  it: [
    'non mi aiuta', 'non aiuta', 'non mi ha aiutato', 'non è servito', 'non serve a niente', 'non serve a nulla',
    'non mi è stato utile', 'non risponde alla mia domanda', 'non è quello che ho chiesto', 'ancora non risolto',
  ],
  pt: [
    'não ajuda', 'não me ajuda', 'não ajudou', 'não me ajudou', 'não adianta', 'isso não resolve', 'não resolveu',
    'não respondeu à minha pergunta', 'não é o que eu perguntei',
  ],
};

const notHelpfulNormalized: readonly string[] = [
  ...new Set(Object.values(NOT_HELPFUL_PHRASES).flatMap((list) => list.map(normalizeCustomerText))),
];

function saysNotHelpful(text: string): boolean {
  const padded = ` ${normalizeWithClauses(text)} `;
  return notHelpfulNormalized.some((phrase) => padded.includes(` ${phrase} `));
}

const LOOP_MIN_WORDS = 2;

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const w of a) if (b.has(w)) shared += 1;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

function conversationLoop(signals: EscalationSignals, config: EscalationPolicyConfig): string | undefined {
  const inHours = signals.withinEscalationHours;
  const window = Math.max(1, config.loopWindow);
  const raw = signals.recentCustomerTexts.slice(-window);
  const texts = raw.map(normalizeCustomerText);
  const current = texts.at(-1);
  if (current === undefined) return undefined;

  const notHelpfulNeeded = Math.max(
    1,
    inHours
      ? config.notHelpfulRepeats
      : Math.max(config.notHelpfulRepeats, config.outOfHoursNotHelpfulRepeats),
  );
  if (saysNotHelpful(raw.at(-1) ?? '')) {
    const count = raw.filter(saysNotHelpful).length;
    if (count >= notHelpfulNeeded)
      return `the customer said ${count} times that the answers did not help (last ${texts.length} messages)`;
  }

  const repeatsNeeded = Math.max(
    2,
    inHours ? config.loopRepeats : Math.max(config.loopRepeats, config.outOfHoursLoopRepeats),
  );
  const words = (t: string) => new Set(t.split(' ').filter(Boolean));
  const currentWords = words(current);
  if (currentWords.size < LOOP_MIN_WORDS) return undefined;
  const same = texts.filter(
    (t) => t === current || jaccard(words(t), currentWords) >= config.loopSimilarity - 1e-9,
  );
  if (same.length >= repeatsNeeded)
    return `the customer asked the same question ${same.length} times (last ${texts.length} messages)`;
  return undefined;
}
