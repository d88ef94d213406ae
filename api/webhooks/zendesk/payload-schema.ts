/**
 * The body of the Zendesk trigger's webhook request (set up as described in `routes.ts`). The
 * trigger's "Notify by webhook" action sends this (the field names are Parley's, the placeholders
 * Zendesk's: check them against Zendesk's placeholder reference when setting it up):
 *
 * ```json
 * {
 *   "ticket_id": "{{ticket.id}}",
 *   "external_id": "{{ticket.external_id}}",
 *   "status": "{{ticket.status}}",
 *   "comment": {
 *     "id": "{{ticket.latest_comment.id}}",
 *     "body": "{{ticket.latest_comment.value}}",
 *     "public": {{ticket.latest_comment.is_public}},
 *     "author": {
 *       "id": "{{current_user.id}}",
 *       "name": "{{current_user.name}}",
 *       "email": "{{current_user.email}}",
 *       "role": "{{current_user.role}}"
 *     }
 *   }
 * }
 * ```
 *
 * The payload: `ticket_id` (Zendesk's ticket id, string or number) names the ticket; Parley finds
 * the conversation through `helpdesk_ticket_links`, written when it created the ticket (tickets it
 * did not create are ignored). `external_id` is informational. `status` is Zendesk's (any case);
 * `comment` is optional (a status-only trigger may leave it out), its `public` a boolean or
 * `"true"`/`"false"`, its `author.role` one of `end-user`, `agent`, `admin`.
 */
import { z } from 'zod';

const zendeskId = z
  .union([
    z
      .string()
      .trim()
      .regex(/^[0-9]{1,20}$/, 'must be a Zendesk id (digits)'),
    z.number().int().min(0),
  ])
  .transform(String);
const boolish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

/**
 * Parses that body: ids come out as strings, `public` as a boolean, `status` and `author.role`
 * trimmed and lower-case.
 */
export const zendeskWebhookPayloadSchema = z.object({
  ticket_id: zendeskId,
  external_id: optionalText,
  status: z
    .string()
    .nullish()
    .transform((v) => v?.trim().toLowerCase() || undefined),
  comment: z
    .object({
      id: zendeskId,
      body: z.string(),
      public: boolish,
      author: z.object({
        id: zendeskId,
        name: optionalText,
        email: optionalText,
        role: z.string().transform((v) => v.trim().toLowerCase()),
      }),
    })
    .optional(),
});

export type ZendeskWebhookPayload = z.infer<typeof zendeskWebhookPayloadSchema>;
