/**
 * The node as an AI Agent's tool. n8n (1.123 and 2.x alike) offers a `usableAsTool` node to agents
 * as a second node type whose name ends in `Tool` ("Stable Avatar Tool"); that name is how a run
 * knows it serves a model. A model passes only text and reads only the item JSON and, on failure,
 * the error's message: so in tool mode inputs are URLs, the video is not downloaded, and errors carry
 * their advice in the message itself.
 */
import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

const refusals = new WeakSet<object>();

/**
 * Marks an error that refused a tool call before anything was submitted (bad arguments, audio too
 * long, over budget): the tool answers with it instead of failing, so the model reads it on every n8n
 * version (1.x ends the agent's whole run on a failed tool call) and Retry On Fail does not repeat it.
 */
export function refusedBeforeSubmit<E extends object>(error: E): E {
	refusals.add(error);
	return error;
}

export function isRefusal(error: unknown): boolean {
	return typeof error === 'object' && error !== null && refusals.has(error);
}

export function isToolRun(ctx: { getNode(): INode }): boolean {
	return ctx.getNode().type.endsWith('Tool');
}

/** An error as the model should read it: one message, no "Item 0:", the advice included. */
export function toolError(node: INode, error: unknown): NodeOperationError {
	const wrapped = error instanceof NodeOperationError || error instanceof NodeApiError ? error : new NodeOperationError(node, error as Error);
	const message = withoutItemPrefix(wrapped.message);
	const advice = typeof wrapped.description === 'string' ? withoutItemPrefix(wrapped.description) : '';
	const text = advice && !message.includes(advice) ? `${sentence(message)} ${advice}` : message;
	// The same text as description too: n8n's tool wrapper appends a description the message lacks.
	return new NodeOperationError(node, text, { description: text });
}

function withoutItemPrefix(text: string): string {
	const rest = text.replace(/^Item \d+: /, '');
	return rest.charAt(0).toUpperCase() + rest.slice(1);
}

function sentence(text: string): string {
	return /[.!?]$/.test(text) ? text : `${text}.`;
}
