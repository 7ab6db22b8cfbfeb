/** The JWKS cache: parses fal's keys, re-fetches on an unknown key at most every 30 s, keeps what it had when fal is down. */
import { startFalEmulator, type LocalFalEmulator } from '../../../../emulator';
import { JwksCache, parseJwks, REFETCH_INTERVAL_MS, CACHE_TTL_MS, type FetchText } from '../../../../../nodes/StableAvatar/transport/webhooks/jwks';

let fal: LocalFalEmulator;
beforeAll(async () => {
	fal = await startFalEmulator();
});
afterEach(() => fal.reset());
afterAll(async () => await fal.close());

const fetchText: FetchText = async (url) => {
	const response = await fetch(url);
	return { status: response.status, body: await response.text() };
};

function jwksFetches(): number {
	return fal.log.filter((entry) => entry.route === 'jwks').length;
}

describe('parseJwks', () => {
	test('keeps Ed25519 keys and skips everything else', () => {
		const [key] = fal.webhookJwks().keys as { x: string }[];
		const keys = parseJwks(
			JSON.stringify({
				keys: [
					{ kty: 'RSA', n: 'x', e: 'AQAB' },
					{ kty: 'OKP', crv: 'X25519', x: key.x },
					{ kty: 'OKP', crv: 'Ed25519', x: 'not-a-key' },
					{ kty: 'OKP', crv: 'Ed25519', x: key.x },
				],
			}),
		);
		expect(keys).toHaveLength(1);
		expect(keys[0].asymmetricKeyType).toBe('ed25519');
	});

	test.each(['', 'null', '{"keys": 1}', '[1,2]', '{'])('%j has no keys', (text) => {
		expect(parseJwks(text)).toEqual([]);
	});
});

describe('JwksCache', () => {
	test('fetches once, then serves from the cache until it is a day old', async () => {
		let now = 1_000_000;
		const cache = new JwksCache(`${fal.url}/.well-known/jwks.json`, () => now);
		expect(await cache.current(fetchText)).toHaveLength(1);
		expect(await cache.current(fetchText)).toHaveLength(1);
		expect(jwksFetches()).toBe(1);
		now += CACHE_TTL_MS + 1;
		await cache.current(fetchText);
		expect(jwksFetches()).toBe(2);
	});

	test('re-fetches for an unknown key at most once per interval, and then gets the rotated key', async () => {
		let now = 1_000_000;
		const cache = new JwksCache(`${fal.url}/.well-known/jwks.json`, () => now);
		const [first] = await cache.current(fetchText);
		fal.rotateWebhookKey();
		expect(await cache.refetch(fetchText)).toBe(false);
		expect(await Promise.all([cache.refetch(fetchText), cache.refetch(fetchText)])).toEqual([false, false]);
		expect(jwksFetches()).toBe(1);
		now += REFETCH_INTERVAL_MS;
		const together = await Promise.all([cache.refetch(fetchText), cache.refetch(fetchText)]);
		expect(together.filter(Boolean)).toHaveLength(1);
		expect(jwksFetches()).toBe(2);
		const [second] = await cache.current(fetchText);
		expect(second.equals(first)).toBe(false);
	});

	test('keeps the keys it had when fal answers with an error or cannot be reached', async () => {
		let now = 1_000_000;
		const cache = new JwksCache(`${fal.url}/.well-known/jwks.json`, () => now);
		const [key] = await cache.current(fetchText);
		fal.addFault({ route: 'jwks', fault: { kind: 'status', status: 503 } });
		now += REFETCH_INTERVAL_MS;
		expect(await cache.refetch(fetchText)).toBe(false);
		now += REFETCH_INTERVAL_MS;
		expect(await cache.refetch(async () => await fetchText('http://127.0.0.1:9/jwks.json'))).toBe(false);
		expect((await cache.current(fetchText))[0].equals(key)).toBe(true);
	});
});
