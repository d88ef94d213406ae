/**
 * The contract between the webhook (api/), the conversation workflow and the tests: the shape of
 * what crosses a signal, and the signal definitions themselves. Plain JSON only, so it survives
 * history serialisation and continue-as-new unchanged.
 */
import { defineSignal } from '@temporalio/workflow';

export type MediaType = 'image' | 'audio' | 'video' | 'document' | 'sticker';

/** What a customer sent, normalised from Meta's webhook message object. */
export type InboundContent =
  | { kind: 'text'; body: string }
  | {
      kind: 'media';
      mediaType: MediaType;
      mediaId: string;
      mimeType: string;
      sha256?: string;
      caption?: string;
      filename?: string;
      /** WhatsApp voice note (push-to-talk) rather than an audio file. */
      voice?: boolean;
      animated?: boolean;
    }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { kind: 'contacts'; contacts: { name: string; phones: string[] }[] }
  | {
      kind: 'reply';
      /** interactive button_reply / list_reply / nfm_reply, or a template quick-reply `button`. */
      replyType: 'button_reply' | 'list_reply' | 'nfm_reply' | 'button';
      id: string;
      title: string;
      description?: string;
    }
  | { kind: 'reaction'; messageId: string; emoji: string }
  | {
      kind: 'order';
      catalogId: string;
      text?: string;
      items: { productRetailerId: string; quantity: number; itemPrice: number; currency: string }[];
    }
  | { kind: 'system'; body: string; systemType?: string }
  | { kind: 'unsupported'; originalType: string; errors: WhatsAppError[] };

export interface WhatsAppError {
  code: number;
  title: string;
  message?: string;
  details?: string;
}

export interface InboundMessage {
  /** WhatsApp message id (wamid…), the dedupe key. */
  id: string;
  /** The business phone number id that received it. */
  phoneNumberId: string;
  /** The customer's WhatsApp id (their phone number in international format, digits only). */
  waId: string;
  /** Profile name from the webhook's `contacts`, when Meta sent one. */
  displayName?: string;
  timestampMs: number;
  /** The message this one replies to (quoted reply / button on a message we sent). */
  contextMessageId?: string;
  content: InboundContent;
}

export type DeliveryState = 'sent' | 'delivered' | 'read' | 'played' | 'failed' | 'deleted' | 'warning';

export interface DeliveryStatus {
  /** The id of the outbound message this status is about. */
  messageId: string;
  phoneNumberId: string;
  recipientId: string;
  status: DeliveryState;
  timestampMs: number;
  errors: WhatsAppError[];
}

export const inboundMessageSignal = defineSignal<[InboundMessage]>('inboundMessage');
export const deliveryStatusSignal = defineSignal<[DeliveryStatus]>('deliveryStatus');

/** One workflow per customer chat with one business number. */
export function conversationWorkflowId(phoneNumberId: string, waId: string): string {
  return `whatsapp:${phoneNumberId}:${waId}`;
}
