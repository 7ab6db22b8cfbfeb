/**
 * Verifies one webhook delivery: headers present and well formed, timestamp fresh, signature made
 * by one of fal's keys. When no cached key matches, the JWKS is fetched again (rate-bounded by the
 * cache) in case fal rotated its key.
 */
import type { FetchText, JwksCache } from './jwks';
import { isTimestampFresh, parseSignatureHeaders, signedMessage, verifiesWithAny, type SignatureFailure } from './signature';

/** `keysUnavailable`: fal's keys could not be fetched (none cached): not a verdict on the delivery. */
export type Verification = { ok: true; requestId: string; userId: string } | { ok: false; reason: SignatureFailure | 'keysUnavailable' };

export interface VerifyInput {
	headers: Record<string, string | string[] | undefined>;
	rawBody: Buffer;
	jwks: JwksCache;
	fetchText: FetchText;
	nowMs?: number;
}

export async function verifyDelivery({ headers, rawBody, jwks, fetchText, nowMs = Date.now() }: VerifyInput): Promise<Verification> {
	const parsed = parseSignatureHeaders(headers);
	if (!parsed.ok) return parsed;
	const signed = parsed.headers;
	if (!isTimestampFresh(signed.timestamp, nowMs)) return { ok: false, reason: 'staleTimestamp' };
	const message = signedMessage(signed, rawBody);
	const accepted = { ok: true as const, requestId: signed.requestId, userId: signed.userId };
	const keys = await jwks.current(fetchText);
	if (keys.length === 0) return { ok: false, reason: 'keysUnavailable' };
	if (verifiesWithAny(keys, message, signed.signature)) return accepted;
	if ((await jwks.refetch(fetchText)) && verifiesWithAny(await jwks.current(fetchText), message, signed.signature)) return accepted;
	return { ok: false, reason: 'noMatchingKey' };
}
