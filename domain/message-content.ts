import type { InboundContent } from '../workflows/definitions.js';

/** The message's type as stored in the log: the media type for media, else the content kind. */
export function contentType(content: InboundContent): string {
  return content.kind === 'media' ? content.mediaType : content.kind;
}

/** The human-readable part of a message, for the message log and transcripts. */
export function contentText(content: InboundContent): string | null {
  switch (content.kind) {
    case 'text':
      return content.body;
    case 'media':
      return content.caption ?? null;
    case 'reply':
      return content.title;
    case 'location':
      return [content.name, content.address].filter(Boolean).join(', ') || null;
    case 'order':
      return content.text ?? null;
    case 'system':
      return content.body;
    case 'reaction':
      return content.emoji || null;
    case 'edit':
      return content.body;
    default:
      return null;
  }
}

/** A one-line transcript rendering of any message: text as is, other kinds labelled. */
export function transcriptText(content: InboundContent): string {
  const text = contentText(content);
  switch (content.kind) {
    case 'text':
      return content.body;
    case 'media':
      return `[${content.voice ? 'voice note' : content.mediaType}]${text ? ' ' + text : ''}`;
    case 'unsupported':
      return `[unsupported message: ${content.originalType}]`;
    default:
      return `[${content.kind}]${text ? ' ' + text : ''}`;
  }
}
