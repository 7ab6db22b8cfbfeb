/**
 * Only the credential's own fal jobs get in, refusals are cheap, duplicates stay duplicates under
 * concurrency and across a restart, and every outbound call of the trigger has a bound. The trigger
 * runs behind a real HTTP server (n8n-core's WebhookContext), fed by the fal emulator, which holds
 * two accounts: the credential's key and OTHER_KEY (a stranger who learnt the trigger's URL).
 */
import { credentialCalls } from '../../harness/credentials';
import { useFilesystemBinaryStorage } from '../../harness/engine';
import { useFalEmulator } from '../../harness/fal';
import { startTriggerServer, type TriggerServer, type TriggerServerOptions } from '../../harness/webhook';
import { AVATAR_NODE, avatarWorkflow, urlInputs } from '../../harness/workflows';
import { outputOf } from '../../harness/engine';
import { downloadBounds } from '../../../nodes/StableAvatarTrigger/bounds';
import { StableAvatarTrigger } from '../../../nodes/StableAvatarTrigger/StableAvatarTrigger.node';
import type { INodeType } from 'n8n-workflow';

const OTHER_KEY = 'someone-elses-fal-key';
// No automatic re-sends: each test sees only the deliveries it made (a refused one is not retried into the next test).
const ctx = useFalEmulator({ runMs: 50, apiKeys: [OTHER_KEY], webhookRetryDelaysMs: [] });
let trigger: TriggerServer | undefined;

beforeAll(async () => {
	await useFilesystemBinaryStorage();
});

afterEach(async () => {
	await trigger?.close();
	trigger = undefined;
});

/** Each test gets a trigger as after a fresh start (its own process memory), unless told otherwise. */
async function serve(options: Partial<TriggerServerOptions> = {}): Promise<TriggerServer> {
	trigger = await startTriggerServer({ credentials: ctx.credentials(), nodeType: freshTriggerNode(), ...options });
	return trigger;
}

/** A job submitted straight to fal's queue with `key`, its webhook pointing at `webhookUrl`. */
async function submitAs(key: string, webhookUrl: string): Promise<string> {
	const response = await fetch(`${ctx.fal.url}/fal-ai/stable-avatar?fal_webhook=${encodeURIComponent(webhookUrl)}`, {
		method: 'POST',
		headers: { authorization: `Key ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ image_url: `${ctx.fal.url}/files/x/face.png`, audio_url: `${ctx.fal.url}/files/x/speech.mp3`, prompt: 'A person speaks.' }),
	});
	expect(response.status).toBe(200);
	return ((await response.json()) as { request_id: string }).request_id;
}

/** Submits one job per row through the real Submit operation, pointed at the trigger. */
async function submitRows(server: TriggerServer, count: number, prefix: string): Promise<string[]> {
	const rows = Array.from({ length: count }, (_, index) => ({ json: { id: `${prefix}-${index + 1}` } }));
	const run = await ctx.run(avatarWorkflow(rows, urlInputs({ operation: 'submit', webhookUrl: server.url, reference: '={{ $json.id }}' })));
	return outputOf(run, AVATAR_NODE).map((item) => item.json.requestId as string);
}

async function answered(server: TriggerServer, calls: number): Promise<void> {
	await ctx.fal.waitFor(() => server.calls.length >= calls, 20_000);
}

async function redeliver(requestId: string, variant: string): Promise<number> {
	const response = await fetch(`${ctx.fal.url}/__emulator/redeliver/${requestId}?variant=${variant}`, { method: 'POST' });
	return ((await response.json()) as { status: number }).status;
}

/** After a restart the emulator's kept-alive connections to the old server are dead: like fal, send again when no answer came. */
async function redeliverUntilAnswered(requestId: string): Promise<number> {
	let status = 0;
	for (let attempt = 0; attempt < 3 && status === 0; attempt++) status = await redeliver(requestId, 'again');
	return status;
}

/** Whether a call was answered while another was still running (they ran at the same time). */
function overlapping(server: TriggerServer): boolean {
	const answers = server.calls.map((call) => call.answeredAt).sort((a, b) => a - b);
	const ends = server.executions.map((execution) => execution.startedAt).sort((a, b) => a - b);
	return answers.length > 1 && answers[1] < ends[0];
}

const routes = () => ctx.fal.log.map((entry) => entry.route);
/** What the trigger asked the emulator for (keys, job status, video): its webhook deliveries aside. */
const fetchedByTrigger = (requestId?: string) =>
	ctx.fal.log.filter((entry) => ['jwks', 'status', 'cdn'].includes(entry.route) && (requestId === undefined || entry.route === 'jwks' || entry.requestId === requestId)).map((entry) => entry.route);

describe('Stable Avatar Trigger: bound to the credential\'s fal account', () => {
	test("a stranger's signed delivery is refused and starts nothing; once the account is known, strangers cost no request", async () => {
		const server = await serve();
		// Before the trigger knows its account: it asks fal for the job with the credential's key, and fal does not know it.
		const strangers = await submitAs(OTHER_KEY, server.url);
		await answered(server, 1);
		expect(server.calls[0]).toMatchObject({ status: 401, body: '', executionStarted: false });
		expect(ctx.fal.log.filter((entry) => entry.route === 'status' && entry.requestId === strangers).map((entry) => entry.status)).toEqual([404]);

		// The account's own job: proven once, then it carries the account's user id.
		const [own] = await submitRows(server, 1, 'own');
		await answered(server, 2);
		expect(server.calls[1].status).toBe(200);
		expect(server.executions.map((execution) => execution.items[0].json)).toEqual([expect.objectContaining({ requestId: own, userId: 'emulator-user', reference: 'own-1' })]);

		// A stranger copying the URL with one of our references: refused without asking fal anything.
		ctx.fal.reset();
		const copied = await submitAs(OTHER_KEY, `${server.url}?reference=own-1`);
		await answered(server, 3);
		expect(server.calls[2]).toMatchObject({ status: 401, executionStarted: false });
		expect(ctx.fal.log.filter((entry) => entry.requestId === copied && entry.route === 'status')).toEqual([]);
		expect(routes()).not.toContain('status');
		expect(server.executions).toHaveLength(1);
	});

	test('many deliveries of the account arriving together ask fal once', async () => {
		const server = await serve();
		await submitRows(server, 10, 'burst');
		await answered(server, 10);
		expect(server.calls.map((call) => call.status)).toEqual(Array(10).fill(200));
		expect(server.executions).toHaveLength(10);
		expect(routes().filter((route) => route === 'status')).toHaveLength(1);
	});

	test("fal's queue not answering the ownership question: 503 (fal delivers again), nothing starts", async () => {
		const server = await serve();
		ctx.fal.addFault({ route: 'status', fault: { kind: 'status', status: 500 } });
		await submitRows(server, 1, 'unsure');
		await answered(server, 1);
		expect(server.calls[0]).toMatchObject({ status: 503, executionStarted: false });
	});
});

describe('Stable Avatar Trigger: the reference', () => {
	test.each(['../x', 'rows/../../etc/passwd', '/tmp/x', 'a b'])('a delivery whose URL carries reference %p is refused before anything is loaded or fetched', async (reference) => {
		const server = await serve();
		const before = credentialCalls.decrypted;
		const id = await submitAs(ctx.credentials().apiKey, `${server.url}?reference=${encodeURIComponent(reference)}`);
		await answered(server, 1);
		expect(server.calls[0]).toMatchObject({ status: 401, executionStarted: false });
		expect(credentialCalls.decrypted).toBe(before);
		expect(fetchedByTrigger(id)).toEqual([]);
	});
});

describe('Stable Avatar Trigger: cheap refusals', () => {
	const now = () => String(Math.floor(Date.now() / 1000));
	const wellFormed = (overrides: Record<string, string> = {}) => ({
		'content-type': 'application/json',
		'x-fal-webhook-request-id': 'req-1',
		'x-fal-webhook-user-id': 'emulator-user',
		'x-fal-webhook-timestamp': now(),
		'x-fal-webhook-signature': 'ab'.repeat(64),
		...overrides,
	});
	const body = JSON.stringify({ request_id: 'req-1', status: 'OK', payload: { video: { url: 'http://127.0.0.1:9/v.mp4' } } });

	test.each([
		['unsigned', { 'content-type': 'application/json' }, body],
		['stale', wellFormed({ 'x-fal-webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) }), body],
		['malformed signature', wellFormed({ 'x-fal-webhook-signature': 'xyz' }), body],
		['oversized', wellFormed(), JSON.stringify({ request_id: 'req-1', padding: 'x'.repeat(1_100_000) })],
		['not JSON', wellFormed(), '{"request_id": '],
		['another job in the body than in the signed header', wellFormed(), body.replace('req-1', 'req-2')],
	])('%s: 401, no credential loaded, nothing fetched', async (_name, headers, text) => {
		const server = await serve();
		const before = credentialCalls.decrypted;
		const response = await fetch(server.url, { method: 'POST', headers, body: text });
		expect(response.status).toBe(401);
		expect(await response.text()).toBe('');
		expect(credentialCalls.decrypted).toBe(before);
		expect(fetchedByTrigger()).toEqual([]);
		expect(server.executions).toHaveLength(0);
	});

	test('a well-formed delivery with a bad signature is the one refusal that loads the credential and the keys', async () => {
		const server = await serve();
		const before = credentialCalls.decrypted;
		const response = await fetch(server.url, { method: 'POST', headers: wellFormed(), body });
		expect(response.status).toBe(401);
		expect(credentialCalls.decrypted).toBe(before + 1);
		expect(routes()).toEqual(['jwks']);
	});
});

describe('Stable Avatar Trigger: duplicates under concurrency, across a restart', () => {
	test.each([10, 40])('%i deliveries at once, n8n restarted, the same deliveries again: no second execution', async (count) => {
		const server = await serve();
		// Each call lasts until its video is in (n8n saves static data after that): the calls overlap.
		ctx.fal.addFault({ route: 'cdn', fault: { kind: 'delay', ms: 500 } });
		const ids = await submitRows(server, count, `dup${count}`);
		await ctx.fal.waitFor(() => server.executions.length === count, 30_000);
		expect(overlapping(server)).toBe(true);
		// Every call's copy of static data overwrote the others' when it was saved; the last one saved holds all ids.
		const saved = structuredClone(server.staticData);
		expect(Object.keys((saved['node:Stable Avatar Trigger'] as { seenRequestIds: object }).seenRequestIds).sort()).toEqual([...ids].sort());
		await server.close();
		trigger = undefined;

		const restarted = await serve({ staticData: saved, port: Number(new URL(server.url).port) });
		const statuses = await Promise.all(ids.map(async (id) => await redeliverUntilAnswered(id)));
		expect(statuses).toEqual(Array(count).fill(200));
		expect(restarted.calls.filter((call) => call.executionStarted)).toHaveLength(0);
		expect(restarted.executions).toHaveLength(0);
	});
});

describe('Stable Avatar Trigger: every outbound call has a bound', () => {
	afterEach(() => {
		jest.useRealTimers();
	});

	test('a stalled JWKS fetch fails the deliveries waiting on it with 503 (fal delivers again) and holds nobody for long', async () => {
		const server = await serve();
		ctx.fal.addFault({ route: 'jwks', fault: { kind: 'delay', ms: 60_000 } });
		const ids = await submitRows(server, 2, 'stalled-keys');
		await answered(server, 2);
		expect(server.calls.map((call) => call.status)).toEqual([503, 503]);
		expect(server.executions).toHaveLength(0);
		expect(routes().filter((route) => route === 'jwks')).toHaveLength(1);

		// fal's later retry, once the keys answer again (and the 30 s bound on refetching has passed).
		ctx.fal.clearFaults();
		jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'hrtime', 'performance'] });
		jest.setSystemTime(Date.now() + 31_000);
		expect(await redeliver(ids[0], 'again')).toBe(200);
		await ctx.fal.waitFor(() => server.executions.length === 1);
		expect(server.executions.map((execution) => execution.items[0].json.requestId)).toEqual([ids[0]]);
	}, 30_000);

	test('a download that stalls after the 200 is cut: the execution starts with an error item naming the request id', async () => {
		const { idleMs } = downloadBounds;
		// The bound, shortened for the test: the same code path as the 30 s in production.
		downloadBounds.idleMs = 300;
		try {
			const server = await serve({ nodeType: new StableAvatarTrigger() });
			ctx.fal.addFault({ route: 'cdn', fault: { kind: 'stall' } });
			const [id] = await submitRows(server, 1, 'stalled-video');
			await ctx.fal.waitFor(() => server.executions.length === 1, 25_000);
			expect(server.calls[0].status).toBe(200);
			const [item] = server.executions[0].items;
			expect(item.binary).toBeUndefined();
			expect(item.json).toMatchObject({ requestId: id, status: 'OK', reference: 'stalled-video-1' });
			expect(item.json.error).toEqual({
				message: expect.stringContaining(`fal job ${id} could not be downloaded`),
				type: 'download_failed',
				fix: expect.stringContaining(id),
			});
			expect(ctx.fal.log.filter((entry) => entry.route === 'cdn').length).toBeGreaterThan(1);
		} finally {
			downloadBounds.idleMs = idleMs;
		}
	}, 30_000);
});

function freshTriggerNode(): INodeType {
	let node: INodeType | undefined;
	jest.isolateModules(() => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { StableAvatarTrigger: Fresh } = require('../../../nodes/StableAvatarTrigger/StableAvatarTrigger.node.ts');
		node = new Fresh();
	});
	return node!;
}
