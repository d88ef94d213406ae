/**
 * A deliberately incompatible version of the conversation workflow, bundled only by the replay
 * test: it waits one second before running the real workflow, so its first command is a timer where
 * every recorded history has the settings local activity. Replaying a history with it must fail —
 * proof that the replay test would catch an ungated change to workflow code.
 */
import { sleep } from '@temporalio/workflow';
import {
  conversationWorkflow as realConversationWorkflow,
  type ConversationInput,
  type ConversationOutcome,
} from '../../workflows/conversation/workflow.js';

export async function conversationWorkflow(input: ConversationInput): Promise<ConversationOutcome> {
  await sleep('1s');
  return realConversationWorkflow(input);
}
