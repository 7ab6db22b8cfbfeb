/**
 * fal's webhook signature: Ed25519 over `request_id \n user_id \n timestamp \n sha256hex(raw body)`,
 * sent in the X-Fal-Webhook-* headers, valid if any of fal's published keys verifies it and the
 * timestamp is within five minutes of now. Bad input yields a reason, never an exception.
 */
import { createHash, verify, type KeyObject } from 'node:crypto';

export const TIMESTAMP_TOLERANCE_SECONDS = 300;

export interface WebhookSignatureHeaders {
	requestId: string;
	userId: string;
	timestamp: number;
	signature: Buffer;
}

export type SignatureFailure = 'missingHeaders' | 'malformedHeaders' | 'staleTimestamp' | 'noMatchingKey';

export type HeaderParse = { ok: true; headers: WebhookSignatureHeaders } | { ok: false; reason: 'missingHeaders' | 'malformedHeaders' };

type HeaderBag = Record<string, string | string[] | undefined>;

/** Reads the four headers (names as Node gives them: lower case). */
export function parseSignatureHeaders(headers: HeaderBag): HeaderParse {
	const requestId = single(headers['x-fal-webhook-request-id']);
	const userId = single(headers['x-fal-webhook-user-id']);
	const timestamp = single(headers['x-fal-webhook-timestamp']);
	const signature = single(headers['x-fal-webhook-signature']);
	if (requestId === undefined || userId === undefined || timestamp === undefined || signature === undefined) {
		return { ok: false, reason: 'missingHeaders' };
	}
	// An Ed25519 signature is 64 bytes: 128 hex digits.
	if (!/^\d{1,12}$/.test(timestamp) || !/^[0-9a-fA-F]{128}$/.test(signature) || requestId === '' || /[\n\r]/.test(requestId + userId)) {
		return { ok: false, reason: 'malformedHeaders' };
	}
	return { ok: true, headers: { requestId, userId, timestamp: Number(timestamp), signature: Buffer.from(signature, 'hex') } };
}

/** The signed message, from the exact bytes received (never re-serialised JSON). */
export function signedMessage(headers: WebhookSignatureHeaders, rawBody: Buffer): Buffer {
	const bodyHash = createHash('sha256').update(rawBody).digest('hex');
	return Buffer.from(`${headers.requestId}\n${headers.userId}\n${headers.timestamp}\n${bodyHash}`, 'utf8');
}

export function isTimestampFresh(timestampSeconds: number, nowMs: number): boolean {
	return Math.abs(nowMs / 1000 - timestampSeconds) <= TIMESTAMP_TOLERANCE_SECONDS;
}

/** True when one of the keys verifies the signature over the message. */
export function verifiesWithAny(keys: readonly KeyObject[], message: Buffer, signature: Buffer): boolean {
	return keys.some((key) => {
		try {
			return verify(null, message, key, signature);
		} catch {
			return false;
		}
	});
}

function single(value: string | string[] | undefined): string | undefined {
	const text = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
	return text === undefined ? undefined : text.trim();
}
