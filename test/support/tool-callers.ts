import { DEMO_CUSTOMERS } from '../../devstack/demo-shop.js';
import type { AgentTool, ToolCaller, ToolOutcome } from '../../activities/tools/types.js';

/** A demo customer as the tools see the caller: the conversation's WhatsApp id and language. */
export const as = (c: { waId: string; language: string }): ToolCaller => ({
  conversationId: `whatsapp:test:${c.waId}`,
  waId: c.waId,
  language: c.language,
});

/** A WhatsApp number no demo customer has. */
export const stranger: ToolCaller = {
  conversationId: 'whatsapp:test:stranger',
  waId: '447700900123',
  language: 'en',
};

/** Calls a tool by name as `caller` (Alex by default), the way the agent activity does. */
export function toolRunner(tools: () => ReadonlyMap<string, AgentTool>) {
  return async (
    name: string,
    args: unknown,
    caller: ToolCaller = as(DEMO_CUSTOMERS.alex),
  ): Promise<ToolOutcome> => {
    const tool = tools().get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    return tool.run(args, caller);
  };
}
