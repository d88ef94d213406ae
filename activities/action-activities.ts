import type { ActionExecutor } from './actions/index.js';
import type { ActionProposal, ActionResult, ToolCaller } from './tools/types.js';

/**
 * Executes an action the customer confirmed with a button. The executor checks ownership and
 * preconditions again (they may have changed since the proposal) and changes things once per action
 * key, so a retried activity or a replayed confirmation is harmless.
 */
export function createActionActivities(deps: { executor: ActionExecutor }) {
  return {
    async executeAction(input: { proposal: ActionProposal; caller: ToolCaller }): Promise<ActionResult> {
      return deps.executor.execute(input.proposal, input.caller);
    },
  };
}
