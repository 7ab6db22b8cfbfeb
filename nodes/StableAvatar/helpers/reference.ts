/**
 * Submit's Reference: a short tag (a row id, a customer) that rides in the webhook URL's query and
 * comes out of the Stable Avatar Trigger, so the finished video finds its row. Checked before submit.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { invalidInput } from './validation';

export const MAX_REFERENCE_LENGTH = 200;
const SAFE_REFERENCE = /^[A-Za-z0-9._\-:@/+]+$/;

/** undefined when empty; numbers (e.g. `{{ $json.id }}`) become text. */
export function checkedReference(ctx: IExecuteFunctions, itemIndex: number, value: unknown, webhookUrl: string | undefined): string | undefined {
	const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
	if (text === undefined || text === null || text === '') return undefined;
	if (typeof text !== 'string') {
		throw invalidInput(ctx, itemIndex, 'Reference', `is not text (got ${typeof text})`, 'Set Reference to a text or number, e.g. {{ $json.id }}.');
	}
	const reference = text.trim();
	if (reference === '') return undefined;
	if (reference.length > MAX_REFERENCE_LENGTH) {
		throw invalidInput(ctx, itemIndex, 'Reference', `is ${reference.length} characters long`, `Use at most ${MAX_REFERENCE_LENGTH} characters, e.g. the row's id rather than its content.`);
	}
	if (!SAFE_REFERENCE.test(reference)) {
		const shown = reference.length > 40 ? `${reference.slice(0, 40)}…` : reference;
		throw invalidInput(ctx, itemIndex, 'Reference', `has characters that are not allowed (got "${shown}")`, 'Use letters, digits and . _ - : @ / + only (no spaces), e.g. the row\'s id.');
	}
	if (!webhookUrl) {
		throw invalidInput(ctx, itemIndex, 'Reference', 'is set but Webhook URL is empty', 'The reference travels in the webhook URL: paste the Stable Avatar Trigger\'s Production URL into Webhook URL, or clear Reference.');
	}
	return reference;
}
