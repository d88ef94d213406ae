// The workflow bundle's entry point: every workflow the worker runs is exported here.
export { conversationWorkflow } from './conversation/workflow.js';
export { erasureWorkflow } from './erasure.js';
export { knowledgeSyncWorkflow } from './knowledge-sync.js';
export { refundWorkflow } from './refund.js';
export { retentionWorkflow } from './retention.js';
