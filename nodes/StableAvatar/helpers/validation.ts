/**
 * Checks on values that may come from expressions, done before anything is uploaded or submitted.
 * Each failure names the item and the field, so a batch with one bad row is easy to fix.
 */
import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { isHttpUrl } from '../transport/urls';

export function invalidInput(ctx: IExecuteFunctions, itemIndex: number, field: string, problem: string, fix: string): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex}: ${field} ${problem}`, {
		itemIndex,
		description: fix,
	});
}

/** A number, or a numeric string from an expression; within [min, max]; whole if asked. */
export function checkedNumber(
	ctx: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	rule: { label: string; min: number; max: number; integer: boolean },
): number {
	const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number)) {
		throw invalidInput(ctx, itemIndex, rule.label, `is not a number (got ${describe(value)})`, `Set ${rule.label} to a number from ${rule.min} to ${rule.max}.`);
	}
	if (rule.integer && !Number.isInteger(number)) {
		throw invalidInput(ctx, itemIndex, rule.label, `must be a whole number (got ${number})`, `Set ${rule.label} to a whole number.`);
	}
	if (number < rule.min || number > rule.max) {
		throw invalidInput(ctx, itemIndex, rule.label, `is out of range (got ${number})`, `Set ${rule.label} to a value from ${rule.min} to ${rule.max}.`);
	}
	return number;
}

export function checkedText(ctx: IExecuteFunctions, itemIndex: number, value: unknown, label: string): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw invalidInput(ctx, itemIndex, label, `is empty`, `Enter a ${label}, or check the expression that sets it.`);
	}
	return value.trim();
}

/** Only http(s) URLs with a host: fal fetches them, and file:, javascript: or ftp: make no sense there. */
export function checkedUrl(ctx: IExecuteFunctions, itemIndex: number, value: unknown, label: string): string {
	const text = checkedText(ctx, itemIndex, value, label);
	if (!isHttpUrl(text)) {
		throw invalidInput(
			ctx,
			itemIndex,
			label,
			`is not an http(s) URL (got ${describe(text)})`,
			`Give a public http:// or https:// URL, or switch the source to Binary Data to upload a file from an earlier node.`,
		);
	}
	return text;
}

export function checkedChoice<T extends string>(
	ctx: IExecuteFunctions,
	itemIndex: number,
	value: unknown,
	label: string,
	choices: readonly T[],
): T {
	if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
	throw invalidInput(ctx, itemIndex, label, `must be one of ${choices.join(', ')} (got ${describe(value)})`, `Pick one of: ${choices.join(', ')}.`);
}

function describe(value: unknown): string {
	const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
	return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
