/**
 * Answers without a model, with the real read-only tools and the real retriever on a seeded test
 * database: order status through the authorised tool, a quoted knowledge passage above the
 * thresholds, a question back when the message says too little, a hand-off otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithoutModel, quote, type ModelFreeThresholds } from '../../activities/agent/model-free.js';
import type { ModelFreeAnswer } from '../../activities/agent/types.js';
import { createEmbeddedVectorIndex } from '../../activities/knowledge/embedded-index.js';
import { createRetriever, type Passage, type Retriever } from '../../activities/knowledge/retrieval.js';
import { createReadOnlyTools, DEMO_BUSINESS, type AgentTool } from '../../activities/tools/index.js';
import type { ToolCaller } from '../../activities/tools/types.js';
import { loadConfig } from '../../core/config.js';
import type { Db } from '../../db/database.js';
import { seedDemoData } from '../../devstack/demo-data.js';
import { DEMO_CUSTOMERS, DEMO_ORDERS } from '../../devstack/demo-shop.js';
import { createTestDatabase } from '../support/database.js';

/** The production defaults (KB_ANSWER_MIN_LEXICAL_SCORE, KB_ANSWER_MIN_DENSE_SCORE). */
const DEFAULT_THRESHOLDS = loadConfig({
  WHATSAPP_APP_SECRET: 's',
  WHATSAPP_VERIFY_TOKEN: 'v',
  WHATSAPP_ACCESS_TOKEN: 'a',
}).knowledgeAnswerThresholds;

const WHY = 'no model configured';

let db: Db;
let tools: AgentTool[];
let retriever: Retriever;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await seedDemoData(db);
  tools = createReadOnlyTools({ db, business: DEMO_BUSINESS });
  retriever = createRetriever({ index: createEmbeddedVectorIndex(db) });
});
afterAll(async () => {
  await db?.destroy();
});

const { alex, camille } = DEMO_CUSTOMERS;
const callerOf = (c: { waId: string }, language: string): ToolCaller => ({
  conversationId: `whatsapp:test:${c.waId}`,
  waId: c.waId,
  language,
});

interface Ask {
  caller?: ToolCaller;
  language?: string;
  intent?: string;
  orderNumbers?: string[];
  thresholds?: ModelFreeThresholds;
  tools?: AgentTool[];
}

/** The turn as the workflow runs it: passages from the real retriever, then the model-free answer. */
async function ask(text: string, o: Ask = {}): Promise<{ answer: ModelFreeAnswer; passages: Passage[] }> {
  const language = o.language ?? 'en';
  const passages = await retriever.retrieve({ text, language });
  const answer = await answerWithoutModel(
    {
      caller: o.caller ?? callerOf(alex, language),
      language,
      text,
      ...(o.intent ? { intent: o.intent } : {}),
      orderNumbers: o.orderNumbers ?? [],
      passages,
      why: WHY,
    },
    { tools: o.tools ?? tools, thresholds: o.thresholds ?? DEFAULT_THRESHOLDS },
  );
  return { answer, passages };
}

async function order(id: string) {
  return db
    .selectFrom('shop_orders')
    .select(['tracking_url', 'tracking_number', 'carrier', 'estimated_delivery'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('answerWithoutModel: orders', () => {
  it("answers the caller's own order with its status and tracking link (English)", async () => {
    const { tracking_url } = await order(DEMO_ORDERS.alexShipped);
    expect(tracking_url).toBeTruthy();
    const { answer } = await ask(`Hi, where is my order ${DEMO_ORDERS.alexShipped}?`, {
      orderNumbers: [DEMO_ORDERS.alexShipped],
    });
    expect(answer.mode).toBe('order_status');
    expect(answer.reply).toContain(`Your order *${DEMO_ORDERS.alexShipped}* is on its way.`);
    expect(answer.reply).toContain(`Track it here: ${tracking_url}`);
    expect(answer.reply).toContain('Expected delivery: 2026-11-27.');
    expect(answer.toolCalls).toEqual([{ name: 'order_status', status: 'ok' }]);
    expect(answer.citedChunkIds).toEqual([]);
    expect(answer.reason).toContain(WHY);
    expect(answer.reason).toContain(DEMO_ORDERS.alexShipped);
  });

  it("answers in the caller's language (French)", async () => {
    const { tracking_url } = await order(DEMO_ORDERS.alexShipped);
    const { answer } = await ask(`Où en est ma commande ${DEMO_ORDERS.alexShipped} ?`, {
      language: 'fr',
      orderNumbers: [DEMO_ORDERS.alexShipped],
    });
    expect(answer.mode).toBe('order_status');
    expect(answer.reply).toContain(`Votre commande *${DEMO_ORDERS.alexShipped}* est en route.`);
    expect(answer.reply).toContain(`Suivez-la ici : ${tracking_url}`);
    expect(answer.reply).toContain('Livraison prévue : 2026-11-27.');
    expect(answer.reply).not.toMatch(/Your order|Track it/);
  });

  it("tells the caller someone else's order was not found, and nothing of it", async () => {
    const other = DEMO_ORDERS.camilleDelivered;
    const theirs = await order(other);
    const { answer } = await ask(`Where is my order ${other}?`, { orderNumbers: [other] });
    expect(answer.mode).toBe('order_status');
    expect(answer.toolCalls).toEqual([{ name: 'order_status', status: 'not_found' }]);
    expect(answer.reply).toContain(`I couldn't find order ${other} for this WhatsApp number.`);
    for (const leak of [
      theirs.tracking_url!,
      theirs.tracking_number!,
      theirs.carrier!,
      camille.name,
      'Camille',
      'delivered',
      'V9',
    ]) {
      expect(answer.reply).not.toContain(leak);
    }
    // Exactly the wording of an order that does not exist: no oracle.
    const { answer: missing } = await ask('Where is my order 9999?', { orderNumbers: ['9999'] });
    expect(missing.reply).toBe(answer.reply!.replaceAll(other, '9999'));
    expect(missing.toolCalls).toEqual(answer.toolCalls);
  });

  it('does not show an order to an unknown WhatsApp number', async () => {
    const { tracking_url } = await order(DEMO_ORDERS.alexShipped);
    const stranger: ToolCaller = {
      conversationId: 'whatsapp:test:stranger',
      waId: '447700900123',
      language: 'en',
    };
    const { answer } = await ask(`Where is order ${DEMO_ORDERS.alexShipped}?`, {
      caller: stranger,
      orderNumbers: [DEMO_ORDERS.alexShipped],
    });
    expect(answer.toolCalls).toEqual([{ name: 'order_status', status: 'not_found' }]);
    expect(answer.reply).not.toContain(tracking_url!);
    expect(answer.reply).not.toContain('on its way');
  });

  it('answers the order even when the same message also matches the knowledge base well', async () => {
    const { answer, passages } = await ask(
      `What are your opening hours? And where is my order ${DEMO_ORDERS.alexShipped}?`,
      { orderNumbers: [DEMO_ORDERS.alexShipped] },
    );
    expect(passages.length).toBeGreaterThan(0);
    expect(answer.mode).toBe('order_status');
    expect(answer.citedChunkIds).toEqual([]);
  });

  it('asks for the order number when the intent is about an order but no number was given', async () => {
    // "Where is my parcel?" is also an FAQ entry: asking for the number beats quoting it.
    const { answer, passages } = await ask('Where is my parcel?', { intent: 'order_status' });
    expect(passages.length).toBeGreaterThan(0);
    expect(answer.mode).toBe('clarify');
    expect(answer.reply).toMatch(/order number/i);
    expect(answer.toolCalls).toEqual([]);
    expect(answer.citedChunkIds).toEqual([]);

    const { answer: fr } = await ask('Où est mon colis ?', { intent: 'tracking', language: 'fr' });
    expect(fr.mode).toBe('clarify');
    expect(fr.reply).toMatch(/numéro de commande/);
  });

  it('without an order status tool, an order number does not get an order answer', async () => {
    const { answer } = await ask(`Where is my order ${DEMO_ORDERS.alexShipped}?`, {
      orderNumbers: [DEMO_ORDERS.alexShipped],
      intent: 'order_status',
      tools: tools.filter((t) => t.name !== 'order_status'),
    });
    expect(answer.mode).toBe('clarify');
    expect(answer.toolCalls).toEqual([]);
  });
});

describe('answerWithoutModel: knowledge', () => {
  it('quotes the opening hours passage for an opening hours question', async () => {
    const { answer, passages } = await ask('What are your opening hours?');
    const best = passages[0]!;
    expect(best.title).toMatch(/hours/i);
    expect(best.lexicalScore!).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.minLexicalScore);
    expect(answer.mode).toBe('knowledge');
    expect(answer.citedChunkIds).toEqual([best.id]);
    expect(answer.reply!.startsWith('Here is what our help centre says:\n\n')).toBe(true);
    const shortTitle = best.title.split(' › ').at(-1)!;
    expect(answer.reply).toContain(`*${shortTitle}*`);
    expect(answer.reply).toMatch(/Monday to Friday/);
    expect(answer.reply).not.toContain('**');
    expect(answer.reason).toContain(best.id);
    expect(answer.reason).toContain(`lexical ${best.lexicalScore!.toFixed(3)}`);
    expect(answer.toolCalls).toEqual([]);
  });

  it('quotes in French with the French intro, the FAQ question only as the bold title', async () => {
    const question = 'Quels sont vos horaires ?';
    const { answer, passages } = await ask(question, { language: 'fr' });
    expect(answer.mode).toBe('knowledge');
    expect(answer.citedChunkIds).toEqual([passages[0]!.id]);
    expect(answer.reply!.startsWith("Voici ce qu'indique notre centre d'aide :\n\n")).toBe(true);
    expect(passages[0]!.title).toBe(question);
    expect(answer.reply).toContain(`*${question}*\n`);
    expect(answer.reply!.split(question)).toHaveLength(2);
  });

  it('hands off a multi-word question nothing matches well, with the best score in the reason', async () => {
    const { answer, passages } = await ask(
      'Can you sing me a song about the weather in Paris tonight please',
    );
    expect(passages.length).toBeGreaterThan(0);
    const top = passages[0]!;
    expect(top.lexicalScore!).toBeLessThan(DEFAULT_THRESHOLDS.minLexicalScore);
    expect(answer.mode).toBe('handoff');
    expect(answer.reply).toBeUndefined();
    expect(answer.citedChunkIds).toEqual([]);
    expect(answer.reason).toContain(WHY);
    expect(answer.reason).toContain(`best lexical ${top.lexicalScore!.toFixed(3)}`);
  });

  it('hands off gibberish that matches nothing at all', async () => {
    const { answer, passages } = await ask('flurb wizzle quantum banana spaceship');
    expect(passages).toEqual([]);
    expect(answer.mode).toBe('handoff');
    expect(answer.reply).toBeUndefined();
    expect(answer.reason).toMatch(/no passage above the threshold/);
    expect(answer.reason).not.toMatch(/best/);
  });

  it('asks how to help after a greeting or thanks', async () => {
    const { answer } = await ask('hi');
    expect(answer.mode).toBe('clarify');
    expect(answer.reply).toMatch(/How can I help/);
    expect(answer.citedChunkIds).toEqual([]);

    const { answer: fr } = await ask('Merci beaucoup !', { language: 'fr' });
    expect(fr.mode).toBe('clarify');
    expect(fr.reply).toMatch(/Comment puis-je vous aider/);
  });

  it('respects the lexical threshold: above every score, no passage is quoted', async () => {
    const strict = { minLexicalScore: 1_000, minDenseScore: DEFAULT_THRESHOLDS.minDenseScore };
    const { answer, passages } = await ask('What are your opening hours?', { thresholds: strict });
    expect(passages.length).toBeGreaterThan(0);
    expect(answer.mode).toBe('handoff');
    expect(answer.citedChunkIds).toEqual([]);
    expect(answer.reason).toContain(`best lexical ${passages[0]!.lexicalScore!.toFixed(3)}`);

    // A short question under a threshold nothing clears: asked what the customer needs.
    const { answer: short } = await ask('Opening hours?', { thresholds: strict });
    expect(short.mode).toBe('clarify');
  });

  it('quotes the first passage, in retrieval order, whose score reaches the threshold', async () => {
    const text = 'What are your opening hours?';
    const passages = await retriever.retrieve({ text, language: 'en' });
    expect(passages.length).toBeGreaterThan(2);
    const answer = (list: Passage[], minLexicalScore: number) =>
      answerWithoutModel(
        { caller: callerOf(alex, 'en'), language: 'en', text, orderNumbers: [], passages: list, why: WHY },
        { tools, thresholds: { minLexicalScore, minDenseScore: 2 } },
      );
    // Inclusive: a threshold equal to the best score quotes it.
    const exact = await answer(passages, passages[0]!.lexicalScore!);
    expect(exact.mode).toBe('knowledge');
    expect(exact.citedChunkIds).toEqual([passages[0]!.id]);
    // Every passage clears a low threshold: the first one listed is quoted, not the best scored.
    const reversed = [...passages].reverse();
    const lowest = Math.min(...passages.map((p) => p.lexicalScore!));
    const first = await answer(reversed, lowest);
    expect(first.citedChunkIds).toEqual([reversed[0]!.id]);
    // Only the passages scoring at least the threshold are candidates.
    const top = [...passages].sort((a, b) => a.lexicalScore! - b.lexicalScore!).at(-1)!;
    const onlyBest = await answer(reversed, top.lexicalScore!);
    expect(onlyBest.citedChunkIds).toEqual([reversed.find((p) => p.lexicalScore! >= top.lexicalScore!)!.id]);
  });

  it('a passage without a dense score never clears the dense threshold (even one of 0)', async () => {
    // Lexical-only passages: their cosine similarity is unknown, not 0.
    const { answer, passages } = await ask('What are your opening hours?', {
      thresholds: { minLexicalScore: 1_000, minDenseScore: 0 },
    });
    expect(passages.every((p) => p.denseScore === undefined)).toBe(true);
    expect(answer.mode).toBe('handoff');
  });
});

describe('quote', () => {
  const passage = (over: Partial<Passage>): Passage => ({
    id: 'p1',
    title: 'Title',
    content: 'Content.',
    source: 'x.md',
    language: 'en',
    score: 0.016,
    ...over,
  });

  it("drops an FAQ entry's question line: the question is the bold title", () => {
    const q = 'How long do I have to return a product?';
    expect(quote(passage({ title: q, content: `${q} You have 30 days from delivery.` }))).toBe(
      `*${q}*\nYou have 30 days from delivery.`,
    );
    expect(quote(passage({ title: q, content: `${q}\nYou have 30 days.` }))).toBe(
      `*${q}*\nYou have 30 days.`,
    );
  });

  it('titles a section with the last part of its heading path', () => {
    expect(
      quote(
        passage({ title: 'Returns and refund policy › Who pays for return shipping', content: 'You do.' }),
      ),
    ).toBe('*Who pays for return shipping*\nYou do.');
  });

  it('converts **bold** to *bold* and drops heading markers', () => {
    const out = quote(
      passage({ content: '## Hours\n- **Monday to Friday: 9:00–18:00**\n- **Saturday**: 10:00–14:00' }),
    );
    expect(out).toBe('*Title*\nHours\n- *Monday to Friday: 9:00–18:00*\n- *Saturday*: 10:00–14:00');
  });

  it('keeps a short passage whole', () => {
    const content = 'A sentence. Another one.\n\nA third paragraph.';
    expect(quote(passage({ content }))).toBe(`*Title*\n${content}`);
  });

  it('cuts a long passage at the end of a sentence, with "…"', () => {
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} says something useful.`);
    const content = sentences.join(' ');
    const out = quote(passage({ content }));
    const body = out.slice('*Title*\n'.length);
    expect(body.endsWith(' …')).toBe(true);
    const kept = body.slice(0, -2);
    expect(kept.endsWith('.')).toBe(true);
    expect(content.startsWith(kept)).toBe(true);
    // Whole sentences only, a glance's worth: well under the whole, not a stub.
    expect(sentences).toContain(kept.split('. ').at(-1)!);
    expect(kept.length).toBeLessThanOrEqual(900);
    expect(kept.length).toBeGreaterThan(450);
    expect(content.length).toBeGreaterThan(1_500);
  });

  it('cuts a long list at the end of a line', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `- Item ${i}: a plain line without a full stop`);
    const out = quote(passage({ content: lines.join('\n') }));
    const kept = out.slice('*Title*\n'.length, -2);
    expect(out.endsWith(' …')).toBe(true);
    expect(lines).toContain(kept.split('\n').at(-1)!);
  });

  it('quotes every passage of the demo knowledge base at a glance', async () => {
    const rows = await db
      .selectFrom('kb_chunks')
      .select(['id', 'title', 'content', 'source', 'language'])
      .execute();
    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows) {
      const out = quote({ ...row, score: 0 });
      const [title, ...body] = out.split('\n');
      expect(title, row.title).toMatch(/^\*[^*]+\*$/);
      expect(out, row.title).not.toContain('**');
      expect(body.join('\n').length, row.title).toBeLessThanOrEqual(902);
      expect(body.join('\n').trim().length, row.title).toBeGreaterThan(0);
    }
  });
});
