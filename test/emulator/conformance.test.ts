/**
 * Conformance: the real @fal-ai/client (1.10.1) drives the emulator. Its fetch is wrapped only to rewrite
 * fal's production origins to the emulator origin; the emulator does not special-case the client.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, fal, ValidationError, type QueueStatus } from '@fal-ai/client';
import { startFalEmulator, type LocalFalEmulator } from './index';
import { KEY, startReceiver, validInput } from './test-helpers';

const MiB = 1024 * 1024;
const ENDPOINT = 'fal-ai/stable-avatar';
const ASSETS = join(__dirname, '..', '..', 'examples', 'assets');
/** fal's production origins: queue, REST (storage), CDN. */
const FAL_ORIGIN = /^https:\/\/((?:queue\.|rest\.|rest\.alpha\.)?fal\.(?:run|ai)|v3b?\.fal\.media)(?=\/|$)/;

let emulator: LocalFalEmulator;
const hostsSeen = new Set<string>();

/** Rewrites fal's hosts to the emulator, and refuses anything that would leave this machine. */
function emulatorFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
	const original = input instanceof Request ? input.url : String(input);
	const host = FAL_ORIGIN.exec(original)?.[1];
	if (host) hostsSeen.add(host);
	const target = host ? original.replace(FAL_ORIGIN, emulator.url) : original;
	if (!target.startsWith(`${emulator.url}/`)) return Promise.reject(new Error(`refusing to leave the emulator: ${original}`));
	return fetch(target, init);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const anyInput = (input: Record<string, unknown>) => input as any;

beforeAll(async () => {
	emulator = await startFalEmulator({ runMs: 300 });
	fal.config({ credentials: KEY, fetch: emulatorFetch as typeof fetch });
});
afterEach(() => {
	emulator.reset();
	Object.assign(emulator.options, { runMs: 300, queueMs: 0, concurrency: Infinity });
});
afterAll(() => emulator.close());

describe('fal.subscribe', () => {
	it('polls through IN_QUEUE and IN_PROGRESS (with logs) to the result, whose video the CDN serves', async () => {
		emulator.options.queueMs = 150;
		const updates: QueueStatus[] = [];
		let enqueued = '';
		const result = await fal.subscribe(ENDPOINT, {
			input: anyInput(validInput()),
			logs: true,
			mode: 'polling',
			pollInterval: 50,
			onEnqueue: (requestId) => (enqueued = requestId),
			onQueueUpdate: (update) => updates.push(update),
		});
		expect(result.requestId).toBe(enqueued);
		const statuses = updates.map((update) => update.status);
		expect(statuses[0]).toBe('IN_QUEUE');
		expect(statuses).toContain('IN_PROGRESS');
		expect(statuses.at(-1)).toBe('COMPLETED');
		const running = updates.filter((update) => update.status === 'IN_PROGRESS');
		expect(running.some((update) => 'logs' in update && update.logs.length > 0)).toBe(true);

		const video = (result.data as { video: { url: string; file_size: number } }).video;
		expect(video.url.startsWith(`${emulator.url}/files/`)).toBe(true);
		const bytes = new Uint8Array(await (await fetch(video.url)).arrayBuffer());
		expect(bytes.length).toBe(video.file_size);
		expect(sha256(bytes)).toBe(emulator.videoSha256(result.requestId));

		const job = emulator.jobs.get(result.requestId)!;
		expect(job.headers['x-fal-queue-priority']).toBe('normal');
		const queueCalls = emulator.log.filter((entry) => entry.route !== 'cdn');
		expect(new Set(queueCalls.map((entry) => entry.authorization))).toEqual(new Set([`Key ${KEY}`]));
		expect(hostsSeen.has('queue.fal.run')).toBe(true);
	});

	it('streams status updates in streaming mode', async () => {
		const updates: QueueStatus[] = [];
		const result = await fal.subscribe(ENDPOINT, { input: anyInput(validInput()), logs: true, mode: 'streaming', onQueueUpdate: (update) => updates.push(update) });
		expect(updates.map((update) => update.status)).toContain('IN_PROGRESS');
		expect(updates.at(-1)!.status).toBe('COMPLETED');
		expect((result.data as { video: { url: string } }).video.url).toContain(result.requestId);
		const routes = emulator.log.map((entry) => entry.route);
		expect(routes).toEqual(['submit', 'stream', 'result']);
	});

	it('uploads Blob inputs through storage first, then submits their file URLs', async () => {
		const image = readFileSync(join(ASSETS, 'portrait.png'));
		const audio = readFileSync(join(ASSETS, 'speech.mp3'));
		const result = await fal.subscribe(ENDPOINT, {
			input: anyInput({ ...validInput(), image_url: new Blob([image], { type: 'image/png' }), audio_url: new Blob([audio], { type: 'audio/mpeg' }) }),
		});
		const { input } = emulator.jobs.get(result.requestId)!;
		expect(emulator.uploads.get(input.image_url as string)).toMatchObject({ contentType: 'image/png', sha256: sha256(image) });
		expect(emulator.uploads.get(input.audio_url as string)).toMatchObject({ contentType: 'audio/mpeg', sha256: sha256(audio) });
	});

	it('surfaces validation (submit and run time) and server errors as the client’s error classes', async () => {
		const rejected = await fal.subscribe(ENDPOINT, { input: anyInput({ image_url: 'x', audio_url: 'y' }) }).catch((error: unknown) => error);
		expect(rejected).toBeInstanceOf(ValidationError);
		expect((rejected as ValidationError).status).toBe(422);
		expect((rejected as ValidationError).getFieldErrors('prompt')).toEqual([expect.objectContaining({ loc: ['body', 'prompt'], type: 'missing' })]);
		expect(emulator.submits()).toBe(0);

		const runTime = await fal.subscribe(ENDPOINT, { input: anyInput(validInput({ prompt: '[emulator:422 audio_url]' })), pollInterval: 50 }).catch((error: unknown) => error);
		expect(runTime).toBeInstanceOf(ValidationError);
		expect((runTime as ValidationError).getFieldErrors('audio_url')).toHaveLength(1);

		const server = await fal.subscribe(ENDPOINT, { input: anyInput(validInput({ prompt: '[emulator:500 runner_server_error]' })), pollInterval: 50 }).catch((error: unknown) => error);
		expect(server).toBeInstanceOf(ApiError);
		expect((server as ApiError<{ error_type: string }>).status).toBe(500);
		expect((server as ApiError<{ error_type: string }>).body.error_type).toBe('runner_server_error');
		expect((server as ApiError<unknown>).requestId).toEqual(expect.any(String));
	});

	it('rides out a 503 and a connection reset on status polls with its own retries', async () => {
		emulator.addFault({ route: 'status', fault: { kind: 'status', status: 503 }, times: 1 });
		emulator.addFault({ route: 'status', fault: { kind: 'reset' }, times: 1 });
		const result = await fal.subscribe(ENDPOINT, { input: anyInput(validInput()), pollInterval: 50 });
		expect(result.data).toHaveProperty('video');
		const polls = emulator.log.filter((entry) => entry.route === 'status');
		expect(polls.slice(0, 3).map((entry) => entry.status)).toEqual([503, 0, expect.any(Number)]);
	});

	it('creates a second job when a submit that was accepted loses its answer (the client retries submit)', async () => {
		emulator.addFault({ route: 'submit', fault: { kind: 'reset-after-accept' }, times: 1 });
		const result = await fal.subscribe(ENDPOINT, { input: anyInput(validInput()), pollInterval: 50 });
		expect(emulator.submits()).toBe(2);
		expect(emulator.jobs.has(result.requestId)).toBe(true);
	});
});

describe('fal.queue', () => {
	it('submit, status, streamStatus and result', async () => {
		const submitted = await fal.queue.submit(ENDPOINT, { input: anyInput(validInput()) });
		expect(submitted).toMatchObject({ status: 'IN_QUEUE', request_id: expect.any(String), status_url: expect.stringContaining(emulator.url) });
		const requestId = submitted.request_id;

		const status = await fal.queue.status(ENDPOINT, { requestId, logs: true });
		expect(['IN_QUEUE', 'IN_PROGRESS']).toContain(status.status);

		const stream = await fal.queue.streamStatus(ENDPOINT, { requestId, logs: true });
		const events: QueueStatus[] = [];
		stream.on('data', (event: QueueStatus) => events.push(event));
		const done = await stream.done();
		expect(done.status).toBe('COMPLETED');
		expect(events.at(-1)!.status).toBe('COMPLETED');

		const result = await fal.queue.result(ENDPOINT, { requestId });
		expect(result.requestId).toBe(requestId);
		expect(result.data).toEqual({ video: expect.objectContaining({ content_type: 'video/mp4', file_name: 'output.mp4' }) });
	});

	it('cancel removes a queued job; the status then shows COMPLETED and the result a client_cancelled error', async () => {
		emulator.options.concurrency = 0;
		const { request_id: requestId } = await fal.queue.submit(ENDPOINT, { input: anyInput(validInput()) });
		await fal.queue.cancel(ENDPOINT, { requestId });
		expect(emulator.jobs.get(requestId)).toMatchObject({ cancelled: true, cancelledWhile: 'IN_QUEUE', status: 'COMPLETED' });
		expect((await fal.queue.status(ENDPOINT, { requestId })).status).toBe('COMPLETED');
		const error = await fal.queue.result(ENDPOINT, { requestId }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ApiError);
		expect((error as ApiError<{ error_type: string }>).body.error_type).toBe('client_cancelled');
		await expect(fal.queue.cancel(ENDPOINT, { requestId })).rejects.toMatchObject({ status: 400 });
	});

	it('cancel only signals a running job: it stays IN_PROGRESS', async () => {
		const { request_id: requestId } = await fal.queue.submit(ENDPOINT, { input: anyInput(validInput({ prompt: '[emulator:never]' })) });
		await emulator.waitFor(() => emulator.jobs.get(requestId)?.status === 'IN_PROGRESS');
		await fal.queue.cancel(ENDPOINT, { requestId });
		expect(emulator.jobs.get(requestId)).toMatchObject({ cancelled: true, cancelledWhile: 'RUNNING', status: 'IN_PROGRESS' });
		expect((await fal.queue.status(ENDPOINT, { requestId })).status).toBe('IN_PROGRESS');
	});

	it('passes webhookUrl as ?fal_webhook= and the emulator posts the result there', async () => {
		const receiver = await startReceiver();
		try {
			const { request_id: requestId } = await fal.queue.submit(ENDPOINT, { input: anyInput(validInput()), webhookUrl: receiver.url });
			expect(emulator.log[0].query.fal_webhook).toBe(receiver.url);
			await emulator.waitFor(() => receiver.received.length === 1);
			expect(receiver.received[0].body).toMatchObject({ request_id: requestId, status: 'OK', payload: { video: expect.any(Object) } });
			// The emulator logs the delivery once the receiver's answer is back, which can be after the
			// receiver saw the body: wait for it, so it does not land in the next test's log.
			await emulator.waitFor(() => emulator.log.some((entry) => entry.route === 'webhook'));
		} finally {
			await receiver.close();
		}
	});
});

describe('fal.storage.upload', () => {
	it('uploads a small file: initiate with the key, PUT to the signed URL without it', async () => {
		const image = readFileSync(join(ASSETS, 'portrait.png'));
		const url = await fal.storage.upload(new Blob([image], { type: 'image/png' }));
		expect(emulator.uploads.get(url)).toMatchObject({ bytes: image.length, sha256: sha256(image), multipart: false });
		expect(sha256(new Uint8Array(await (await fetch(url)).arrayBuffer()))).toBe(sha256(image));
		expect(emulator.log.map((entry) => [entry.route, entry.authorization])).toEqual([
			['initiate', `Key ${KEY}`],
			['upload', undefined],
			['cdn', undefined],
		]);
		expect(hostsSeen.has('rest.fal.ai')).toBe(true);
	});

	it('uploads a file over 90 MiB in 10 MiB parts and completes it', async () => {
		const big = Buffer.alloc(91 * MiB);
		for (let offset = 0; offset < big.length; offset += 4096) big[offset] = offset % 251;
		const url = await fal.storage.upload(new Blob([big], { type: 'video/mp4' }));
		expect(emulator.uploads.get(url)).toMatchObject({ bytes: big.length, sha256: sha256(big), multipart: true, parts: 10 });
		const routes = emulator.log.map((entry) => entry.route);
		expect(routes[0]).toBe('initiate-multipart');
		expect(routes.filter((route) => route === 'upload-part')).toHaveLength(10);
		expect(routes.at(-1)).toBe('upload-complete');
		const unauthenticated = emulator.log.filter((entry) => entry.route !== 'initiate-multipart');
		expect(unauthenticated.every((entry) => entry.authorization === undefined)).toBe(true);
	});
});
