/**
 * Submit's Reference: a short tag (a row id, a customer) that rides in the webhook URL's query and
 * comes out of the Stable Avatar Trigger, so the finished video finds its row. Checked before submit.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { invalidInput } from './validation';

export const MAX_REFERENCE_LENGTH = 200;
const SAFE_REFERENCE = /^[A-Za-z0-9._\-:@/+]+$/;

/**
 * What is wrong with a reference, in words; undefined when it is fine. The same rule at submit and
 * when the Stable Avatar Trigger receives it back: workflows write files named after it, so it may
 * not name a path outside a folder (a `..` segment, a leading `/`).
 */
export function referenceProblem(reference: string): { problem: string; fix: string } | undefined {
	if (reference.length > MAX_REFERENCE_LENGTH) {
		return { problem: `is ${reference.length} characters long`, fix: `Use at most ${MAX_REFERENCE_LENGTH} characters, e.g. the row's id rather than its content.` };
	}
	if (!SAFE_REFERENCE.test(reference)) {
		const shown = reference.length > 40 ? `${reference.slice(0, 40)}…` : reference;
		return { problem: `has characters that are not allowed (got "${shown}")`, fix: 'Use letters, digits and . _ - : @ / + only (no spaces), e.g. the row\'s id.' };
	}
	if (reference.startsWith('/') || reference.split('/').includes('..')) {
		return { problem: `could name a path outside a folder (got "${reference.slice(0, 40)}")`, fix: 'Do not start it with / and use no .. segment, e.g. the row\'s id.' };
	}
	return undefined;
}

/** undefined when empty; numbers (e.g. `{{ $json.id }}`) become text. */
export function checkedReference(ctx: IExecuteFunctions, itemIndex: number, value: unknown, webhookUrl: string | undefined): string | undefined {
	const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
	if (text === undefined || text === null || text === '') return undefined;
	if (typeof text !== 'string') {
		throw invalidInput(ctx, itemIndex, 'Reference', `is not text (got ${typeof text})`, 'Set Reference to a text or number, e.g. {{ $json.id }}.');
	}
	const reference = text.trim();
	if (reference === '') return undefined;
	const wrong = referenceProblem(reference);
	if (wrong) throw invalidInput(ctx, itemIndex, 'Reference', wrong.problem, wrong.fix);
	if (!webhookUrl) {
		throw invalidInput(ctx, itemIndex, 'Reference', 'is set but Webhook URL is empty', 'The reference travels in the webhook URL: paste the Stable Avatar Trigger\'s Production URL into Webhook URL, or clear Reference.');
	}
	return reference;
}
