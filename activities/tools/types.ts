/**
 * The contract between the agent loop and the tools it may call. The model proposes a call (a tool
 * name and JSON arguments); code decides: every tool receives the caller — who the customer is,
 * taken from the conversation, never from the model — and enforces its own authorisation rules.
 */

/** Who is asking, as the conversation workflow knows it. Never filled from model output. */
export interface ToolCaller {
  conversationId: string;
  /** The customer's WhatsApp id (international number, digits only): the identity tools trust. */
  waId: string;
  /** ISO 639-1 language of the conversation, for localised values (dates, product names). */
  language?: string;
}

/** What a tool call returns to the model (and to the turn record). Plain JSON. */
export type ToolOutcome =
  | { status: 'ok'; data: unknown }
  /** The caller may not see this (another customer's order, …): said plainly, nothing leaked. */
  | {
      status: 'refused';
      reason: string;
      /**
       * The refusal is one a person must see: the model asked for money beyond what code allows
       * (more than is left to refund, a payment that cannot be found). The workflow hands off.
       */
      escalate?: true;
    }
  /** Nothing matches (unknown order number, product …). */
  | { status: 'not_found'; reason: string }
  /** The arguments do not fit the tool's schema. */
  | { status: 'invalid_arguments'; reason: string }
  /** The tool kept failing (its backend is down): set by the workflow after the retries. */
  | { status: 'unavailable'; reason: string }
  /**
   * An action tool checked everything it can and proposes a change: nothing has happened yet. The
   * workflow asks the customer to confirm with reply buttons and only then executes the proposal.
   */
  | { status: 'needs_confirmation'; proposal: ActionProposal; data?: unknown };

/** Everything an action can do, each executed by code after the customer confirmed. */
export type ActionName =
  'refund' | 'create_return' | 'reschedule_appointment' | 'manage_subscription' | 'apply_promo_code';

/**
 * A change an action tool validated and proposes. Plain JSON (it lives in workflow state and
 * history). The parameters are the tool's validated, normalised ones — never the model's raw text —
 * and the executor checks ownership and preconditions again when it runs (they may have changed
 * while the customer thought about it).
 */
export interface ActionProposal {
  action: ActionName;
  /**
   * Derived from what is changed (e.g. `return:1042:1`), never from a run id: the idempotency key of
   * the execution, so a retried or replayed confirmation changes things once.
   */
  actionKey: string;
  /** One short line the customer confirms, in their language, built by code (≤ 300 characters). */
  summary: string;
  /** The executor's validated input. */
  params: Record<string, unknown>;
}

/** What executing a confirmed proposal did. */
export type ActionResult =
  | {
      status: 'done';
      /** One short line for the customer, in their language, built by code. */
      summary: string;
      /** A document to send as a WhatsApp document message (return label, invoice…). */
      document?: DocumentRef;
      data?: unknown;
    }
  /** A precondition no longer holds (window passed, slot taken, code used…): nothing changed. */
  | { status: 'refused'; reason: string; summary: string };

/** A document Parley can render for a customer (rendered and sent by the sendDocument activity). */
export type DocumentRef = { kind: 'invoice'; orderId: string } | { kind: 'return_label'; returnId: string };

/** One tool as offered to the model: an OpenAI function tool plus its executor. */
export interface AgentTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments (OpenAI function `parameters`, strict-compatible). */
  parameters: Record<string, unknown>;
  /** An action tool: it proposes a change the customer must confirm (or hands over a document). */
  proposesChanges?: true;
  /** Runs the tool for `caller`. Throws only for infrastructure failures (retried by Temporal). */
  run(args: unknown, caller: ToolCaller): Promise<ToolOutcome>;
}
