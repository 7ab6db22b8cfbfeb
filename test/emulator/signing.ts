import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

/** The user id the emulator signs its webhooks for (fal puts the account's id here). */
export const WEBHOOK_USER_ID = 'emulator-user';

export interface Jwk {
	kty: 'OKP';
	crv: 'Ed25519';
	x: string;
	kid: string;
}

export interface WebhookSignatureHeaders {
	'x-fal-webhook-request-id': string;
	'x-fal-webhook-user-id': string;
	'x-fal-webhook-timestamp': string;
	'x-fal-webhook-signature': string;
}

/**
 * Signs webhooks as fal does: Ed25519 over `request_id \n user_id \n timestamp \n sha256hex(body)`,
 * with a key pair made at start and published as a JWKS. `rotate()` replaces the key and drops the
 * old one from the JWKS, so a receiver with a cached key has to fetch the JWKS again.
 */
export class WebhookSigner {
	private key = newKey();

	rotate(): void {
		this.key = newKey();
	}

	jwks(): { keys: Jwk[] } {
		const { x } = this.key.publicKey.export({ format: 'jwk' }) as { x: string };
		return { keys: [{ kty: 'OKP', crv: 'Ed25519', x, kid: this.key.kid }] };
	}

	/** `timestampSeconds` defaults to now; `userId` is the account that owns the job. */
	headers(requestId: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000), userId = WEBHOOK_USER_ID): WebhookSignatureHeaders {
		const timestamp = String(timestampSeconds);
		const message = [requestId, userId, timestamp, createHash('sha256').update(body).digest('hex')].join('\n');
		return {
			'x-fal-webhook-request-id': requestId,
			'x-fal-webhook-user-id': userId,
			'x-fal-webhook-timestamp': timestamp,
			'x-fal-webhook-signature': sign(null, Buffer.from(message), this.key.privateKey).toString('hex'),
		};
	}
}

function newKey(): { publicKey: KeyObject; privateKey: KeyObject; kid: string } {
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	return { publicKey, privateKey, kid: randomUUID() };
}
