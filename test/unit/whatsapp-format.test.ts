/**
 * Model output made fit for WhatsApp: Markdown → WhatsApp's own light formatting, and long answers
 * split into messages under the limit at the most natural boundary, never losing a character.
 */
import { describe, expect, it } from 'vitest';
import { splitForWhatsApp, toWhatsAppText, WHATSAPP_TEXT_LIMIT } from '../../domain/whatsapp-format.js';
import { rng } from '../support/rng.js';

const nonSpace = (s: string) => s.replace(/\s+/g, '');
/** A lone UTF-16 surrogate: half an emoji, shown as � once encoded. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('toWhatsAppText', () => {
  it('turns **bold**, __italic__ and ~~strike~~ into WhatsApp markers', () => {
    expect(toWhatsAppText('Your order is **on its way** and **insured**.')).toBe(
      'Your order is *on its way* and *insured*.',
    );
    expect(toWhatsAppText('This is __important__.')).toBe('This is _important_.');
    expect(toWhatsAppText('Was ~~€59.90~~ now €49.90')).toBe('Was ~€59.90~ now €49.90');
    expect(toWhatsAppText('**A** __b__ ~~c~~')).toBe('*A* _b_ ~c~');
  });

  it('renders headings as a bold line, without nested markers', () => {
    expect(toWhatsAppText('# Returns')).toBe('*Returns*');
    expect(toWhatsAppText('### How to **return** a product')).toBe('*How to return a product*');
    expect(toWhatsAppText('## Step 1\nPack the product.')).toBe('*Step 1*\nPack the product.');
    expect(toWhatsAppText('Text\n\n###### Deepest')).toBe('Text\n\n*Deepest*');
    // Not headings: no space after the hashes, or more than six.
    expect(toWhatsAppText('#hashtag')).toBe('#hashtag');
    expect(toWhatsAppText('####### seven')).toBe('####### seven');
  });

  it('turns "* item" and "+ item" bullets into "- item", keeping indentation and inline emphasis', () => {
    expect(toWhatsAppText('* Visa\n* **PayPal**\n+ Klarna\n- iDEAL')).toBe(
      '- Visa\n- *PayPal*\n- Klarna\n- iDEAL',
    );
    expect(toWhatsAppText('* Cards\n  * Visa\n  + Mastercard')).toBe('- Cards\n  - Visa\n  - Mastercard');
    // Emphasis at the start of a line is not a bullet.
    expect(toWhatsAppText('*Note:* bring your receipt')).toBe('*Note:* bring your receipt');
  });

  it('keeps the text of a table without rows and of a lone "| … |" line', () => {
    expect(toWhatsAppText('Before\n| Zone | Price |\n|---|---|\nAfter')).toBe('Before\nZone | Price\nAfter');
    expect(toWhatsAppText('| keep me |')).toBe('keep me');
  });

  it('turns a Markdown table into "- header: value" lines and drops the separator row', () => {
    const markdown = [
      'Shipping costs:',
      '',
      '| Zone | Countries | Standard |',
      '|------|:---------:|---------:|',
      '| 1 | France | €4.90 |',
      '| 2 | Belgium, Luxembourg | **€6.90** |',
      '',
      'Free from €49.',
    ].join('\n');
    const out = toWhatsAppText(markdown);
    expect(out).toBe(
      [
        'Shipping costs:',
        '',
        '- Zone: 1, Countries: France, Standard: €4.90',
        '- Zone: 2, Countries: Belgium, Luxembourg, Standard: *€6.90*',
        '',
        'Free from €49.',
      ].join('\n'),
    );
    expect(out).not.toContain('|');
    expect(out).not.toMatch(/-{2,}/);
  });

  it('gives each table its own header', () => {
    const markdown = [
      '| Product | Price |',
      '| --- | --- |',
      '| K2 | €59.90 |',
      '',
      '| Carrier | Days |',
      '| :-- | --: |',
      '| DPD | 2 |',
    ].join('\n');
    expect(toWhatsAppText(markdown)).toBe('- Product: K2, Price: €59.90\n\n- Carrier: DPD, Days: 2');
  });

  it('writes links as "label (url)", and a bare-URL link as the URL', () => {
    expect(toWhatsAppText('See [our returns page](https://parleyhome.eu/returns).')).toBe(
      'See our returns page (https://parleyhome.eu/returns).',
    );
    expect(toWhatsAppText('Track it: [https://dpd.de/t/1](https://dpd.de/t/1)')).toBe(
      'Track it: https://dpd.de/t/1',
    );
    expect(toWhatsAppText('[a](https://a.eu) and [b](https://b.eu)')).toBe(
      'a (https://a.eu) and b (https://b.eu)',
    );
  });

  it('leaves the URL of a link untouched', () => {
    // A link is only useful if the customer can open it: emphasis rules must not rewrite it.
    const url = 'https://parleyhome.eu/help/return__label__pdf';
    expect(toWhatsAppText(`Print [the label](${url}).`)).toBe(`Print the label (${url}).`);
  });

  it('collapses three or more blank lines into one', () => {
    expect(toWhatsAppText('Hello\n\n\n\nWorld')).toBe('Hello\n\nWorld');
    // Lines of spaces are blank too.
    expect(toWhatsAppText('Hello\n  \n\t\n\nWorld')).toBe('Hello\n\nWorld');
    // One blank line is kept.
    expect(toWhatsAppText('Hello\n\nWorld')).toBe('Hello\n\nWorld');
  });

  it('leaves text without Markdown unchanged', () => {
    const plain = [
      'Hi Alex! Your order 1042 is on its way 🚚',
      '',
      'Expected delivery: 27 November (between 9:00 and 18:00).',
      '- C7 capsule coffee machine',
      '- M1 milk frother',
      '1. Open the box',
      'Price: 5 * 3 = 15 euros; use code WELCOME_10, 50% off.',
      'Email support@parleyhome.eu or call +33 4 78 00 12 34.',
    ].join('\n');
    expect(toWhatsAppText(plain)).toBe(plain);
  });

  it('is idempotent: WhatsApp text stays as it is', () => {
    const samples = [
      '# Title\n\nSome **bold** and __it__ and ~~old~~.\n\n* a\n+ b',
      '| a | b |\n|---|---|\n| 1 | 2 |\n\nSee [x](https://x.eu).',
      'Line\r\nwith CRLF\r\n\r\n\r\n\r\nend',
    ];
    for (const markdown of samples) {
      const once = toWhatsAppText(markdown);
      expect(toWhatsAppText(once)).toBe(once);
      expect(once).not.toContain('\r');
      expect(once).not.toMatch(/\n{3,}/);
    }
  });
});

describe('splitForWhatsApp', () => {
  it('keeps a short text in one message', () => {
    expect(splitForWhatsApp('Your order is on its way.')).toEqual(['Your order is on its way.']);
    expect(splitForWhatsApp('  padded  \n')).toEqual(['padded']);
    const exactly = 'a'.repeat(WHATSAPP_TEXT_LIMIT);
    expect(splitForWhatsApp(exactly)).toEqual([exactly]);
    expect(splitForWhatsApp('   \n ')).toEqual([]);
  });

  it('splits at a paragraph break first, even with line and sentence ends after it', () => {
    const first = `${'a'.repeat(30)}\n${'b'.repeat(20)}. ${'c'.repeat(16)}`; // 70 chars
    const second = `${'d'.repeat(20)}.\nTwo. ${'e'.repeat(30)}`;
    const parts = splitForWhatsApp(`${first}\n\n${second}`, 100);
    expect(parts).toEqual([first, second]);
  });

  it('splits at a line break when no paragraph break is in reach, before a later sentence end', () => {
    const first = `${'a'.repeat(30)}. ${'b'.repeat(38)}`; // 70 chars
    const second = `${'c'.repeat(10)}. ${'d'.repeat(40)}`;
    expect(splitForWhatsApp(`${first}\n${second}`, 100)).toEqual([first, second]);
  });

  it('splits after a sentence end when there is no line break in reach', () => {
    // "stop!" ends at index 94; short words after it would allow a later cut between words.
    const text = `${'word '.repeat(12)}end. ${'more '.repeat(5)}stop! ${'x '.repeat(20)}`.trim();
    const parts = splitForWhatsApp(text, 100);
    // The last sentence end within the first 100 characters is "stop!" (not the earlier "end.").
    expect(parts[0]).toBe(`${'word '.repeat(12)}end. ${'more '.repeat(5)}stop!`);
    expect(parts.join(' ')).toBe(text);
  });

  it('splits between words when there is no sentence end in reach', () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const text = words.join(' ');
    const parts = splitForWhatsApp(text, 50);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(50);
    // Every part is whole words, and (nearly) as many as fit.
    expect(parts.join(' ')).toBe(text);
    for (let i = 0; i < parts.length - 1; i++) {
      const nextWord = parts[i + 1]!.split(' ')[0]!;
      expect(`${parts[i]} ${nextWord}`.length).toBeGreaterThanOrEqual(50);
    }
  });

  it('ignores a boundary so early that it would leave a tiny message', () => {
    const text = `Hi!\n\n${'word '.repeat(30)}`.trim();
    const parts = splitForWhatsApp(text, 100);
    expect(parts[0]!.startsWith('Hi!\n\nword')).toBe(true);
    expect(parts[0]!.length).toBeGreaterThan(50);
  });

  it('hard-cuts a 10,000-character text without any boundary, losing nothing', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const parts = splitForWhatsApp(text);
    expect(parts).toHaveLength(Math.ceil(10_000 / WHATSAPP_TEXT_LIMIT));
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(WHATSAPP_TEXT_LIMIT);
    expect(parts.join('')).toBe(text);
  });

  it('hard-cuts a long URL inside a sentence into pieces under the limit', () => {
    const url = `https://example.com/${'x'.repeat(9_000)}`;
    const text = `Open ${url} to see it.`;
    const parts = splitForWhatsApp(text);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(WHATSAPP_TEXT_LIMIT);
    expect(nonSpace(parts.join(''))).toBe(nonSpace(text));
  });

  it('never cuts an emoji in half', () => {
    // 6,001 UTF-16 code units and no boundary: the hard cut at 4,096 falls inside a surrogate pair.
    const text = `x${'😀'.repeat(3_000)}`;
    const parts = splitForWhatsApp(text);
    expect(parts.join('')).toBe(text);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(WHATSAPP_TEXT_LIMIT);
      expect(LONE_SURROGATE.test(part), 'a part holds half a surrogate pair').toBe(false);
    }
  });

  describe('property: random texts of words, sentences and paragraphs', () => {
    const LETTERS = 'abcdefghijklmnopqrstuvwxyzéèàüöß';
    const SENTENCE_ENDS = ['.', '!', '?', '…'];
    const LIMITS = [30, 64, 100, 280, 1000];

    function randomText(random: () => number): string {
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
      const word = () =>
        Array.from({ length: 1 + Math.floor(random() * 10) }, () => pick([...LETTERS])).join('');
      const sentence = () => {
        const words = Array.from({ length: 1 + Math.floor(random() * 15) }, word);
        words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
        return `${words.join(' ')}${pick(SENTENCE_ENDS)}`;
      };
      const line = () =>
        `${random() < 0.2 ? '- ' : ''}${Array.from({ length: 1 + Math.floor(random() * 4) }, sentence).join(' ')}`;
      const paragraph = () => Array.from({ length: 1 + Math.floor(random() * 3) }, line).join('\n');
      const paragraphs = Array.from({ length: 1 + Math.floor(random() * 12) }, paragraph);
      let text = paragraphs.join(random() < 0.5 ? '\n\n' : '\n\n\n');
      if (random() < 0.2) text = `  ${text}\n`;
      return text;
    }

    const random = rng(20261125);
    const cases = Array.from({ length: 300 }, (_, i) => ({
      i,
      text: randomText(random),
      limit: LIMITS[i % LIMITS.length]!,
    }));

    it('keeps every message under the limit, in order, losing nothing and never cutting a word', () => {
      for (const { i, text, limit } of cases) {
        const label = `case ${i} (limit ${limit})`;
        const parts = splitForWhatsApp(text, limit);
        const trimmed = text.trim();
        if (trimmed.length <= limit) {
          expect(parts, label).toEqual([trimmed]);
          continue;
        }
        expect(nonSpace(parts.join('')), label).toBe(nonSpace(text));
        let at = 0;
        for (const [n, part] of parts.entries()) {
          expect(part.length, label).toBeGreaterThan(0);
          expect(part.length, label).toBeLessThanOrEqual(limit);
          expect(part, label).toBe(part.trim());
          while (/\s/.test(trimmed.charAt(at))) at++;
          // Each message is the next stretch of the text, exactly (only whitespace is dropped between).
          expect(trimmed.startsWith(part, at), `${label}: part ${n} is not the next stretch`).toBe(true);
          const end = at + part.length;
          if (n < parts.length - 1) {
            // Words are at most 11 characters here: there is always a boundary in reach.
            expect(trimmed.charAt(end), `${label}: part ${n} ends mid-word`).toMatch(/\s/);
            // The cut (the whitespace after the part included) is never in the first half of the window.
            let next = end;
            while (/\s/.test(trimmed.charAt(next))) next++;
            expect(next - at, `${label}: part ${n} is needlessly short`).toBeGreaterThanOrEqual(limit / 2);
            const window = trimmed.slice(at, at + limit);
            const gap = trimmed.slice(end, end + 3);
            const inSecondHalf = (pattern: RegExp) =>
              [...window.matchAll(pattern)].some((m) => m.index >= limit / 2);
            if (inSecondHalf(/\n\n/g)) {
              expect(gap.startsWith('\n\n'), `${label}: part ${n} missed a paragraph break`).toBe(true);
            } else if (inSecondHalf(/\n/g)) {
              expect(gap.startsWith('\n'), `${label}: part ${n} missed a line break`).toBe(true);
            } else if (inSecondHalf(/[.!?…](?=\s)/g)) {
              expect(part, `${label}: part ${n} missed a sentence end`).toMatch(/[.!?…]$/);
            }
          }
          at = end;
        }
        expect(trimmed.slice(at).trim(), label).toBe('');
      }
    });
  });
});
