/**
 * fal accounts, as the emulator keeps them: every API key is an account of its own. A job belongs
 * to the key that submitted it; its webhook carries that account's user id; status, result, stream
 * and cancel with another account's key answer 404, as fal's queue does for a request it does not
 * know for the caller.
 */
import { WEBHOOK_USER_ID } from './signing';

/** The first key is `emulator-user` (what deliveries always carried); the n-th (n ≥ 2) `emulator-user-n`. */
export function userIdOfKey(key: string, apiKeys: readonly string[]): string {
	const index = apiKeys.indexOf(key);
	return index <= 0 ? WEBHOOK_USER_ID : `${WEBHOOK_USER_ID}-${index + 1}`;
}

/** The key of an `Authorization: Key <key>` header, or undefined. */
export function keyOf(authorization: string | undefined): string | undefined {
	const [scheme, key] = (authorization ?? '').split(/\s+/, 2);
	return scheme === 'Key' && key ? key : undefined;
}
