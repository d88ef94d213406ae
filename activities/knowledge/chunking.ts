/**
 * Knowledge-base chunking: pure functions that turn Markdown, HTML, plain text and FAQ CSV files into
 * retrieval-sized chunks. Markdown is split at `#`/`##`/`###` headings (each chunk carries its heading
 * path as its title), long sections on paragraph, line, sentence then word boundaries. Chunk ids are
 * deterministic from (source, heading path, index) and `contentHash` is the sha256 of the normalised
 * content, so re-ingesting an unchanged document yields the same ids and hashes (nothing to re-embed).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';

export interface KnowledgeChunk {
  /** Deterministic UUID-shaped id (usable as a Qdrant point id). */
  id: string;
  /** Path of the source file, relative to the knowledge directory, with `/` separators. */
  source: string;
  /** Heading path ("Returns policy › Refund timing"), FAQ question, or document title. */
  title: string;
  language?: string;
  tags: string[];
  updatedAt?: string;
  content: string;
  /** sha256 (hex) of the normalised content. */
  contentHash: string;
}

export interface FrontMatter {
  title?: string;
  language?: string;
  tags: string[];
  updated?: string;
}

export interface ChunkOptions {
  /** Upper bound on a chunk's content length, in characters. Default 1200. */
  maxChars?: number;
  /** Characters of the previous piece repeated at the start of the next one when a section is split. Default 0. */
  overlapChars?: number;
}

export interface SourceDoc {
  source: string;
  text: string;
}

export const DEFAULT_MAX_CHARS = 1200;
export const TITLE_SEPARATOR = ' › ';

// ---------------------------------------------------------------------------------------------------
// Normalisation, hashing, ids

/** NFC, LF line endings, no trailing spaces, at most one blank line in a row, trimmed. */
export function normaliseContent(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A UUID-shaped id derived from a sha256 of the key (version nibble 5, RFC 4122 variant). */
export function chunkId(source: string, key: string, index: number): string {
  const h = sha256Hex(`${source}\u0000${key}\u0000${index}`);
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------------
// Front matter

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  return v;
}

function parseTagList(value: string): string[] {
  const v = value.trim();
  const inner = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v;
  return inner
    .split(/[,|]/)
    .map((t) => unquote(t).trim())
    .filter((t) => t.length > 0);
}

/**
 * Parses a small YAML-ish front matter block (`---` … `---`) at the very start of the text: `title`,
 * `language` (or `lang`), `tags` (`[a, b]`, `a, b` or a `- a` list) and `updated`. Without a block,
 * the whole text is the body.
 */
export function parseFrontMatter(text: string): { meta: FrontMatter; body: string } {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const meta: FrontMatter = { tags: [] };
  const m = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(src);
  if (!m) return { meta, body: src };
  const lines = (m[1] ?? '').split('\n');
  let listKey: string | undefined;
  for (const line of lines) {
    const item = /^\s+-\s+(.*)$/.exec(line) ?? /^-\s+(.*)$/.exec(line);
    if (item && listKey === 'tags') {
      const tag = unquote(item[1] ?? '');
      if (tag) meta.tags.push(tag);
      continue;
    }
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!kv) continue;
    const key = (kv[1] ?? '').toLowerCase();
    const value = kv[2] ?? '';
    listKey = value.trim() === '' ? key : undefined;
    switch (key) {
      case 'title':
        if (value.trim()) meta.title = unquote(value);
        break;
      case 'language':
      case 'lang':
        if (value.trim()) meta.language = unquote(value).toLowerCase();
        break;
      case 'tags':
        meta.tags.push(...parseTagList(value));
        break;
      case 'updated':
      case 'updated_at':
      case 'date':
        if (value.trim()) meta.updated = unquote(value);
        break;
      default:
        break;
    }
  }
  return { meta, body: src.slice(m[0].length) };
}

// ---------------------------------------------------------------------------------------------------
// Size-bounded splitting

/** Joins pieces (each ≤ budget) greedily with `separator` without exceeding budget. */
function pack(pieces: string[], separator: string, budget: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (!piece) continue;
    if (!current) current = piece;
    else if (current.length + separator.length + piece.length <= budget) current += separator + piece;
    else {
      out.push(current);
      current = piece;
    }
  }
  if (current) out.push(current);
  return out;
}

const SPLITTERS: Array<{ split: (t: string) => string[]; separator: string }> = [
  // Paragraphs (blank lines): lists and tables without blank lines stay one block.
  { split: (t) => t.split(/\n[ \t]*\n/), separator: '\n\n' },
  // Lines: list items, table rows.
  { split: (t) => t.split('\n'), separator: '\n' },
  // Sentences: keep the punctuation with the sentence.
  { split: (t) => t.split(/(?<=[.!?…;:])\s+/), separator: ' ' },
  // Words.
  { split: (t) => t.split(/\s+/), separator: ' ' },
];

/** Splits text into pieces of at most `budget` characters, at the coarsest boundary that works. */
export function splitToFit(text: string, budget: number, level = 0): string[] {
  const t = text.trim();
  if (!t) return [];
  if (t.length <= budget) return [t];
  for (let i = level; i < SPLITTERS.length; i++) {
    const splitter = SPLITTERS[i];
    if (!splitter) continue;
    const parts = splitter
      .split(t)
      .map((p) => p.trim())
      .filter(Boolean);
    if (parts.length > 1) {
      return pack(
        parts.flatMap((p) => splitToFit(p, budget, i + 1)),
        splitter.separator,
        budget,
      );
    }
  }
  // A single "word" longer than the budget (a URL, say): the only case cut mid-token.
  const out: string[] = [];
  for (let i = 0; i < t.length; i += budget) out.push(t.slice(i, i + budget));
  return out;
}

/** The end of `text`, at most `n` characters, starting at a word boundary. */
function tail(text: string, n: number): string {
  if (n <= 0) return '';
  if (text.length <= n) return text;
  const cut = text.slice(text.length - n);
  const ws = cut.search(/\s/);
  return ws < 0 ? '' : cut.slice(ws).trim();
}

function splitSection(text: string, opts: ChunkOptions | undefined): string[] {
  const maxChars = Math.max(50, opts?.maxChars ?? DEFAULT_MAX_CHARS);
  const overlap = Math.max(0, Math.min(opts?.overlapChars ?? 0, Math.floor(maxChars / 3)));
  const whole = splitToFit(text, maxChars);
  if (whole.length <= 1 || overlap === 0) return whole;
  const pieces = splitToFit(text, maxChars - overlap - 1);
  return pieces.map((p, i) => {
    const prev = i > 0 ? pieces[i - 1] : undefined;
    const t = prev ? tail(prev, overlap) : '';
    return t ? `${t}\n${p}` : p;
  });
}

// ---------------------------------------------------------------------------------------------------
// Sections → chunks

interface Section {
  path: string[];
  text: string;
}

function buildChunks(
  source: string,
  meta: FrontMatter,
  sections: Section[],
  fallbackTitle: string,
  opts: ChunkOptions | undefined,
): KnowledgeChunk[] {
  const chunks: KnowledgeChunk[] = [];
  const seen = new Map<string, number>();
  for (const section of sections) {
    const title = section.path.length > 0 ? section.path.join(TITLE_SEPARATOR) : fallbackTitle;
    for (const piece of splitSection(normaliseContent(section.text), opts)) {
      const content = normaliseContent(piece);
      if (!content) continue;
      const index = seen.get(title) ?? 0;
      seen.set(title, index + 1);
      chunks.push({
        id: chunkId(source, title, index),
        source,
        title,
        ...(meta.language ? { language: meta.language } : {}),
        tags: [...meta.tags],
        ...(meta.updated ? { updatedAt: meta.updated } : {}),
        content,
        contentHash: sha256Hex(content),
      });
    }
  }
  return chunks;
}

function titleFromSource(source: string): string {
  const name = basename(source, extname(source)).replace(/[-_]+/g, ' ').trim();
  return name ? name.charAt(0).toUpperCase() + name.slice(1) : source;
}

const HEADING = /^(#{1,3})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^\s*(```|~~~)/;

function cleanHeading(text: string): string {
  return text
    .replace(/\*\*|__|`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim();
}

/** Splits a Markdown body into sections by `#`–`###` headings (ignoring headings in code fences). */
function markdownSections(body: string): Section[] {
  const sections: Section[] = [];
  const stack: string[] = [];
  let path: string[] = [];
  let lines: string[] = [];
  let inFence = false;
  const flush = () => {
    const text = lines.join('\n');
    if (text.trim()) sections.push({ path, text });
    lines = [];
  };
  for (const line of body.split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    const h = inFence ? null : HEADING.exec(line);
    if (!h) {
      lines.push(line);
      continue;
    }
    flush();
    const level = (h[1] ?? '#').length;
    stack.length = Math.min(stack.length, level - 1);
    while (stack.length < level - 1) stack.push('');
    stack.push(cleanHeading(h[2] ?? ''));
    path = stack.filter(Boolean);
  }
  flush();
  return sections;
}

function chunkMarkdownWithMeta(
  source: string,
  meta: FrontMatter,
  body: string,
  opts: ChunkOptions | undefined,
): KnowledgeChunk[] {
  const fallback = meta.title ?? titleFromSource(source);
  return buildChunks(source, meta, markdownSections(body), fallback, opts);
}

/** Heading-aware chunking of a Markdown document (with optional front matter). */
export function chunkMarkdown(doc: SourceDoc, opts?: ChunkOptions): KnowledgeChunk[] {
  const { meta, body } = parseFrontMatter(doc.text);
  return chunkMarkdownWithMeta(doc.source, meta, body, opts);
}

/** Plain text: paragraphs packed into chunks; title from front matter or the file name. */
export function chunkText(doc: SourceDoc, opts?: ChunkOptions): KnowledgeChunk[] {
  const { meta, body } = parseFrontMatter(doc.text);
  const title = meta.title ?? titleFromSource(doc.source);
  return buildChunks(doc.source, meta, [{ path: [], text: body }], title, opts);
}

// ---------------------------------------------------------------------------------------------------
// HTML

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  euro: '€',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
  ecirc: 'ê',
  rsquo: '’',
  lsquo: '‘',
  ldquo: '“',
  rdquo: '”',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  laquo: '«',
  raquo: '»',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) {
      const cp = parseInt(name.slice(2), 16);
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    if (name.startsWith('#')) {
      const cp = parseInt(name.slice(1), 10);
      return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const inlineText = (html: string) =>
  decodeEntities(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();

/** A small regex-based HTML → Markdown conversion: h1–h3 become headings, blocks become paragraphs. */
export function htmlToMarkdown(html: string): { meta: FrontMatter; markdown: string } {
  const meta: FrontMatter = { tags: [] };
  const lang = /<html[^>]*\blang\s*=\s*["']?([A-Za-z-]+)/i.exec(html);
  if (lang?.[1]) meta.language = lang[1].toLowerCase().split('-')[0];
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  if (title?.[1] && inlineText(title[1])) meta.title = inlineText(title[1]);
  const keywords = /<meta[^>]*name\s*=\s*["']keywords["'][^>]*content\s*=\s*["']([^"']*)["']/i.exec(html);
  if (keywords?.[1]) meta.tags = parseTagList(keywords[1]);

  const md = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head|noscript|template|svg)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(
      /<h([1-3])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi,
      (_m, level: string, inner: string) => `\n\n${'#'.repeat(Number(level))} ${inlineText(inner)}\n\n`,
    )
    .replace(
      /<h[4-6]\b[^>]*>([\s\S]*?)<\/h[4-6]\s*>/gi,
      (_m, inner: string) => `\n\n${inlineText(inner)}\n\n`,
    )
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/t[dh]\s*>/gi, ' | ')
    .replace(/<tr\b[^>]*>/gi, '\n| ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(
      /<\/?(p|div|section|article|header|footer|main|nav|ul|ol|table|blockquote|pre|dl|aside)\b[^>]*>/gi,
      '\n\n',
    )
    .replace(/<\/?(tr|thead|tbody|dt|dd)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  const markdown = decodeEntities(md)
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return { meta, markdown };
}

/** HTML page: tags stripped, h1–h3 treated as headings. */
export function chunkHtml(doc: SourceDoc, opts?: ChunkOptions): KnowledgeChunk[] {
  const { meta, markdown } = htmlToMarkdown(doc.text);
  return chunkMarkdownWithMeta(doc.source, meta, markdown, opts);
}

// ---------------------------------------------------------------------------------------------------
// CSV (RFC 4180)

/**
 * Parses CSV text into rows of fields (RFC 4180): fields may be quoted with `"`, a doubled `""` is a
 * literal quote, and quoted fields may hold commas and line breaks. CRLF or LF records; a leading BOM
 * and blank lines are ignored.
 */
export function parseCsv(text: string): string[][] {
  const src = text.replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const endField = () => {
    row.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRow = () => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (let i = 0; i < src.length; i++) {
    const c = src.charAt(i);
    if (quoted) {
      if (c === '"') {
        if (src.charAt(i + 1) === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') endField();
    else if (c === '\n') endRow();
    else if (c === '\r') {
      if (src.charAt(i + 1) === '\n') i++;
      endRow();
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (field !== '' || fieldStarted || row.length > 0) endRow();
  return rows;
}

/**
 * FAQ CSV with a header row `question,answer,language,tags[,updated]` (tags separated by `|`): one
 * chunk per row, title = question, content = question + answer. Ids are derived from the question,
 * so reordering rows does not change them.
 */
export function parseFaqCsv(csvText: string, source: string): KnowledgeChunk[] {
  const [header, ...records] = parseCsv(csvText);
  if (!header) return [];
  const col = (name: string) => header.findIndex((h) => h.trim().toLowerCase() === name);
  const qi = col('question');
  const ai = col('answer');
  if (qi < 0 || ai < 0) throw new Error(`${source}: FAQ CSV needs "question" and "answer" columns`);
  const li = col('language');
  const ti = col('tags');
  const ui = col('updated');
  const chunks: KnowledgeChunk[] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const question = normaliseContent(record[qi] ?? '').replace(/\s+/g, ' ');
    const answer = normaliseContent(record[ai] ?? '');
    if (!question || !answer) continue;
    const language = li >= 0 ? (record[li] ?? '').trim().toLowerCase() : '';
    const tags = ti >= 0 ? parseTagList(record[ti] ?? '') : [];
    const updated = ui >= 0 ? (record[ui] ?? '').trim() : '';
    const content = normaliseContent(`${question}\n${answer}`);
    const index = seen.get(question) ?? 0;
    seen.set(question, index + 1);
    chunks.push({
      id: chunkId(source, question, index),
      source,
      title: question,
      ...(language ? { language } : {}),
      tags,
      ...(updated ? { updatedAt: updated } : {}),
      content,
      contentHash: sha256Hex(content),
    });
  }
  return chunks;
}

// ---------------------------------------------------------------------------------------------------
// Directory loading

export const KNOWLEDGE_EXTENSIONS = ['.md', '.markdown', '.html', '.htm', '.txt', '.csv'] as const;

/** Chunks one file's text by extension (`undefined` for unsupported types). */
export function chunkDocument(doc: SourceDoc, opts?: ChunkOptions): KnowledgeChunk[] | undefined {
  switch (extname(doc.source).toLowerCase()) {
    case '.md':
    case '.markdown':
      return chunkMarkdown(doc, opts);
    case '.html':
    case '.htm':
      return chunkHtml(doc, opts);
    case '.txt':
      return chunkText(doc, opts);
    case '.csv':
      return parseFaqCsv(doc.text, doc.source);
    default:
      return undefined;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/** The supported files under `dir` (recursive, stable order, dot files skipped), relative with `/`. */
export async function listKnowledgeFiles(dir: string): Promise<string[]> {
  return (await listFiles(dir))
    .filter((file) => (KNOWLEDGE_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase()))
    .map((file) => relative(dir, file).split(sep).join('/'));
}

/** Reads every supported file under `dir` and returns their chunks (`source` as listKnowledgeFiles). */
export async function loadKnowledgeDir(dir: string, opts?: ChunkOptions): Promise<KnowledgeChunk[]> {
  const chunks: KnowledgeChunk[] = [];
  for (const source of await listKnowledgeFiles(dir)) {
    const text = await readFile(join(dir, source), 'utf8');
    chunks.push(...(chunkDocument({ source, text }, opts) ?? []));
  }
  return chunks;
}
