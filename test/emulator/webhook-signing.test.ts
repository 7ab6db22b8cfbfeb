/** The emulator signs its webhooks as fal does, serves the JWKS, and re-sends deliveries on request. */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startFalEmulator, type LocalFalEmulator } from './index';
import { submitJob, validInput } from './test-helpers';

interface Received {
	headers: IncomingHttpHeaders;
	raw: Buffer;
}

let emulator: LocalFalEmulator;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let answers: number[] = [];

beforeAll(async () => {
	emulator = await startFalEmulator({ runMs: 20 });
	receiver = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
			res.writeHead(answers.shift() ?? 200).end();
		});
	});
	await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
	receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?reference=row-1`;
});

afterEach(() => {
	emulator.reset();
	received.length = 0;
	answers = [];
});

afterAll(async () => {
	await emulator.close();
	receiver.closeAllConnections();
	await new Promise((resolve) => receiver.close(resolve));
});

async function jwks(): Promise<{ keys: { kty: string; crv: string; x: string; kid: string }[] }> {
	const response = await fetch(`${emulator.url}/.well-known/jwks.json`);
	expect(response.status).toBe(200);
	return (await response.json()) as { keys: { kty: string; crv: string; x: string; kid: string }[] };
}

/** fal's scheme, checked independently of the node's own code. */
function verifiesWith(key: { kty: string; crv: string; x: string }, delivery: Received): boolean {
	const header = (name: string) => String(delivery.headers[name] ?? '');
	const message = [
		header('x-fal-webhook-request-id'),
		header('x-fal-webhook-user-id'),
		header('x-fal-webhook-timestamp'),
		createHash('sha256').update(delivery.raw).digest('hex'),
	].join('\n');
	const publicKey = createPublicKey({ key: key, format: 'jwk' });
	return verify(null, Buffer.from(message), publicKey, Buffer.from(header('x-fal-webhook-signature'), 'hex'));
}

async function finishedJob(): Promise<string> {
	const { request_id: id } = await submitJob(emulator, validInput(), `?fal_webhook=${encodeURIComponent(receiverUrl)}`);
	await emulator.waitFor(() => received.length === 1);
	return id;
}

async function redeliver(id: string, variant: string): Promise<{ status: number; body: Record<string, unknown> }> {
	const response = await fetch(`${emulator.url}/__emulator/redeliver/${id}?variant=${variant}`, { method: 'POST' });
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('webhook signatures', () => {
	it('serves one Ed25519 key and signs each delivery with it, over the exact body bytes', async () => {
		const { keys } = await jwks();
		expect(keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(/^[\w-]{43}$/), kid: expect.any(String) }]);
		const id = await finishedJob();
		const [delivery] = received;
		expect(delivery.headers['x-fal-webhook-request-id']).toBe(id);
		expect(delivery.headers['x-fal-webhook-user-id']).toEqual(expect.any(String));
		expect(Math.abs(Number(delivery.headers['x-fal-webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
		expect(delivery.headers['x-fal-webhook-signature']).toMatch(/^[0-9a-f]{128}$/);
		expect(verifiesWith(keys[0], delivery)).toBe(true);
		expect(verifiesWith(keys[0], { ...delivery, raw: Buffer.concat([delivery.raw, Buffer.from(' ')]) })).toBe(false);
		expect(emulator.log.filter((entry) => entry.route === 'jwks')).toHaveLength(1);
	});

	it('rotates the key: the old key leaves the JWKS and later deliveries verify only with the new one', async () => {
		const before = (await jwks()).keys[0];
		const rotated = await fetch(`${emulator.url}/__emulator/webhook-key/rotate`, { method: 'POST' });
		const after = (await jwks()).keys;
		expect(after).toHaveLength(1);
		expect((await rotated.json()) as object).toEqual({ kid: after[0].kid });
		expect(after[0].x).not.toBe(before.x);
		await finishedJob();
		expect(verifiesWith(after[0], received[0])).toBe(true);
		expect(verifiesWith(before, received[0])).toBe(false);
	});
});

describe('redelivery', () => {
	it('sends a delivery again, forged, stale or unsigned, and answers with the receiver status', async () => {
		const id = await finishedJob();
		const { keys } = await jwks();
		answers = [200, 401, 401, 401];
		expect(await redeliver(id, 'again')).toEqual({ status: 200, body: { requestId: id, variant: 'again', status: 200 } });
		expect((await redeliver(id, 'forged')).body.status).toBe(401);
		expect((await redeliver(id, 'stale')).body.status).toBe(401);
		expect((await redeliver(id, 'unsigned')).body.status).toBe(401);
		// Under a heavy load the original delivery may be retried (its answer timed out): the four re-sends come last.
		const original = received[0];
		const [again, forged, stale, unsigned] = received.slice(-4);
		expect(received.every((delivery) => delivery.raw.equals(original.raw))).toBe(true);
		expect(new URL(receiverUrl).search).toBe('?reference=row-1');
		expect(verifiesWith(keys[0], again)).toBe(true);
		expect(verifiesWith(keys[0], forged)).toBe(false);
		expect(verifiesWith(keys[0], stale)).toBe(true);
		expect(Date.now() / 1000 - Number(stale.headers['x-fal-webhook-timestamp'])).toBeGreaterThanOrEqual(599);
		expect(Object.keys(unsigned.headers).filter((name) => name.startsWith('x-fal-webhook'))).toEqual([]);
		const variants = emulator.webhookDeliveries.map((delivery) => delivery.variant);
		expect(variants[0]).toBeUndefined();
		expect(variants.filter((variant) => variant !== undefined)).toEqual(['again', 'forged', 'stale', 'unsigned']);
	});

	it('refuses unknown jobs and variants', async () => {
		expect((await redeliver('no-such-job', 'again')).status).toBe(404);
		const id = await finishedJob();
		expect((await redeliver(id, 'sideways')).status).toBe(422);
	});
});

describe('webhook retry schedule', () => {
	it('waits the configured delays between attempts and stops after the last', async () => {
		emulator.options.webhookRetryDelaysMs = [10, 10];
		answers = [500, 500, 500, 500];
		await submitJob(emulator, validInput(), `?fal_webhook=${encodeURIComponent(receiverUrl)}`);
		await emulator.waitFor(() => emulator.webhookDeliveries.length === 3);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(emulator.webhookDeliveries.map((delivery) => delivery.status)).toEqual([500, 500, 500]);
		emulator.options.webhookRetryDelaysMs = [100, 300, 900];
	});
});
