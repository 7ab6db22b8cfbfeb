/**
 * fal's public webhook keys (a JWKS of Ed25519 keys), cached and bounded. A signature that matches
 * no cached key may mean fal rotated its key: then the JWKS is fetched again, but at most once per
 * REFETCH_INTERVAL_MS, so a stream of forged deliveries cannot make n8n hammer fal.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

import { parseJsonObject } from '../errors';

export const MAX_KEYS = 20;
export const CACHE_TTL_MS = 24 * 60 * 60 * 1000;
export const REFETCH_INTERVAL_MS = 30_000;
/** A JWKS fetch that takes longer fails (the deliveries waiting on it are answered 503; fal retries them). */
export const JWKS_TIMEOUT_MS = 5_000;

/** Fetches a URL's text; the node passes one built on n8n's request helpers. */
export type FetchText = (url: string) => Promise<{ status: number; body: string }>;

/** The Ed25519 keys of a JWKS text; anything else in it is skipped. */
export function parseJwks(text: string): KeyObject[] {
	const keys = parseJsonObject(text)?.keys;
	if (!Array.isArray(keys)) return [];
	const parsed: KeyObject[] = [];
	for (const jwk of keys.slice(0, MAX_KEYS)) {
		if (jwk?.kty !== 'OKP' || jwk?.crv !== 'Ed25519' || typeof jwk?.x !== 'string') continue;
		try {
			parsed.push(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }));
		} catch {
			// A key that does not parse is no key.
		}
	}
	return parsed;
}

export class JwksCache {
	private keys: KeyObject[] = [];
	private fetchedAt = -Infinity;
	private lastAttemptAt = -Infinity;
	private pending?: Promise<void>;

	constructor(
		private readonly url: string,
		private readonly now: () => number = () => Date.now(),
	) {}

	/** The cached keys, fetched first when there are none or they are older than a day. */
	async current(fetchText: FetchText): Promise<KeyObject[]> {
		if (this.keys.length === 0 || this.now() - this.fetchedAt > CACHE_TTL_MS) await this.refetch(fetchText);
		return this.keys;
	}

	/**
	 * Fetches the JWKS again unless that was tried less than REFETCH_INTERVAL_MS ago; true when new
	 * keys arrived. A failed fetch keeps the keys we had.
	 */
	async refetch(fetchText: FetchText): Promise<boolean> {
		if (this.pending) {
			await this.pending;
			return false;
		}
		if (this.now() - this.lastAttemptAt < REFETCH_INTERVAL_MS) return false;
		this.lastAttemptAt = this.now();
		let fresh = false;
		this.pending = (async () => {
			try {
				const response = await fetchText(this.url);
				const keys = response.status === 200 ? parseJwks(response.body) : [];
				if (keys.length > 0) {
					this.keys = keys;
					this.fetchedAt = this.now();
					fresh = true;
				}
			} catch {
				// fal unreachable: verification fails closed with the keys we have.
			}
		})();
		try {
			await this.pending;
		} finally {
			this.pending = undefined;
		}
		return fresh;
	}
}

/** One cache per JWKS URL for the life of the process, so all trigger nodes share what they fetched. */
const caches = new Map<string, JwksCache>();
const MAX_CACHES = 20;

export function jwksCacheFor(url: string): JwksCache {
	let cache = caches.get(url);
	if (!cache) {
		if (caches.size >= MAX_CACHES) caches.delete(caches.keys().next().value as string);
		cache = new JwksCache(url);
		caches.set(url, cache);
	}
	return cache;
}
