/**
 * Turns Meta's webhook POST body into the normalised `InboundMessage` / `DeliveryStatus` shapes the
 * workflows consume. Pure and synchronous: validation and mapping only, no I/O.
 *
 * Each message and status is validated on its own: one part that does not fit (a shape Meta never
 * documented, an identifier in the wrong format, a message too large for a signal) becomes a dead
 * letter — the reason and a webhook body holding only that part, to replay after a fix — and
 * everything else in the delivery is still delivered. Meta retries a refused delivery for days, so
 * nothing signed is refused for its content.
 */
import { cleanStrings } from '../../../domain/text.js';
import { isMessageId, isPhoneNumberId, isWaId } from '../../../domain/whatsapp-ids.js';
import type {
  DeliveryState,
  DeliveryStatus,
  InboundContent,
  InboundMessage,
  WhatsAppError,
} from '../../../workflows/definitions.js';
import {
  messagesChangeValueSchema,
  webhookErrorMap,
  webhookMessageSchema,
  webhookStatusSchema,
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

/**
 * A part of a delivery that could not be understood or routed. `reason` names the problem and its
 * path, never a value (it is logged); `body` is a webhook body holding only this part.
 */
export interface DeadLetterPart {
  reason: string;
  body: unknown;
}

/** Everything one webhook POST carried, in payload order. */
export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: DeliveryStatus[];
  ignored: IgnoredItem[];
  unknown: UnknownItem[];
  deadLetters: DeadLetterPart[];
  /** Each message's and status's own webhook body, to keep as a dead letter if Temporal refuses it. */
  partBodies: Map<InboundMessage | DeliveryStatus, unknown>;
}

/** How many schema issues a dead letter's reason spells out; the rest are counted. */
const MAX_ISSUES_IN_REASON = 5;
/** A message larger than this (as JSON) cannot be from Meta (texts are ≤ 4,096 characters). */
const MAX_MESSAGE_JSON_CHARS = 64 * 1024;

const deliveryStates: ReadonlySet<string> = new Set<DeliveryState>([
  'sent',
  'delivered',
  'read',
  'played',
  'failed',
  'deleted',
  'warning',
]);

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a webhook body: every part that fits is normalised, every other part is a dead letter.
 * `nowMs` is the edge's clock, against which message timestamps are judged plausible.
 */
export function parseWebhook(body: unknown, nowMs = Date.now()): ParsedWebhook {
  const out: ParsedWebhook = {
    messages: [],
    statuses: [],
    ignored: [],
    unknown: [],
    deadLetters: [],
    partBodies: new Map(),
  };
  if (!isRecord(body) || body.object !== 'whatsapp_business_account' || !Array.isArray(body.entry)) {
    out.deadLetters.push({ reason: 'not a WhatsApp Business Account webhook (object, entry[])', body });
    return out;
  }
  body.entry.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || !Array.isArray(entry.changes)) {
      out.deadLetters.push({ reason: `entry[${i}]: expected an object with changes[]`, body: bodyOf(entry) });
      return;
    }
    entry.changes.forEach((change: unknown, j) => {
      const where = `entry[${i}].changes[${j}]`;
      if (!isRecord(change) || typeof change.field !== 'string') {
        out.deadLetters.push({
          reason: `${where}: expected an object with a field`,
          body: bodyOf(entry, change),
        });
      } else if (change.field !== 'messages') {
        out.ignored.push({
          reason: 'webhook field not handled',
          detail: `field=${change.field} entry=${String(entry.id)}`,
        });
      } else {
        collectChange(entry, change.value, `${where}.value`, out, nowMs);
      }
    });
  });
  return out;
}

/** A webhook body holding only `change` of `entry` (or the whole entry): what a dead letter keeps. */
function bodyOf(entry: unknown, change?: unknown, value?: unknown): Json {
  const id = isRecord(entry) ? entry.id : undefined;
  const changes =
    change === undefined
      ? isRecord(entry)
        ? entry.changes
        : undefined
      : [value === undefined ? change : { field: 'messages', value }];
  return { object: 'whatsapp_business_account', entry: [{ id, changes }] };
}

function collectChange(
  entry: Json,
  rawValue: unknown,
  where: string,
  out: ParsedWebhook,
  nowMs: number,
): void {
  // The envelope of the change: metadata (which business number), contacts, and the part arrays.
  const envelope = messagesChangeValueSchema
    .pick({ metadata: true, errors: true })
    .safeParse(rawValue, { error: webhookErrorMap });
  const value = isRecord(rawValue) ? rawValue : {};
  if (!envelope.success || !isPhoneNumberId(envelope.data.metadata.phone_number_id)) {
    const reason = envelope.success
      ? 'metadata.phone_number_id: not a phone number id'
      : describe(envelope.error);
    out.deadLetters.push({ reason: `${where}: ${reason}`, body: bodyOf(entry, {}, rawValue) });
    return;
  }
  const phoneNumberId = envelope.data.metadata.phone_number_id;
  if (envelope.data.errors?.length) {
    // Meta reports problems with the webhook itself here (e.g. 131000); nothing to deliver, but worth logging.
    out.ignored.push({
      reason: 'change value carried errors',
      detail: `codes=${envelope.data.errors.map((e) => e.code).join(',')}`,
    });
  }
  const contacts = Array.isArray(value.contacts) ? value.contacts.filter(isRecord) : [];
  /** A webhook body with this one part (and the contact it names), for a dead letter. */
  const partBody = (key: 'messages' | 'statuses', part: unknown) => {
    const from = isRecord(part) ? part.from : undefined;
    const contact = contacts.filter((c) => c.wa_id === from);
    return bodyOf(
      entry,
      {},
      { ...value, contacts: contact, messages: undefined, statuses: undefined, [key]: [part] },
    );
  };

  asArray(value.messages).forEach((raw, k) => {
    const at = `${where}.messages[${k}]`;
    const result = toInboundMessage(raw, phoneNumberId, contacts, nowMs);
    if (typeof result === 'string')
      out.deadLetters.push({ reason: `${at}: ${result}`, body: partBody('messages', raw) });
    else {
      out.messages.push(result.message);
      out.partBodies.set(result.message, partBody('messages', raw));
      if (result.unknownType !== undefined)
        out.unknown.push({ type: result.unknownType, id: result.message.id });
    }
  });
  asArray(value.statuses).forEach((raw, k) => {
    const at = `${where}.statuses[${k}]`;
    const parsed = webhookStatusSchema.safeParse(raw, { error: webhookErrorMap });
    if (!parsed.success) {
      out.deadLetters.push({ reason: `${at}: ${describe(parsed.error)}`, body: partBody('statuses', raw) });
      return;
    }
    const normalised = toDeliveryStatus(parsed.data, phoneNumberId);
    if (typeof normalised === 'string')
      out.ignored.push({ reason: normalised, detail: `id=${parsed.data.id} status=${parsed.data.status}` });
    else if (!isMessageId(normalised.messageId) || !isWaId(normalised.recipientId))
      out.deadLetters.push({
        reason: `${at}: id or recipient_id not in Meta's format`,
        body: partBody('statuses', raw),
      });
    else {
      out.statuses.push(normalised);
      out.partBodies.set(normalised, partBody('statuses', raw));
    }
  });
}

/** WhatsApp started in 2009; nothing is sent from the future. */
const EARLIEST_MS = Date.UTC(2009, 0, 1);
const CLOCK_SKEW_MS = 24 * 60 * 60_000;

/**
 * A message's time as stored and used for the 24-hour window. One outside any plausible range
 * (a corrupted or hostile payload) is taken as the time it arrived, rather than kept as a value
 * the database or the window arithmetic would trip over.
 */
function plausibleTime(ms: number, nowMs: number): number {
  return Number.isFinite(ms) && ms >= EARLIEST_MS && ms <= nowMs + CLOCK_SKEW_MS ? ms : nowMs;
}

/** A present array, or nothing; anything else where an array belongs is one bad part. */
function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The normalised message, or why it is a dead letter. */
function toInboundMessage(
  raw: unknown,
  phoneNumberId: string,
  contacts: Json[],
  nowMs: number,
): { message: InboundMessage; unknownType?: string } | string {
  const parsed = webhookMessageSchema.safeParse(raw, { error: webhookErrorMap });
  if (!parsed.success) return describe(parsed.error);
  const message = parsed.data;
  // Without a WhatsApp id there is no conversation to route to (yet): kept for a replay.
  if (message.from === undefined) return 'from: absent (no WhatsApp id to route to)';
  if (!isMessageId(message.id)) return 'id: not a WhatsApp message id';
  if (!isWaId(message.from)) return 'from: not a WhatsApp id';
  if (message.context?.id !== undefined && !isMessageId(message.context.id))
    return 'context.id: not a WhatsApp message id';
  const profile = contacts.find((c) => c.wa_id === message.from)?.profile;
  const displayName = isRecord(profile) && typeof profile.name === 'string' ? profile.name : undefined;
  const { content, unknownType } = toContent(message);
  if ((content.kind === 'edit' || content.kind === 'revoke') && !isMessageId(content.originalMessageId))
    return `${content.kind}.original_message_id: not a WhatsApp message id`;
  const timestampMs = plausibleTime(Number(message.timestamp) * 1000, nowMs);
  // Strings are cleaned here, once: nothing downstream (history, Postgres, logs) sees NUL or a
  // lone surrogate.
  const normalised: InboundMessage = cleanStrings({
    id: message.id,
    phoneNumberId,
    waId: message.from,
    ...(displayName !== undefined && { displayName }),
    timestampMs,
    ...(message.context?.id !== undefined && { contextMessageId: message.context.id }),
    content,
  });
  if (JSON.stringify(normalised).length > MAX_MESSAGE_JSON_CHARS) return 'larger than any WhatsApp message';
  return { message: normalised, ...(unknownType !== undefined && { unknownType }) };
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
      // user_changed_number carries the customer's new WhatsApp id.
      const { body, type, wa_id } = message.system;
      return {
        content: {
          kind: 'system',
          body,
          ...(type !== undefined && { systemType: type }),
          ...(isWaId(wa_id) && { newWaId: wa_id }),
        },
      };
    }
    case 'edit': {
      const edited = message.edit.message;
      const media = edited.type ? (edited as Record<string, unknown>)[edited.type] : undefined;
      const caption =
        media && typeof media === 'object' ? (media as { caption?: unknown }).caption : undefined;
      const body = edited.text?.body ?? (typeof caption === 'string' ? caption : '');
      return { content: { kind: 'edit', originalMessageId: message.edit.original_message_id, body } };
    }
    case 'revoke':
      return { content: { kind: 'revoke', originalMessageId: message.revoke.original_message_id } };
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
    ...(status.biz_opaque_callback_data !== undefined && { callbackData: status.biz_opaque_callback_data }),
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

/** Formats a zod issue path as `text.body` / `messages[1].text.body` (`(root)` when empty). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** One line naming each problem and where it is; the error map keeps values (PII) out of it. */
function describe(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issues = error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
  const shown = issues.slice(0, MAX_ISSUES_IN_REASON);
  const more = issues.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}
