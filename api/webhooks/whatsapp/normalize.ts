/**
 * Turns Meta's webhook POST body into the normalised `InboundMessage` / `DeliveryStatus` shapes the
 * workflows consume. Pure and synchronous: validation and mapping only, no I/O.
 */
import type {
  DeliveryState,
  DeliveryStatus,
  InboundContent,
  InboundMessage,
  WhatsAppError,
} from '../../../workflows/definitions.js';
import {
  webhookBodySchema,
  webhookErrorMap,
  type MessagesChangeValue,
  type MetaError,
  type WebhookMessage,
  type WebhookStatus,
} from './payload-schema.js';

/** Something in the payload we deliberately did not turn into a message or status. Log-safe: ids and types only. */
export interface IgnoredItem {
  reason: string;
  detail: string;
}

/** A message whose type (or interactive subtype) we do not model; it is still delivered, as `unsupported`. */
export interface UnknownItem {
  type: string;
  id: string;
}

/** Everything one webhook POST carried, in payload order. */
export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: DeliveryStatus[];
  ignored: IgnoredItem[];
  unknown: UnknownItem[];
}

/** One schema violation: where (`entry[0].changes[0].value.messages[1].text.body`) and what kind. */
export interface WebhookIssue {
  path: string;
  problem: string;
}

/** `error` is one human-readable line built from `issues`; neither contains payload values (PII). */
export type ParseWebhookResult =
  { ok: true; value: ParsedWebhook } | { ok: false; error: string; issues: WebhookIssue[] };

/** How many issues the one-line `error` spells out; the rest are counted. */
const MAX_ISSUES_IN_MESSAGE = 5;

const deliveryStates: ReadonlySet<string> = new Set<DeliveryState>([
  'sent',
  'delivered',
  'read',
  'played',
  'failed',
  'deleted',
  'warning',
]);

/** Validates a webhook body and normalises every message and status in it, in payload order. */
export function parseWebhook(body: unknown): ParseWebhookResult {
  const parsed = webhookBodySchema.safeParse(body, { error: webhookErrorMap });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: formatIssuePath(issue.path),
      problem: issue.message,
    }));
    return { ok: false, error: describeIssues(issues), issues };
  }

  const out: ParsedWebhook = { messages: [], statuses: [], ignored: [], unknown: [] };
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.kind === 'other') {
        out.ignored.push({
          reason: 'webhook field not handled',
          detail: `field=${change.field} entry=${entry.id}`,
        });
        continue;
      }
      collectChange(change.value, out);
    }
  }
  return { ok: true, value: out };
}

function collectChange(value: MessagesChangeValue, out: ParsedWebhook): void {
  const phoneNumberId = value.metadata.phone_number_id;

  if (value.errors?.length) {
    // Meta reports problems with the webhook itself here (e.g. 131000); nothing to deliver, but worth logging.
    out.ignored.push({
      reason: 'change value carried errors',
      detail: `codes=${value.errors.map((e) => e.code).join(',')}`,
    });
  }

  for (const message of value.messages ?? []) {
    if (message.from === undefined) {
      out.ignored.push({
        reason: 'message has no sender (from)',
        detail: `id=${message.id} type=${message.type}`,
      });
      continue;
    }
    const displayName = value.contacts?.find((c) => c.wa_id === message.from)?.profile?.name;
    const { content, unknownType } = toContent(message);
    if (unknownType !== undefined) out.unknown.push({ type: unknownType, id: message.id });
    out.messages.push({
      id: message.id,
      phoneNumberId,
      waId: message.from,
      ...(displayName !== undefined && { displayName }),
      timestampMs: Number(message.timestamp) * 1000,
      ...(message.context?.id !== undefined && { contextMessageId: message.context.id }),
      content,
    });
  }

  for (const status of value.statuses ?? []) {
    const normalised = toDeliveryStatus(status, phoneNumberId);
    if (typeof normalised === 'string')
      out.ignored.push({ reason: normalised, detail: `id=${status.id} status=${status.status}` });
    else out.statuses.push(normalised);
  }
}

/** The content of a message, plus the type to report when it is one we do not model. */
function toContent(message: WebhookMessage): { content: InboundContent; unknownType?: string } {
  switch (message.type) {
    case 'text':
      return { content: { kind: 'text', body: message.text.body } };
    case 'image':
      return { content: mediaContent('image', message.image) };
    case 'audio':
      return { content: mediaContent('audio', message.audio) };
    case 'video':
      return { content: mediaContent('video', message.video) };
    case 'document':
      return { content: mediaContent('document', message.document) };
    case 'sticker':
      return { content: mediaContent('sticker', message.sticker) };
    case 'location': {
      const { latitude, longitude, name, address } = message.location;
      return {
        content: {
          kind: 'location',
          latitude,
          longitude,
          ...(name !== undefined && { name }),
          ...(address !== undefined && { address }),
        },
      };
    }
    case 'contacts':
      return {
        content: {
          kind: 'contacts',
          contacts: message.contacts.map((c) => ({
            name:
              c.name?.formatted_name ??
              [c.name?.first_name, c.name?.last_name].filter((p) => p !== undefined).join(' '),
            // A shared contact's number may come only as its WhatsApp id.
            phones: (c.phones ?? []).flatMap((p) => p.phone ?? p.wa_id ?? []),
          })),
        },
      };
    case 'interactive': {
      const interactive = message.interactive;
      switch (interactive.type) {
        case 'button_reply': {
          // Pick fields explicitly: the payload is a loose object and may carry keys Meta adds later.
          const { id, title } = interactive.button_reply;
          return { content: { kind: 'reply', replyType: 'button_reply', id, title } };
        }
        case 'list_reply': {
          const { id, title, description } = interactive.list_reply;
          return {
            content: {
              kind: 'reply',
              replyType: 'list_reply',
              id,
              title,
              ...(description !== undefined && { description }),
            },
          };
        }
        case 'nfm_reply': {
          // A Flow / address-message submission has no id or title of its own: the flow name stands in
          // for the id, and the submitted answers (response_json) travel in `description`, the only
          // free-text slot InboundContent offers for them.
          const { name, body, response_json } = interactive.nfm_reply;
          return {
            content: {
              kind: 'reply',
              replyType: 'nfm_reply',
              id: name ?? 'flow',
              title: body ?? '',
              description: response_json,
            },
          };
        }
        case 'unknown': {
          const originalType = `interactive.${interactive.originalType}`;
          return { content: unsupported(originalType, message.errors), unknownType: originalType };
        }
      }
      // No fallthrough: the switch above is exhaustive over the schema's output (tsc checks it).
    }
    case 'button':
      return {
        content: {
          kind: 'reply',
          replyType: 'button',
          id: message.button.payload,
          title: message.button.text,
        },
      };
    case 'reaction':
      // An empty emoji means the customer removed their reaction.
      return {
        content: {
          kind: 'reaction',
          messageId: message.reaction.message_id,
          emoji: message.reaction.emoji ?? '',
        },
      };
    case 'order': {
      const { catalog_id, text, product_items } = message.order;
      return {
        content: {
          kind: 'order',
          catalogId: catalog_id,
          ...(text !== undefined && { text }),
          items: product_items.map((item) => ({
            productRetailerId: item.product_retailer_id,
            quantity: Number(item.quantity),
            itemPrice: Number(item.item_price),
            currency: item.currency,
          })),
        },
      };
    }
    case 'system': {
      const { body, type } = message.system;
      return { content: { kind: 'system', body, ...(type !== undefined && { systemType: type }) } };
    }
    case 'unsupported':
      // Meta names what it could not deliver (e.g. 'edit', 'poll_creation') when it can.
      return { content: unsupported(message.unsupported?.type ?? 'unsupported', message.errors) };
    case 'unknown':
      return {
        content: unsupported(message.originalType, message.errors),
        unknownType: message.originalType,
      };
  }
}

interface MediaPayload {
  id: string;
  mime_type: string;
  sha256?: string | undefined;
  caption?: string | undefined;
  filename?: string | undefined;
  voice?: boolean | undefined;
  animated?: boolean | undefined;
}

function mediaContent(
  mediaType: 'image' | 'audio' | 'video' | 'document' | 'sticker',
  media: MediaPayload,
): InboundContent {
  return {
    kind: 'media',
    mediaType,
    mediaId: media.id,
    mimeType: media.mime_type,
    ...(media.sha256 !== undefined && { sha256: media.sha256 }),
    ...(media.caption !== undefined && { caption: media.caption }),
    ...(media.filename !== undefined && { filename: media.filename }),
    ...(media.voice !== undefined && { voice: media.voice }),
    ...(media.animated !== undefined && { animated: media.animated }),
  };
}

function unsupported(originalType: string, errors: MetaError[] | undefined): InboundContent {
  return { kind: 'unsupported', originalType, errors: (errors ?? []).map(toWhatsAppError) };
}

/** A normalised status, or the reason it was ignored. */
function toDeliveryStatus(status: WebhookStatus, phoneNumberId: string): DeliveryStatus | string {
  if (!deliveryStates.has(status.status)) return 'status not handled';
  if (status.recipient_id === undefined) return 'status has no recipient_id';
  return {
    messageId: status.id,
    phoneNumberId,
    recipientId: status.recipient_id,
    status: status.status as DeliveryState,
    timestampMs: Number(status.timestamp) * 1000,
    errors: (status.errors ?? []).map(toWhatsAppError),
  };
}

function toWhatsAppError(error: MetaError): WhatsAppError {
  const details = error.error_data?.details ?? error.details;
  return {
    code: error.code,
    // `title` is documented as always present; fall back rather than reject a status over it.
    title: error.title ?? error.message ?? `WhatsApp error ${error.code}`,
    ...(error.message !== undefined && { message: error.message }),
    ...(details !== undefined && { details }),
  };
}

/** Formats a zod issue path as `entry[0].changes[0].value.messages[1].text.body` (`(root)` when empty). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssues(issues: WebhookIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `${i.path}: ${i.problem}`);
  const more = issues.length - shown.length;
  return `Invalid WhatsApp webhook payload: ${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}
