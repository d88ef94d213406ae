/**
 * Knowledge-base chunking: front matter, heading-aware Markdown splitting under a size limit, HTML and
 * plain text, RFC 4180 FAQ CSV, stable ids and content hashes, and the demo knowledge base.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chunkHtml,
  chunkMarkdown,
  chunkText,
  loadKnowledgeDir,
  parseCsv,
  parseFaqCsv,
  parseFrontMatter,
  splitToFit,
} from '../../activities/knowledge/chunking.js';

const DEMO_DIR = join(import.meta.dirname, '../../knowledge/demo');

const words = (n: number, seed = 'word') =>
  Array.from({ length: n }, (_, i) => `${seed}${i % 7 === 0 ? 'extralong' : ''}${i}`).join(' ');

/** Every whitespace-separated token of the source appears intact in some chunk. */
function expectNoMidWordSplits(source: string, chunks: string[]) {
  const tokens = new Set(chunks.flatMap((c) => c.split(/\s+/)).filter(Boolean));
  for (const token of source.split(/\s+/).filter(Boolean)) {
    if (token.startsWith('#')) continue;
    expect(tokens.has(token), `token "${token}" was split`).toBe(true);
  }
}

const POLICY = `---
title: Returns policy
language: en
tags: [returns, refunds]
updated: 2026-11-01
---

# Returns policy

Intro paragraph about returns.

## Return window

You have 30 days.

## Refund timing

Refunds take 5 to 10 business days.

### Card refunds

Cards take 2 to 5 more days.

## Shipping costs

| Case | Who pays |
| ---- | -------- |
| Defect | We do |
| Change of mind | You do |
`;

describe('parseFrontMatter', () => {
  it('reads title, language, tags and updated, and strips the block', () => {
    const { meta, body } = parseFrontMatter(POLICY);
    expect(meta).toEqual({
      title: 'Returns policy',
      language: 'en',
      tags: ['returns', 'refunds'],
      updated: '2026-11-01',
    });
    expect(body.startsWith('\n# Returns policy')).toBe(true);
  });

  it('accepts quoted values, comma lists, YAML lists and CRLF', () => {
    const a = parseFrontMatter('---\r\ntitle: "Hello: world"\r\ntags: a, b\r\nlang: FR\r\n---\r\nBody');
    expect(a.meta).toEqual({ title: 'Hello: world', language: 'fr', tags: ['a', 'b'] });
    expect(a.body).toBe('Body');
    const b = parseFrontMatter("---\ntags:\n  - one\n  - 'two'\n---\nx");
    expect(b.meta.tags).toEqual(['one', 'two']);
  });

  it('returns the whole text when there is no front matter', () => {
    expect(parseFrontMatter('# Title\n\ntext')).toEqual({ meta: { tags: [] }, body: '# Title\n\ntext' });
    expect(parseFrontMatter('text\n---\ntitle: x\n---').meta).toEqual({ tags: [] });
  });
});

describe('chunkMarkdown', () => {
  const chunks = chunkMarkdown({ source: 'en/returns.md', text: POLICY });

  it('gives each section its heading path as title', () => {
    expect(chunks.map((c) => c.title)).toEqual([
      'Returns policy',
      'Returns policy › Return window',
      'Returns policy › Refund timing',
      'Returns policy › Refund timing › Card refunds',
      'Returns policy › Shipping costs',
    ]);
    expect(chunks[1]?.content).toBe('You have 30 days.');
  });

  it('carries the front-matter metadata', () => {
    for (const c of chunks) {
      expect(c.source).toBe('en/returns.md');
      expect(c.language).toBe('en');
      expect(c.tags).toEqual(['returns', 'refunds']);
      expect(c.updatedAt).toBe('2026-11-01');
      expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(c.contentHash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('keeps a table whole', () => {
    const table = chunks.find((c) => c.title.endsWith('Shipping costs'));
    expect(table?.content.split('\n')).toHaveLength(4);
  });

  it('resets deeper headings when a shallower one appears, and ignores # inside code fences', () => {
    const md = '# A\n\n### A3\n\nx\n\n## B\n\n```\n# not a heading\n```\n\ny';
    const titles = chunkMarkdown({ source: 's.md', text: md }).map((c) => c.title);
    expect(titles).toEqual(['A › A3', 'A › B']);
  });

  it('uses the front-matter title or the file name when there is no heading', () => {
    expect(chunkMarkdown({ source: 'x/opening-hours.md', text: 'Open 9-18.' })[0]?.title).toBe(
      'Opening hours',
    );
    expect(chunkMarkdown({ source: 'x.md', text: '---\ntitle: T\n---\nBody' })[0]?.title).toBe('T');
  });

  it('splits long sections under maxChars, on paragraphs then sentences, never inside a word', () => {
    const paragraphs = Array.from({ length: 6 }, (_, p) =>
      Array.from({ length: 8 }, (_, s) => `Sentence ${p}.${s} ${words(9, `w${p}${s}x`)}.`).join(' '),
    );
    const text = `# Long\n\n${paragraphs.join('\n\n')}`;
    for (const maxChars of [200, 500, 1200]) {
      const out = chunkMarkdown({ source: 'long.md', text }, { maxChars });
      expect(out.length).toBeGreaterThan(1);
      for (const c of out) {
        expect(c.content.length).toBeLessThanOrEqual(maxChars);
        expect(c.title).toBe('Long');
      }
      expectNoMidWordSplits(
        paragraphs.join('\n\n'),
        out.map((c) => c.content),
      );
    }
    // Sentence boundaries are used when a paragraph does not fit: chunks end with a full stop.
    const out = chunkMarkdown({ source: 'long.md', text }, { maxChars: 500 });
    for (const c of out) expect(c.content.endsWith('.')).toBe(true);
    // Ids are distinct within one heading path.
    expect(new Set(out.map((c) => c.id)).size).toBe(out.length);
  });

  it('falls back to word boundaries for a single very long sentence', () => {
    const sentence = words(400);
    const out = chunkText({ source: 'one.txt', text: sentence }, { maxChars: 300 });
    expect(out.length).toBeGreaterThan(5);
    for (const c of out) expect(c.content.length).toBeLessThanOrEqual(300);
    expectNoMidWordSplits(
      sentence,
      out.map((c) => c.content),
    );
  });

  it('adds overlap between pieces of a split section without exceeding maxChars', () => {
    const text = `# S\n\n${Array.from({ length: 30 }, (_, i) => `Sentence number ${i} is here.`).join(' ')}`;
    const out = chunkMarkdown({ source: 'o.md', text }, { maxChars: 200, overlapChars: 40 });
    expect(out.length).toBeGreaterThan(2);
    for (const c of out) expect(c.content.length).toBeLessThanOrEqual(200);
    const firstWords = out[1]?.content.split(/\s+/).slice(0, 2).join(' ') ?? '';
    expect(out[0]?.content).toContain(firstWords);
  });

  it('keeps a list whole when it fits and splits it between items when it does not', () => {
    const list = Array.from({ length: 20 }, (_, i) => `- item number ${i} with some text`).join('\n');
    const whole = chunkMarkdown({ source: 'l.md', text: `# L\n\n${list}` }, { maxChars: 1200 });
    expect(whole).toHaveLength(1);
    const split = chunkMarkdown({ source: 'l.md', text: `# L\n\n${list}` }, { maxChars: 200 });
    for (const c of split) {
      expect(c.content.length).toBeLessThanOrEqual(200);
      for (const line of c.content.split('\n')) expect(line).toMatch(/^- item number \d+ with some text$/);
    }
  });

  it('is deterministic: same ids and hashes across runs; hashes follow content changes', () => {
    const again = chunkMarkdown({ source: 'en/returns.md', text: POLICY });
    expect(again).toEqual(chunks);
    const edited = chunkMarkdown({
      source: 'en/returns.md',
      text: POLICY.replace('You have 30 days.', 'You have 60 days.'),
    });
    expect(edited.map((c) => c.id)).toEqual(chunks.map((c) => c.id));
    const changed = edited.filter((c, i) => c.contentHash !== chunks[i]?.contentHash);
    expect(changed.map((c) => c.title)).toEqual(['Returns policy › Return window']);
    // Whitespace-only changes do not change the hash.
    const reflowed = chunkMarkdown({ source: 'en/returns.md', text: POLICY.replace(/\n/g, '\r\n') });
    expect(reflowed.map((c) => c.contentHash)).toEqual(chunks.map((c) => c.contentHash));
    // Ids depend on the source.
    const other = chunkMarkdown({ source: 'fr/returns.md', text: POLICY });
    expect(other[0]?.id).not.toBe(chunks[0]?.id);
  });

  it('keeps ids of untouched sections when a section is inserted before them', () => {
    const inserted = chunkMarkdown({
      source: 'en/returns.md',
      text: POLICY.replace('## Refund timing', '## Exchanges\n\nNo exchanges.\n\n## Refund timing'),
    });
    const byTitle = new Map(inserted.map((c) => [c.title, c.id]));
    for (const c of chunks) expect(byTitle.get(c.title)).toBe(c.id);
  });
});

describe('splitToFit', () => {
  it('cuts only an over-long single token', () => {
    expect(splitToFit('a'.repeat(25), 10)).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5)]);
    expect(splitToFit('short', 10)).toEqual(['short']);
    expect(splitToFit('   ', 10)).toEqual([]);
  });
});

describe('chunkHtml', () => {
  it('strips tags, scripts and entities and uses h1–h3 as headings', () => {
    const html = `<!doctype html><html lang="fr-FR"><head><title>Livraison</title>
      <style>h1{color:red}</style><script>alert('x')</script></head><body>
      <h1>Livraison</h1><p>Gratuite d&egrave;s 49&nbsp;&euro; &amp; plus.</p>
      <h2 class="x">Délais</h2><ul><li>France : 2–3 jours</li><li>Belgique : 3–4 jours</li></ul>
      <h3>Express</h3><p>UPS<br>1 jour</p><h4>Note</h4><p>Hors &#8220;DOM&#8221;.</p></body></html>`;
    const out = chunkHtml({ source: 'web/livraison.html', text: html });
    expect(out.map((c) => c.title)).toEqual([
      'Livraison',
      'Livraison › Délais',
      'Livraison › Délais › Express',
    ]);
    expect(out[0]?.content).toBe('Gratuite dès 49 € & plus.');
    expect(out[1]?.content).toBe('- France : 2–3 jours\n- Belgique : 3–4 jours');
    expect(out[2]?.content).toContain('UPS\n1 jour');
    expect(out[2]?.content).toContain('Hors “DOM”.');
    expect(out.every((c) => c.language === 'fr')).toBe(true);
    expect(out.map((c) => c.content).join(' ')).not.toMatch(/[<>]|alert|color/);
  });
});

describe('chunkText', () => {
  it('packs paragraphs under one title from the file name', () => {
    const out = chunkText({ source: 'notes/store-notes.txt', text: 'First.\n\nSecond.' });
    expect(out).toHaveLength(1);
    expect(out[0]?.title).toBe('Store notes');
    expect(out[0]?.content).toBe('First.\n\nSecond.');
  });
});

describe('parseCsv / parseFaqCsv', () => {
  it('handles quotes, escaped quotes, commas and newlines in quoted fields, CRLF and BOM', () => {
    const csv = '\uFEFFa,b,c\r\n"x, y","say ""hi""","line1\r\nline2"\r\n,,\r\nplain,"",last\r\n\r\n';
    expect(parseCsv(csv)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'line1\r\nline2'],
      ['', '', ''],
      ['plain', '', 'last'],
    ]);
    expect(parseCsv('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(() => parseCsv('a,"b\n1,2')).toThrow(/unterminated/);
  });

  it('turns rows into chunks titled by the question', () => {
    const header = 'question,answer,language,tags';
    const rows = [
      '"Can I pay, later?","Yes, with ""Klarna"" in 3 instalments.\nFrom €100.",en,payment|klarna',
      'Empty answer,,en,x',
      'Puis-je payer en 3 fois ?,"Oui, avec Klarna.",FR,paiement',
    ];
    const csv = [header, ...rows].join('\n');
    const out = parseFaqCsv(csv, 'faq.csv');
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({
      source: 'faq.csv',
      title: 'Can I pay, later?',
      language: 'en',
      tags: ['payment', 'klarna'],
      content: 'Can I pay, later?\nYes, with "Klarna" in 3 instalments.\nFrom €100.',
    });
    expect(out[1]).toMatchObject({ language: 'fr', tags: ['paiement'] });
    expect(parseFaqCsv(csv, 'faq.csv')).toEqual(out);
    // Ids follow the question, not the row position.
    const reordered = parseFaqCsv([header, ...rows.reverse()].join('\n'), 'faq.csv');
    expect(new Set(reordered.map((c) => c.id))).toEqual(new Set(out.map((c) => c.id)));
  });

  it('rejects a CSV without question/answer columns', () => {
    expect(() => parseFaqCsv('q,a\nx,y', 'bad.csv')).toThrow(/question/);
  });
});

describe('demo knowledge base', () => {
  it('loads into ≥ 60 non-empty, titled chunks in English and French, deterministically', async () => {
    const chunks = await loadKnowledgeDir(DEMO_DIR);
    expect(chunks.length).toBeGreaterThanOrEqual(60);
    const languages = new Set(chunks.map((c) => c.language));
    expect(languages.has('en')).toBe(true);
    expect(languages.has('fr')).toBe(true);
    for (const c of chunks) {
      expect(c.content.trim().length, c.source).toBeGreaterThan(0);
      expect(c.title.trim().length, c.source).toBeGreaterThan(0);
      expect(c.content.length, `${c.source} ${c.title}`).toBeLessThanOrEqual(1200);
      expect(c.tags.length, c.source).toBeGreaterThan(0);
      expect(c.source).not.toMatch(/\\/);
    }
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
    expect(chunks.filter((c) => c.source === 'faq.csv').length).toBeGreaterThanOrEqual(30);
    expect(chunks.some((c) => c.title === 'Returns and refund policy › Refund timing')).toBe(true);
    expect(await loadKnowledgeDir(DEMO_DIR)).toEqual(chunks);
  });
});
