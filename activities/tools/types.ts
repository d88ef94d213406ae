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
  | { status: 'refused'; reason: string }
  /** Nothing matches (unknown order number, product …). */
  | { status: 'not_found'; reason: string }
  /** The arguments do not fit the tool's schema. */
  | { status: 'invalid_arguments'; reason: string }
  /** The tool kept failing (its backend is down): set by the workflow after the retries. */
  | { status: 'unavailable'; reason: string };

/** One tool as offered to the model: an OpenAI function tool plus its executor. */
export interface AgentTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments (OpenAI function `parameters`, strict-compatible). */
  parameters: Record<string, unknown>;
  /** Runs the tool for `caller`. Throws only for infrastructure failures (retried by Temporal). */
  run(args: unknown, caller: ToolCaller): Promise<ToolOutcome>;
}
