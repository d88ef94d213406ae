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
  for (const raw of lines) {
    const line = raw.trimEnd();
    const cells = tableCells(line);
    if (cells) {
      if (cells.every((c) => /^:?-{2,}:?$/.test(c))) continue; // the |---|---| separator
      if (!tableHeader) {
        tableHeader = cells;
        continue;
      }
      // A table row becomes a list item: "- header: value, header: value".
      out.push(`- ${cells.map((c, i) => (tableHeader![i] ? `${tableHeader![i]}: ${c}` : c)).join(', ')}`);
      continue;
    }
    tableHeader = undefined; // any other line ends a table
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`*${inline(heading[1]!).replace(/\*/g, '')}*`);
      continue;
    }
    out.push(inline(line.replace(/^(\s*)[*+]\s+/, '$1- ')));
  }
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
  return text
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '_$1_')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replace(/!?\[([^\]]+)\]\((\S+?)\)/g, (_m, label: string, url: string) =>
      label === url ? url : `${label} (${url})`,
    );
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
      limit;
    parts.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) parts.push(rest);
  return parts;
}

/** The end of the last match in the second half of `window` (+ `keep` characters of it). */
function lastBoundary(window: string, pattern: RegExp, keep = 0): number | undefined {
  let at: number | undefined;
  for (const match of window.matchAll(pattern)) {
    if (match.index >= window.length / 2) at = match.index + keep;
  }
  return at;
}
