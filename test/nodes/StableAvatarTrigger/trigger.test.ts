/**
 * The Stable Avatar Trigger behind a real HTTP server (n8n-core's WebhookContext), fed by the fal
 * emulator's signed webhooks: Submit → fal → trigger, verification, errors, duplicates, restarts.
 */
import { createRequire } from 'node:module';

import { Container } from '../../harness/container';
import { outputOf } from '../../harness/engine';
import { useFilesystemBinaryStorage } from '../../harness/engine';
import { binaryBytes, sha256, useFalEmulator } from '../../harness/fal';
import { startTriggerServer, type TriggerServer, type TriggerServerOptions } from '../../harness/webhook';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../harness/workflows';
import type { INodeType } from 'n8n-workflow';

const ctx = useFalEmulator({ runMs: 50 });
let trigger: TriggerServer | undefined;

beforeAll(async () => {
	await useFilesystemBinaryStorage();
});

afterEach(async () => {
	await trigger?.close();
	trigger = undefined;
});

async function serve(options: Partial<TriggerServerOptions> = {}): Promise<TriggerServer> {
	trigger = await startTriggerServer({ credentials: ctx.credentials(), ...options });
	return trigger;
}

/** Submits one job per row through the real Submit operation, pointed at the trigger. */
async function submitRows(server: TriggerServer, rows: { id: string; prompt?: string }[]): Promise<string[]> {
	const run = await ctx.run(
		avatarWorkflow(
			rows.map((row) => ({ json: row })),
			urlInputs({ operation: 'submit', webhookUrl: server.url, reference: '={{ $json.id }}', prompt: '={{ $json.prompt || "A person speaks." }}' }),
		),
	);
	return outputOf(run, AVATAR_NODE).map((item) => item.json.requestId as string);
}

async function deliveredTo(server: TriggerServer, calls: number): Promise<void> {
	await ctx.fal.waitFor(() => server.calls.length >= calls, 15_000);
}

async function redeliver(requestId: string, variant: string): Promise<number> {
	const response = await fetch(`${ctx.fal.url}/__emulator/redeliver/${requestId}?variant=${variant}`, { method: 'POST' });
	return ((await response.json()) as { status: number }).status;
}

describe('Stable Avatar Trigger: finished jobs', () => {
	test('each job submitted with a reference starts one execution with its video and its reference', async () => {
		const server = await serve();
		const ids = await submitRows(server, [{ id: 'row-1' }, { id: 'row-2' }]);
		await deliveredTo(server, 2);
		expect(server.calls.map((call) => call.status)).toEqual([200, 200]);
		expect(server.executions).toHaveLength(2);
		const byId = new Map(server.executions.map((execution) => [execution.items[0].json.requestId, execution.items]));
		for (const [index, id] of ids.entries()) {
			const items = byId.get(id)!;
			expect(items).toHaveLength(1);
			const [item] = items;
			expect(item.json).toEqual({
				requestId: id,
				status: 'OK',
				video: { url: `${ctx.fal.url}/files/${id}/output.mp4`, contentType: 'video/mp4', fileName: `avatar-${id}.mp4`, fileSize: expect.any(Number) },
				// The emulator's clip is 2 s long: read from the MP4 as it streamed in, billed at fal's 4 s minimum.
				cost: { seconds: 2, usd: 0.4, basis: 'video', estimate: true },
				reference: `row-${index + 1}`,
				// The account whose job it was: the credential's own (the emulator's first key).
				userId: 'emulator-user',
				receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			});
			expect(item.binary!.data.mimeType).toBe('video/mp4');
			expect(item.binary!.data.id).toEqual(expect.any(String));
			expect(sha256(await binaryBytes(item.binary!.data))).toBe(ctx.fal.videoSha256(id));
		}
	});

	test('answers fal before the download: the 200 goes out before the execution starts', async () => {
		const server = await serve();
		const [id] = await submitRows(server, [{ id: 'big', prompt: '[emulator:video-bytes=20000000]' }]);
		await deliveredTo(server, 1);
		const [call] = server.calls;
		const [execution] = server.executions;
		expect(call.status).toBe(200);
		expect(call.answeredAt).toBeLessThanOrEqual(execution.startedAt);
		const delivery = ctx.fal.webhookDeliveries.find((entry) => entry.requestId === id)!;
		expect(delivery.status).toBe(200);
		expect(sha256(await binaryBytes(execution.items[0].binary!.data))).toBe(ctx.fal.videoSha256(id));
	});

	test('Download Video off: the item carries the URL and no binary', async () => {
		const server = await serve({ parameters: { downloadVideo: false } });
		await submitRows(server, [{ id: 'url-only' }]);
		await deliveredTo(server, 1);
		const [item] = server.executions[0].items;
		expect(item.binary).toBeUndefined();
		expect(item.json.video).toMatchObject({ url: expect.stringContaining('/files/') });
		expect(ctx.fal.log.filter((entry) => entry.route === 'cdn')).toHaveLength(0);
	});

	test('a download that fails after the acknowledgement still starts the execution, with the request id and how to recover', async () => {
		const server = await serve();
		ctx.fal.addFault({ route: 'cdn', fault: { kind: 'status', status: 404 } });
		const [id] = await submitRows(server, [{ id: 'lost-cdn' }]);
		await deliveredTo(server, 1);
		expect(server.calls[0].status).toBe(200);
		expect(server.executions).toHaveLength(1);
		const [item] = server.executions[0].items;
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ requestId: id, status: 'OK', reference: 'lost-cdn' });
		expect(item.json.error).toEqual({
			message: expect.stringContaining(`fal job ${id} could not be downloaded`),
			type: 'download_failed',
			fix: expect.stringContaining(`Get Result operation and request ID ${id}`),
		});
	});
});

describe('Stable Avatar Trigger: failed jobs', () => {
	test.each([
		['a 422 names the field', '[emulator:422 audio_url]', 'validation_error', /audio_url/],
		['a 5xx gives error_type in words', '[emulator:503 runner_disconnected]', 'runner_disconnected', /disconnected/i],
	])('%s, with the request id and what to do', async (_name, prompt, type, words) => {
		const server = await serve();
		const [id] = await submitRows(server, [{ id: 'failing', prompt }]);
		await deliveredTo(server, 1);
		expect(server.calls[0].status).toBe(200);
		const [item] = server.executions[0].items;
		expect(item.binary).toBeUndefined();
		expect(item.json).toMatchObject({ requestId: id, status: 'ERROR', video: null, reference: 'failing' });
		const error = item.json.error as { message: string; type: string; fix: string };
		expect(error.type).toBe(type);
		expect(`${error.message} ${error.fix}`).toMatch(words);
		expect(error.fix).toContain(id);
		expect(ctx.fal.log.filter((entry) => entry.route === 'cdn')).toHaveLength(0);
	});
});

describe('Stable Avatar Trigger: only fal gets in', () => {
	test.each(['forged', 'stale', 'unsigned'])('a %s delivery is answered 401 with nothing useful and starts nothing', async (variant) => {
		const server = await serve();
		const [id] = await submitRows(server, [{ id: 'once' }]);
		await deliveredTo(server, 1);
		expect(await redeliver(id, variant)).toBe(401);
		expect(server.calls[1]).toMatchObject({ status: 401, body: '', executionStarted: false });
		expect(server.executions).toHaveLength(1);
	});

	test.each([
		['a signature that is not hex', { 'x-fal-webhook-signature': 'zz'.repeat(64) }],
		['a short signature', { 'x-fal-webhook-signature': 'ab' }],
		['a timestamp that is not a number', { 'x-fal-webhook-timestamp': 'yesterday' }],
		['an empty request id', { 'x-fal-webhook-request-id': '' }],
	])('malformed headers (%s) → 401, no execution', async (_name, overrides) => {
		const warn = jest.spyOn(Container.get(backendCommon().Logger), 'warn');
		const server = await serve();
		const body = JSON.stringify({ request_id: 'a', status: 'OK', payload: { video: { url: 'http://127.0.0.1:9/v.mp4' } } });
		const headers = new Headers({
			'content-type': 'application/json',
			'x-fal-webhook-request-id': 'a',
			'x-fal-webhook-user-id': 'u',
			'x-fal-webhook-timestamp': String(Math.floor(Date.now() / 1000)),
			'x-fal-webhook-signature': 'ab'.repeat(64),
		});
		for (const [name, value] of Object.entries(overrides)) {
			headers.delete(name);
			for (const part of [value].flat()) headers.append(name, part);
		}
		const response = await fetch(server.url, { method: 'POST', headers, body });
		expect(response.status).toBe(401);
		expect(await response.text()).toBe('');
		expect(server.executions).toHaveLength(0);
		expect(warn.mock.calls.map(([message]) => String(message))).toContain('Stable Avatar Trigger refused a delivery: malformedHeaders');
		warn.mockRestore();
	});

	test('Verify Signature off: an unsigned delivery gets in, and each one logs a warning', async () => {
		const logger = Container.get(backendCommon().Logger);
		const warn = jest.spyOn(logger, 'warn');
		try {
			const server = await serve({ parameters: { verifySignature: false } });
			const body = JSON.stringify({ request_id: 'r-1', gateway_request_id: 'g-1', status: 'OK', payload: null, payload_error: 'Response payload is not JSON serializable' });
			const response = await fetch(`${server.url}?reference=row-9`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
			expect(response.status).toBe(200);
			const [item] = server.executions[0].items;
			expect(item.json).toMatchObject({ requestId: 'r-1', status: 'ERROR', reference: 'row-9', video: null });
			expect((item.json.error as { message: string }).message).toContain('not JSON serializable');
			expect(warn.mock.calls.map(([message]) => String(message))).toContainEqual(expect.stringContaining('WITHOUT verifying its signature'));
		} finally {
			warn.mockRestore();
		}
	});
});

describe('Stable Avatar Trigger: duplicates', () => {
	test("fal's retry of a delivery starts no second execution, also after a restart", async () => {
		const server = await serve();
		const [id] = await submitRows(server, [{ id: 'twice' }]);
		await deliveredTo(server, 1);
		expect(await redeliver(id, 'again')).toBe(200);
		expect(server.executions).toHaveLength(1);
		const saved = structuredClone(server.staticData);
		await server.close();
		trigger = undefined;

		// A restart: a fresh copy of the node (empty process memory), the static data n8n saved.
		const restarted = await serve({ nodeType: freshTriggerNode(), staticData: saved, port: Number(new URL(server.url).port) });
		expect(await redeliver(id, 'again')).toBe(200);
		expect(restarted.calls[0]).toMatchObject({ status: 200, executionStarted: false });
		expect(restarted.executions).toHaveLength(0);
	});
});

// Last: it moves the clock forward, and the JWKS cache it fills is shared by the whole file.
describe('Stable Avatar Trigger: key rotation', () => {
	test('a delivery signed with a new key makes the trigger fetch the JWKS again, at most every 30 s', async () => {
		const server = await serve();
		await submitRows(server, [{ id: 'before-rotation' }]);
		await deliveredTo(server, 1);
		ctx.fal.reset();
		await fetch(`${ctx.fal.url}/__emulator/webhook-key/rotate`, { method: 'POST' });
		jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'] });
		try {
			jest.setSystemTime(Date.now() + 31_000);
			const [id] = await submitRows(server, [{ id: 'after-rotation' }]);
			await deliveredTo(server, 2);
			expect(server.calls[1].status).toBe(200);
			expect(server.executions.map((execution) => execution.items[0].json.requestId)).toContain(id);
			expect(ctx.fal.log.filter((entry) => entry.route === 'jwks')).toHaveLength(1);

			// Forged deliveries match no key, but do not make the trigger fetch the JWKS again within 30 s.
			for (let i = 0; i < 5; i++) expect(await redeliver(id, 'forged')).toBe(401);
			expect(ctx.fal.log.filter((entry) => entry.route === 'jwks')).toHaveLength(1);
		} finally {
			jest.useRealTimers();
		}
	});
});

function freshTriggerNode(): INodeType {
	let node: INodeType | undefined;
	jest.isolateModules(() => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { StableAvatarTrigger } = require('../../../nodes/StableAvatarTrigger/StableAvatarTrigger.node.ts');
		node = new StableAvatarTrigger();
	});
	return node!;
}

/** n8n's own Logger class, from n8n-core's copy of @n8n/backend-common (the one its contexts use). */
function backendCommon(): { Logger: new () => { warn: (...args: unknown[]) => void } } {
	return createRequire(require.resolve('n8n-core'))('@n8n/backend-common');
}
