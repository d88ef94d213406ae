/**
 * Zod schema for the body Meta POSTs to a WhatsApp Cloud API webhook.
 *
 * Two goals pull in opposite directions, and the schema serves both:
 * - Tolerate change. Meta adds fields, message types and webhook fields without notice, so every
 *   object is loose (unknown keys pass through), a message of an unknown `type` parses as
 *   `{ type: 'unknown', originalType }`, and a change whose `field` is not `messages` is kept
 *   unvalidated as `{ kind: 'other' }`.
 * - Reject what is structurally wrong (a message without `id`, a text without `text.body`, `entry`
 *   not an array…), so the API can answer 400 with the path of the problem.
 *
 * Parse with `{ error: webhookErrorMap }` so messages never echo the input (it may hold a customer's
 * words or phone number). `normalize.ts` does that; prefer its `parseWebhook` over this schema.
 */
import { z } from 'zod';

/**
 * Error map for webhook parsing: names the kind of problem only, never the offending value. Schema
 * keys and array indices in the issue path are ours or Meta's, so `path: message` is safe to log.
 */
export const webhookErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined) return 'Required';
  switch (issue.code) {
    case 'invalid_type':
      return `Expected ${issue.expected}, got ${jsonTypeOf(issue.input)}`;
    case 'invalid_value':
      // The expected values come from this schema (e.g. 'whatsapp_business_account'), not the input.
      return `Expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_small':
      return issue.origin === 'string' ? 'Must not be empty' : 'Too small';
    case 'invalid_format':
      return 'Invalid format';
    default:
      return 'Invalid value';
  }
};

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Validates `input` with `schema` from inside another schema's transform and re-reports its issues
 * under `prefix`, relative to the value being transformed. This is how one schema chooses the next
 * by a discriminator while keeping a fallback for unknown values, which zod's discriminatedUnion
 * cannot do; the error map is passed again because a nested parse does not inherit it.
 */
function reparse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  ctx: z.RefinementCtx,
  prefix: PropertyKey[] = [],
): z.output<S> {
  const result = schema.safeParse(input, { error: webhookErrorMap });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: [...prefix, ...issue.path] });
  }
  return z.NEVER;
}

const nonEmpty = z.string().min(1);

/**
 * A union of a string-with-format and a number. The message is set on the regex check as well as on
 * the union: for a string input zod reports the string branch's own issue rather than the union's.
 */
function stringOrNumber(pattern: RegExp, number: z.ZodNumber, expected: string) {
  return z.union([z.string().regex(pattern, { error: expected }), number], {
    error: (issue) => (issue.input === undefined ? undefined : expected),
  });
}

/** Meta sends Unix seconds as a digit string; a number is accepted too (some test tools send one). */
const unixSeconds = stringOrNumber(/^\d+$/, z.number().int().nonnegative(), 'Expected Unix seconds');

/** Order quantities and prices are documented as numbers; tolerate numeric strings as well. */
const decimal = stringOrNumber(/^-?\d+(\.\d+)?$/, z.number(), 'Expected a number');

/** An error object as Meta attaches it to statuses, unsupported messages and change values. */
export const metaErrorSchema = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  details: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

// ---- messages ----------------------------------------------------------------------------------

/** Fields every inbound message has, whatever its type. */
const messageBase = z.looseObject({
  id: nonEmpty,
  // Absent on some payloads (e.g. users identified only by a business-scoped user id).
  from: z.string().optional(),
  timestamp: unixSeconds,
  type: z.string(),
  // A forwarded message has a context without an id, so `id` is optional here.
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
  errors: z.array(metaErrorSchema).optional(),
});

/** Shared by image, audio, video, document and sticker; each type fills in its own optional bits. */
const mediaPayload = z.looseObject({
  id: nonEmpty,
  mime_type: z.string(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  /** audio: true for a push-to-talk voice note. */
  voice: z.boolean().optional(),
  /** sticker: true for an animated sticker. */
  animated: z.boolean().optional(),
});

const sharedContactPayload = z.looseObject({
  // Users may withhold any part of a shared contact, so almost everything is optional.
  name: z
    .looseObject({
      formatted_name: z.string().optional(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
    })
    .optional(),
  phones: z
    .array(
      z.looseObject({
        phone: z.string().optional(),
        wa_id: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .optional(),
});

const knownInteractive = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('button_reply'),
    button_reply: z.looseObject({ id: z.string(), title: z.string() }),
  }),
  z.looseObject({
    type: z.literal('list_reply'),
    list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }),
  }),
  z.looseObject({
    type: z.literal('nfm_reply'),
    // A WhatsApp Flow (name 'flow', body 'Sent') or address message; the answers are in response_json.
    nfm_reply: z.looseObject({
      name: z.string().optional(),
      body: z.string().optional(),
      response_json: z.string(),
    }),
  }),
]);
const knownInteractiveTypes: ReadonlySet<string> = new Set(
  knownInteractive.options.map((o) => o.shape.type.value),
);

/** `interactive` payload; an unknown interactive subtype parses as `{ type: 'unknown', originalType }`. */
const interactivePayload = z.looseObject({ type: z.string() }).transform((value, ctx) => {
  if (!knownInteractiveTypes.has(value.type)) return { type: 'unknown' as const, originalType: value.type };
  return reparse(knownInteractive, value, ctx);
});

const knownMessage = z.discriminatedUnion('type', [
  messageBase.extend({ type: z.literal('text'), text: z.looseObject({ body: z.string() }) }),
  messageBase.extend({ type: z.literal('image'), image: mediaPayload }),
  messageBase.extend({ type: z.literal('audio'), audio: mediaPayload }),
  messageBase.extend({ type: z.literal('video'), video: mediaPayload }),
  messageBase.extend({ type: z.literal('document'), document: mediaPayload }),
  messageBase.extend({ type: z.literal('sticker'), sticker: mediaPayload }),
  messageBase.extend({
    type: z.literal('location'),
    location: z.looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    }),
  }),
  messageBase.extend({ type: z.literal('contacts'), contacts: z.array(sharedContactPayload) }),
  messageBase.extend({ type: z.literal('interactive'), interactive: interactivePayload }),
  // A quick-reply button on a template message.
  messageBase.extend({
    type: z.literal('button'),
    button: z.looseObject({ payload: z.string(), text: z.string() }),
  }),
  messageBase.extend({
    type: z.literal('reaction'),
    // `emoji` is absent when the user removes their reaction.
    reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }),
  }),
  messageBase.extend({
    type: z.literal('order'),
    order: z.looseObject({
      catalog_id: z.string(),
      text: z.string().optional(),
      product_items: z.array(
        z.looseObject({
          product_retailer_id: z.string(),
          quantity: decimal,
          item_price: decimal,
          currency: z.string(),
        }),
      ),
    }),
  }),
  // e.g. user_changed_number; system messages come without a `contacts` array.
  messageBase.extend({
    type: z.literal('system'),
    system: z.looseObject({ body: z.string(), type: z.string().optional(), wa_id: z.string().optional() }),
  }),
  // The customer edited (text, or a media caption) or deleted an earlier message.
  messageBase.extend({
    type: z.literal('edit'),
    edit: z.looseObject({
      original_message_id: nonEmpty,
      // The edited message as it now reads: a text, or a media message with its new caption.
      message: z.looseObject({
        type: z.string().optional(),
        text: z.looseObject({ body: z.string() }).optional(),
      }),
    }),
  }),
  messageBase.extend({
    type: z.literal('revoke'),
    revoke: z.looseObject({ original_message_id: nonEmpty }),
  }),
  // Meta could not deliver the content to the API (edits, polls, first message to a coexistence number…).
  messageBase.extend({
    type: z.literal('unsupported'),
    unsupported: z.looseObject({ type: z.string().optional() }).optional(),
  }),
]);

/** Every message type this schema models, derived from the union so the two cannot drift apart. */
export const knownMessageTypes: ReadonlySet<string> = new Set(
  knownMessage.options.map((o) => o.shape.type.value),
);

/**
 * One inbound message. Known types are validated in full; any other type passes the common fields'
 * check and comes out as `{ type: 'unknown', originalType }` so one new Meta feature cannot make us
 * reject (and Meta endlessly retry) a whole webhook.
 */
export const webhookMessageSchema = messageBase.transform((message, ctx) => {
  if (!knownMessageTypes.has(message.type)) {
    return { ...message, type: 'unknown' as const, originalType: message.type };
  }
  // Content Meta could not deliver comes as its type with only an `errors` array (an interactive
  // message it could not render, say): the customer sent something, so it is kept as unsupported.
  if (message[message.type] === undefined && message.errors?.length) {
    return { ...message, type: 'unknown' as const, originalType: message.type };
  }
  return reparse(knownMessage, message, ctx);
});

// ---- statuses, contacts, change values ---------------------------------------------------------

/** A delivery status of a message the business sent. `status` is any string: Meta adds new ones. */
export const webhookStatusSchema = z.looseObject({
  id: nonEmpty,
  status: z.string(),
  timestamp: unixSeconds,
  // Absent when the recipient is identified only by a business-scoped user id.
  recipient_id: z.string().optional(),
  errors: z.array(metaErrorSchema).optional(),
  /** What the sender attached to the message (Parley: the send's idempotency key). */
  biz_opaque_callback_data: z.string().optional(),
});

const webhookContactSchema = z.looseObject({
  wa_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional() }).optional(),
});

/** The `value` of a change whose `field` is `messages`. */
export const messagesChangeValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({
    display_phone_number: z.string().optional(),
    phone_number_id: nonEmpty,
  }),
  contacts: z.array(webhookContactSchema).optional(),
  messages: z.array(webhookMessageSchema).optional(),
  statuses: z.array(webhookStatusSchema).optional(),
  errors: z.array(metaErrorSchema).optional(),
});

/**
 * One change. Only `messages` changes are validated; other fields (account_update,
 * message_template_status_update…) have their own shapes, which we do not use, so their value
 * is dropped rather than validated.
 */
const webhookChangeSchema = z
  .looseObject({ field: z.string(), value: z.unknown() })
  .transform((change, ctx) => {
    if (change.field !== 'messages') return { kind: 'other' as const, field: change.field };
    return {
      kind: 'messages' as const,
      value: reparse(messagesChangeValueSchema, change.value, ctx, ['value']),
    };
  });

/** The whole webhook POST body. */
export const webhookBodySchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({
      id: z.string(),
      changes: z.array(webhookChangeSchema),
    }),
  ),
});

/** Parsed webhook body. */
export type WebhookBody = z.output<typeof webhookBodySchema>;
/** One parsed change: `messages` with its validated value, or another field we ignore. */
export type WebhookChange = z.output<typeof webhookChangeSchema>;
/** The validated value of a `messages` change. */
export type MessagesChangeValue = z.output<typeof messagesChangeValueSchema>;
/** One parsed message: a known type, or `{ type: 'unknown', originalType }`. */
export type WebhookMessage = z.output<typeof webhookMessageSchema>;
/** One parsed delivery status. */
export type WebhookStatus = z.output<typeof webhookStatusSchema>;
/** One error object as Meta sends it. */
export type MetaError = z.output<typeof metaErrorSchema>;
