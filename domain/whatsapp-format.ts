/**
 * Model output made fit for WhatsApp: its own light formatting (*bold*, _italic_, ~strike~, "- "
 * lists), no Markdown headings, tables or link syntax, and at most 4,096 characters per message —
 * longer answers are split on paragraph, line, sentence or word boundaries, never mid-word.
 * Pure and deterministic: it runs in the workflow.
 */

/** WhatsApp's limit on a text message body. */
export const WHATSAPP_TEXT_LIMIT = 4096;

export function toWhatsAppText(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let tableHeader: string[] | undefined;
  let headerHadRows = false;
  // A lone `| … |` line or a table without rows is kept as a plain line, not dropped.
  const flushHeader = () => {
    if (tableHeader && !headerHadRows) out.push(tableHeader.join(' | '));
    tableHeader = undefined;
    headerHadRows = false;
  };
  for (const raw of lines) {
    const line = raw.trimEnd();
    const cells = tableCells(line);
    if (cells) {
      if (cells.every((c) => /^:?-{2,}:?$/.test(c))) continue; // the |---|---| separator
      if (!tableHeader) {
        tableHeader = cells;
        continue;
      }
      headerHadRows = true;
      // A table row becomes a list item: "- header: value, header: value".
      out.push(`- ${cells.map((c, i) => (tableHeader![i] ? `${tableHeader![i]}: ${c}` : c)).join(', ')}`);
      continue;
    }
    flushHeader(); // any other line ends a table
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`*${inline(heading[1]!).replace(/\*/g, '')}*`);
      continue;
    }
    out.push(inline(line.replace(/^(\s*)[*+]\s+/, '$1- ')));
  }
  flushHeader();
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function tableCells(line: string): string[] | undefined {
  if (!/^\s*\|.*\|\s*$/.test(line)) return undefined;
  return line
    .trim()
    .slice(1, -1)
    .split('|')
    .map((c) => inline(c.trim()));
}

function inline(text: string): string {
  // Links first, and URLs kept out of the emphasis rules: `__` or `**` inside a URL is not emphasis.
  const urls: string[] = [];
  const keep = (url: string) => `\uE000${urls.push(url) - 1}\uE001`; // private-use marks
  return text
    .replace(/!?\[([^\]]+)\]\((\S+?)\)/g, (_m, label: string, url: string) =>
      label === url ? keep(url) : `${label} (${keep(url)})`,
    )
    .replace(/https?:\/\/[^\s)]+/g, (url) => keep(url))
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '_$1_')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replace(/\uE000(\d+)\uE001/g, (_m, i: string) => urls[Number(i)]!);
}

/** Splits `text` into messages of at most `limit` characters at the most natural boundary. */
export function splitForWhatsApp(text: string, limit = WHATSAPP_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut =
      lastBoundary(window, /\n\n/g) ??
      lastBoundary(window, /\n/g) ??
      lastBoundary(window, /[.!?…](?=\s)/g, 1) ??
      lastBoundary(window, /\s/g) ??
      hardCut(window);
    parts.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** No boundary at all: cut at the limit, but never between the two halves of a surrogate pair. */
function hardCut(window: string): number {
  const last = window.charCodeAt(window.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? window.length - 1 : window.length;
}

/** The end of the last match in the second half of `window` (+ `keep` characters of it). */
function lastBoundary(window: string, pattern: RegExp, keep = 0): number | undefined {
  let at: number | undefined;
  for (const match of window.matchAll(pattern)) {
    if (match.index >= window.length / 2) at = match.index + keep;
  }
  return at;
}
