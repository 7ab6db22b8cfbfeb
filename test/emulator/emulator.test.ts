/** Behaviour of the local fal emulator itself, over real HTTP. */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { SAMPLE_CLIP_PATH, startFalEmulator, type LocalFalEmulator } from './index';
import { SAMPLE_FILES, SAMPLES_DIR, sampleUrl, withLocalSamples } from './samples';
import {
	APP,
	KEY,
	api,
	download,
	getJson,
	readEvents,
	resultPath,
	sleep,
	startReceiver,
	statusPath,
	submitJob,
	validInput,
	waitForCompletion,
} from './test-helpers';

const MiB = 1024 * 1024;
const execFileAsync = promisify(execFile);
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const hasFfprobe = spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

let emulator: LocalFalEmulator;

beforeAll(async () => {
	emulator = await startFalEmulator({ runMs: 120 });
});
afterEach(() => {
	emulator.reset();
	Object.assign(emulator.options, { runMs: 120, queueMs: 0, concurrency: Infinity, videoBytes: readFileSync(SAMPLE_CLIP_PATH).length, resultTtlMs: 3_600_000, outcome: undefined });
});
afterAll(() => emulator.close());

describe('submit', () => {
	it('queues a job and answers the URLs on the emulator origin, built from owner/alias only', async () => {
		const response = await api(emulator, `/${APP}/sub/path`, { method: 'POST', body: JSON.stringify(validInput()) });
		expect(response.status).toBe(200);
		const body = (await response.json()) as Record<string, any>;
		expect(body).toMatchObject({ status: 'IN_QUEUE', queue_position: 0 });
		expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(response.headers.get('x-fal-request-id')).toBe(body.request_id);
		const base = `${emulator.url}/${APP}/requests/${body.request_id}`;
		expect(body).toMatchObject({ response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` });
		expect(body.gateway_request_id).toBeUndefined();
		expect(emulator.jobs.get(body.request_id)).toMatchObject({ endpointId: `${APP}/sub/path`, input: validInput() });
		expect(emulator.submits()).toBe(1);
	});

	it('accepts only `Authorization: Key <known key>`', async () => {
		const send = (authorization?: string) =>
			fetch(`${emulator.url}/${APP}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
				body: JSON.stringify(validInput()),
			});
		for (const authorization of [undefined, 'Key wrong', `Bearer ${KEY}`, KEY]) {
			const response = await send(authorization);
			expect(response.status).toBe(401);
			expect(typeof ((await response.json()) as { detail: unknown }).detail).toBe('string');
		}
		expect((await send(`Key ${KEY}`)).status).toBe(200);
		expect(emulator.log.map((entry) => entry.authorization)).toEqual([undefined, 'Key wrong', `Bearer ${KEY}`, KEY, `Key ${KEY}`]);
		expect(emulator.submits()).toBe(1);
	});

	it('validates stable-avatar input at submit: 422 with every field error, and no job', async () => {
		const post = async (input: unknown) => {
			const response = await api(emulator, `/${APP}`, { method: 'POST', body: JSON.stringify(input) });
			return { status: response.status, body: (await response.json()) as { detail: { loc: unknown[]; msg: string; type: string }[] } };
		};
		const missing = await post({});
		expect(missing.status).toBe(422);
		expect(missing.body.detail.map((error) => error.loc)).toEqual([['body', 'image_url'], ['body', 'audio_url'], ['body', 'prompt']]);
		expect(missing.body.detail[0]).toMatchObject({ msg: 'Field required', type: 'missing' });

		const cases: [Record<string, unknown>, string, string][] = [
			[{ guidance_scale: 0.5 }, 'guidance_scale', 'greater_than_equal'],
			[{ guidance_scale: 11 }, 'guidance_scale', 'less_than_equal'],
			[{ audio_guidance_scale: -1 }, 'audio_guidance_scale', 'greater_than_equal'],
			[{ num_inference_steps: 9 }, 'num_inference_steps', 'greater_than_equal'],
			[{ num_inference_steps: 20.5 }, 'num_inference_steps', 'int_from_float'],
			[{ perturbation: 1.5 }, 'perturbation', 'less_than_equal'],
			[{ aspect_ratio: '4:3' }, 'aspect_ratio', 'enum'],
			[{ seed: 1.5 }, 'seed', 'int_from_float'],
			[{ seed: 'x' }, 'seed', 'int_type'],
			[{ prompt: 7 }, 'prompt', 'string_type'],
		];
		for (const [extra, field, type] of cases) {
			const answer = await post(validInput(extra));
			expect(answer.status).toBe(422);
			expect(answer.body.detail).toEqual([expect.objectContaining({ loc: ['body', field], type })]);
		}
		const edges = await post(validInput({ guidance_scale: 1, audio_guidance_scale: 0, num_inference_steps: 50, perturbation: 1, seed: 42, aspect_ratio: 'auto' }));
		expect(edges.status).toBe(200);

		const broken = await api(emulator, `/${APP}`, { method: 'POST', body: '{not json' });
		expect(broken.status).toBe(422);
		expect(emulator.submits()).toBe(1);
	});
});

describe('status and result', () => {
	it('walks IN_QUEUE → IN_PROGRESS → COMPLETED with 202/202/200, a moving log window and metrics', async () => {
		emulator.options.queueMs = 150;
		emulator.options.runMs = 400;
		const { request_id: id } = await submitJob(emulator);

		const queued = await getJson(emulator, statusPath(id, true));
		expect(queued.status).toBe(202);
		expect(queued.body).toMatchObject({ status: 'IN_QUEUE', request_id: id, queue_position: 0 });

		await emulator.waitFor(() => emulator.jobs.get(id)?.status === 'IN_PROGRESS');
		await sleep(120);
		const first = await getJson(emulator, statusPath(id, true));
		expect(first.status).toBe(202);
		expect(first.body.status).toBe('IN_PROGRESS');
		expect(first.body.logs.length).toBeGreaterThan(0);
		expect(first.body.logs.length).toBeLessThanOrEqual(3);
		expect(first.body.logs[0]).toEqual({ message: expect.any(String), level: 'INFO', source: 'USER', timestamp: expect.any(String) });
		expect(Number.isNaN(Date.parse(first.body.logs[0].timestamp))).toBe(false);
		await sleep(120);
		const second = await getJson(emulator, statusPath(id, true));
		expect(second.body.logs).toHaveLength(3);
		expect(second.body.logs).not.toEqual(first.body.logs);
		const withoutLogs = await getJson(emulator, statusPath(id, false));
		expect(withoutLogs.body.logs).toBeNull();

		const early = await getJson(emulator, resultPath(id));
		expect(early).toMatchObject({ status: 400, body: { detail: 'Request is still in progress' } });

		await waitForCompletion(emulator, id);
		const done = await getJson(emulator, statusPath(id, true));
		expect(done.status).toBe(200);
		expect(done.body.status).toBe('COMPLETED');
		expect(done.body.metrics.inference_time).toBeGreaterThanOrEqual(0.35);
		expect(done.body.error).toBeUndefined();

		const result = await getJson(emulator, resultPath(id));
		expect(result.status).toBe(200);
		expect(result.headers.get('x-fal-request-id')).toBe(id);
		expect(result.body).toEqual({
			video: { url: `${emulator.url}/files/${id}/output.mp4`, content_type: 'video/mp4', file_name: 'output.mp4', file_size: emulator.jobs.get(id)!.videoBytes },
		});
		expect(emulator.jobs.get(id)!.firstResultFetchAt).toBeGreaterThan(0);
	});

	it('answers 404 for unknown requests and for another owner/alias', async () => {
		const { request_id: id } = await submitJob(emulator);
		expect((await getJson(emulator, statusPath('no-such-id'))).status).toBe(404);
		expect((await getJson(emulator, `/fal-ai/other-model/requests/${id}/status`)).status).toBe(404);
		expect((await getJson(emulator, resultPath('no-such-id'))).body.detail).toEqual(expect.any(String));
	});

	it('keeps jobs beyond the concurrency limit IN_QUEUE with a queue_position that counts down', async () => {
		emulator.options.concurrency = 1;
		emulator.options.runMs = 150;
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) ids.push((await submitJob(emulator)).request_id);
		const positions = async () => Promise.all(ids.map(async (id) => (await getJson(emulator, statusPath(id))).body));
		const start = await positions();
		expect(start.map((body) => body.status)).toEqual(['IN_PROGRESS', 'IN_QUEUE', 'IN_QUEUE']);
		expect(start.slice(1).map((body) => body.queue_position)).toEqual([0, 1]);
		await waitForCompletion(emulator, ids[0]);
		const next = await positions();
		expect(next.map((body) => body.status)).toEqual(['COMPLETED', 'IN_PROGRESS', 'IN_QUEUE']);
		expect(next[2].queue_position).toBe(0);
		await waitForCompletion(emulator, ids[2]);
	});

	it('applies option changes to waiting jobs on the next request', async () => {
		emulator.options.concurrency = 0;
		const { request_id: id } = await submitJob(emulator);
		await sleep(50);
		expect((await getJson(emulator, statusPath(id))).body.status).toBe('IN_QUEUE');
		emulator.options.concurrency = 1;
		expect((await getJson(emulator, statusPath(id))).body.status).toBe('IN_PROGRESS');
	});

	it('expires results resultTtlMs after completion', async () => {
		emulator.options.resultTtlMs = 100;
		const { request_id: id } = await submitJob(emulator);
		await waitForCompletion(emulator, id);
		expect((await getJson(emulator, resultPath(id))).status).toBe(200);
		await sleep(150);
		expect((await getJson(emulator, resultPath(id))).status).toBe(404);
	});

	it('does not log status polls when logStatusPolls is off', async () => {
		emulator.options.logStatusPolls = false;
		try {
			const { request_id: id } = await submitJob(emulator);
			await getJson(emulator, statusPath(id));
			expect(emulator.log.map((entry) => entry.route)).toEqual(['submit']);
		} finally {
			emulator.options.logStatusPolls = true;
		}
	});
});

describe('outcomes', () => {
	const runWith = async (prompt: string) => {
		const { request_id: id } = await submitJob(emulator, validInput({ prompt }));
		await waitForCompletion(emulator, id);
		return { id, status: await getJson(emulator, statusPath(id)), result: await getJson(emulator, resultPath(id)) };
	};

	it('reads prompt directives: run-time 422, 5xx with error types, completed-with-error, no video', async () => {
		const validation = await runWith('Speak. [emulator:422 audio_url]');
		expect(validation.status.body.status).toBe('COMPLETED');
		expect(validation.result).toMatchObject({ status: 422, body: { detail: [{ loc: ['body', 'audio_url'], msg: expect.any(String), type: 'value_error' }] } });

		for (const [status, errorType] of [[500, 'runner_server_error'], [503, 'runner_disconnected']] as const) {
			const failed = await runWith(`[emulator:${status} ${errorType}]`);
			expect(failed.status.status).toBe(200);
			expect(failed.result.status).toBe(status);
			expect(failed.result.body).toEqual({ detail: expect.any(String), error_type: errorType });
			expect(failed.result.headers.get('x-fal-error-type')).toBe(errorType);
		}

		const completedError = await runWith('[emulator:completed-error]');
		expect(completedError.status.body).toMatchObject({ status: 'COMPLETED', error: expect.any(String), error_type: 'runner_server_error' });
		expect(completedError.result.status).toBe(500);
		expect(completedError.result.body).toEqual({ detail: completedError.status.body.error, error_type: 'runner_server_error' });

		expect((await runWith('[emulator:no-video]')).result).toMatchObject({ status: 200, body: {} });
		expect((await runWith('[EMULATOR:bad-video-url]')).result.body.video.url).toMatch(/^ftp:\/\//);
	});

	it('takes run time from [emulator:run=N] and never finishes with [emulator:never], not even when cancelled', async () => {
		const started = Date.now();
		const slow = await runWith('[emulator:run=400] [emulator:no-video]');
		expect(Date.now() - started).toBeGreaterThanOrEqual(380);
		expect(slow.result.body).toEqual({});

		const { request_id: id } = await submitJob(emulator, validInput({ prompt: '[emulator:never]' }));
		await sleep(300);
		expect(emulator.jobs.get(id)!.status).toBe('IN_PROGRESS');
		expect((await api(emulator, `/${APP}/requests/${id}/cancel`, { method: 'PUT' })).status).toBe(202);
		await sleep(100);
		expect(emulator.jobs.get(id)).toMatchObject({ status: 'IN_PROGRESS', cancelled: true, cancelledWhile: 'RUNNING' });
	});

	it('uses options.outcome: validation-string, unknown status, truncated download', async () => {
		emulator.options.outcome = (input) => {
			if (input.prompt === 'string') return { kind: 'validation-string', detail: 'Audio is too long' };
			if (input.prompt === 'paused') return { kind: 'unknown-status', status: 'PAUSED' };
			if (input.prompt === 'truncated') return { kind: 'truncated-download', announcedBytes: 2 * MiB, sentBytes: MiB };
			return undefined;
		};
		expect((await runWith('string')).result).toMatchObject({ status: 422, body: { detail: 'Audio is too long' } });

		emulator.options.runMs = 300;
		const { request_id: paused } = await submitJob(emulator, validInput({ prompt: 'paused' }));
		await emulator.waitFor(() => emulator.jobs.get(paused)?.status === 'PAUSED');
		const odd = await getJson(emulator, statusPath(paused));
		expect(odd).toMatchObject({ status: 202, body: { status: 'PAUSED' } });
		await waitForCompletion(emulator, paused);
		expect((await getJson(emulator, resultPath(paused))).status).toBe(200);

		emulator.options.runMs = 50;
		const truncated = await runWith('truncated');
		expect(truncated.result.body.video.file_size).toBe(2 * MiB);
		const got = await download(truncated.result.body.video.url);
		expect(got.headers['content-length']).toBe(String(2 * MiB));
		expect(got.bytes).toBe(MiB);
		expect(got.error).toBeDefined();
	});
});

describe('cancel', () => {
	const cancel = (id: string) => api(emulator, `/${APP}/requests/${id}/cancel`, { method: 'PUT' });

	it('removes a queued job: CANCELLATION_REQUESTED, then ALREADY_COMPLETED; the result says cancelled; unknown → NOT_FOUND', async () => {
		emulator.options.concurrency = 1;
		emulator.options.runMs = 5000;
		await submitJob(emulator);
		const { request_id: id } = await submitJob(emulator);
		expect(emulator.jobs.get(id)!.status).toBe('IN_QUEUE');
		const first = await cancel(id);
		expect(first.status).toBe(202);
		expect(await first.json()).toEqual({ status: 'CANCELLATION_REQUESTED' });
		expect(emulator.jobs.get(id)).toMatchObject({ status: 'COMPLETED', cancelled: true, cancelledWhile: 'IN_QUEUE' });
		const second = await cancel(id);
		expect(second.status).toBe(400);
		expect(await second.json()).toEqual({ status: 'ALREADY_COMPLETED' });
		const unknown = await api(emulator, `/${APP}/requests/nope/cancel`, { method: 'PUT' });
		expect(unknown.status).toBe(404);
		expect(await unknown.json()).toEqual({ status: 'NOT_FOUND' });

		expect((await getJson(emulator, statusPath(id))).body.status).toBe('COMPLETED');
		const result = await getJson(emulator, resultPath(id));
		expect(result).toMatchObject({ status: 499, body: { detail: 'Request was cancelled', error_type: 'client_cancelled' } });
		expect((await fetch(`${emulator.url}/files/${id}/output.mp4`)).status).toBe(404);
	});

	it('only signals a running job: it runs on to its end and its result is the video, as fal may bill it', async () => {
		emulator.options.runMs = 300;
		const { request_id: id } = await submitJob(emulator);
		await emulator.waitFor(() => emulator.jobs.get(id)?.status === 'IN_PROGRESS');
		expect((await cancel(id)).status).toBe(202);
		expect((await cancel(id)).status).toBe(202);
		expect(emulator.jobs.get(id)).toMatchObject({ status: 'IN_PROGRESS', cancelled: true, cancelledWhile: 'RUNNING' });
		await waitForCompletion(emulator, id);
		const result = await getJson(emulator, resultPath(id));
		expect(result.status).toBe(200);
		expect(result.body.video.url).toContain(id);
		expect((await fetch(result.body.video.url)).status).toBe(200);
	});

	it('cancelling a queued job lets the ones behind it move up; a running job keeps its slot', async () => {
		emulator.options.concurrency = 1;
		emulator.options.runMs = 5000;
		const { request_id: first } = await submitJob(emulator);
		const { request_id: second } = await submitJob(emulator);
		const { request_id: third } = await submitJob(emulator);
		await cancel(first);
		expect(emulator.jobs.get(second)!.status).toBe('IN_QUEUE');
		await cancel(second);
		expect(emulator.jobs.get(third)!.status).toBe('IN_QUEUE');
		expect((await getJson(emulator, statusPath(third))).body.queue_position).toBe(0);
	});
});

describe('status stream', () => {
	const streamUrl = (id: string, logs = true) => `${emulator.url}/${APP}/requests/${id}/status/stream?logs=${logs ? 1 : 0}`;
	const changeListeners = () => (emulator as unknown as { queue: { listenerCount(name: string): number } }).queue.listenerCount('change');

	it('sends the current status at once, every change, and closes after COMPLETED', async () => {
		emulator.options.queueMs = 100;
		emulator.options.runMs = 300;
		const { request_id: id } = await submitJob(emulator);
		const { events, ended, contentType } = await readEvents(streamUrl(id));
		expect(contentType).toBe('text/event-stream');
		expect(ended).toBe(true);
		expect(events[0]).toMatchObject({ status: 'IN_QUEUE', queue_position: 0 });
		const statuses = events.map((event) => event.status);
		expect(statuses).toContain('IN_PROGRESS');
		expect(statuses.at(-1)).toBe('COMPLETED');
		expect(statuses.filter((status) => status === 'COMPLETED')).toHaveLength(1);
		expect(events.at(-1).metrics.inference_time).toEqual(expect.any(Number));
		const withLogs = events.filter((event) => event.status === 'IN_PROGRESS');
		expect(withLogs.length).toBeGreaterThan(2);
		expect(withLogs.every((event) => event.logs.length <= 3)).toBe(true);
		expect(changeListeners()).toBe(0);
	});

	it('answers a finished job with one COMPLETED event, and unknown jobs with 404', async () => {
		const { request_id: id } = await submitJob(emulator);
		await waitForCompletion(emulator, id);
		const { events, ended } = await readEvents(streamUrl(id, false));
		expect(ended).toBe(true);
		expect(events).toEqual([expect.objectContaining({ status: 'COMPLETED', logs: null })]);
		expect((await api(emulator, `/${APP}/requests/nope/status/stream`)).status).toBe(404);
	});

	it('stops listening when the client leaves', async () => {
		emulator.options.runMs = 5000;
		const { request_id: id } = await submitJob(emulator);
		const { events, ended } = await readEvents(streamUrl(id), 200);
		expect(ended).toBe(false);
		expect(events.length).toBeGreaterThan(0);
		await emulator.waitFor(() => changeListeners() === 0, 2000);
	});

	it('fault stall: one event, then silence; fault end-early: one event, then the end without COMPLETED', async () => {
		emulator.options.runMs = 200;
		const { request_id: stalled } = await submitJob(emulator);
		emulator.addFault({ route: 'stream', fault: { kind: 'stall' }, times: 1 });
		const stall = await readEvents(streamUrl(stalled), 600);
		expect(stall.ended).toBe(false);
		expect(stall.events).toHaveLength(1);
		expect(emulator.jobs.get(stalled)!.status).toBe('COMPLETED');

		const { request_id: early } = await submitJob(emulator);
		emulator.addFault({ route: 'stream', fault: { kind: 'end-early' }, times: 1 });
		const ended = await readEvents(streamUrl(early));
		expect(ended.ended).toBe(true);
		expect(ended.events).toHaveLength(1);
		expect(ended.events[0].status).not.toBe('COMPLETED');
		expect(emulator.log.filter((entry) => entry.route === 'stream').map((entry) => entry.fault)).toEqual(['stall', 'end-early']);
	});
});

describe('faults', () => {
	it('status faults answer instead, `times` bounds them, and the log records them', async () => {
		emulator.addFault({ route: 'submit', fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, times: 1 });
		const limited = await api(emulator, `/${APP}`, { method: 'POST', body: JSON.stringify(validInput()) });
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('1');
		expect(await limited.json()).toEqual({ detail: expect.any(String) });
		await submitJob(emulator);
		expect(emulator.submits()).toBe(1);
		expect(emulator.log.map((entry) => [entry.status, entry.fault])).toEqual([[429, 'status'], [200, undefined]]);
	});

	it('reset drops the connection without an answer; reset-after-accept creates the job first', async () => {
		emulator.addFault({ route: 'submit', fault: { kind: 'reset' }, times: 1 });
		await expect(submitJob(emulator)).rejects.toThrow(/fetch failed/);
		expect(emulator.submits()).toBe(0);

		emulator.addFault({ route: 'submit', fault: { kind: 'reset-after-accept' }, times: 1 });
		await expect(submitJob(emulator)).rejects.toThrow(/fetch failed/);
		expect(emulator.submits()).toBe(1);
		expect(emulator.log.map((entry) => [entry.status, entry.fault])).toEqual([[0, 'reset'], [0, 'reset-after-accept']]);
		expect(emulator.log[1].requestId).toBe([...emulator.jobs.keys()][0]);
	});

	it('delay answers late; malformed answers 200 with a body that is not JSON', async () => {
		const { request_id: id } = await submitJob(emulator);
		emulator.addFault({ route: 'status', fault: { kind: 'delay', ms: 300 }, times: 1, requestId: id });
		const started = Date.now();
		expect((await getJson(emulator, statusPath(id))).status).toBeLessThan(300);
		expect(Date.now() - started).toBeGreaterThanOrEqual(280);

		emulator.addFault({ route: '*', fault: { kind: 'malformed' }, times: 1 });
		const response = await api(emulator, statusPath(id));
		expect(response.status).toBe(200);
		await expect(response.json()).rejects.toThrow();
	});

	it('scopes rules to one job, and repeats probabilistic decisions for the same seed', async () => {
		const { request_id: target } = await submitJob(emulator);
		const { request_id: other } = await submitJob(emulator);
		emulator.addFault({ route: 'status', requestId: target, fault: { kind: 'status', status: 503 } });
		expect((await getJson(emulator, statusPath(other))).status).not.toBe(503);
		expect((await getJson(emulator, statusPath(target))).status).toBe(503);
		emulator.clearFaults();
		expect((await getJson(emulator, statusPath(target))).status).not.toBe(503);

		const pattern = async () => {
			emulator.clearFaults();
			emulator.addFault({ route: 'status', fault: { kind: 'status', status: 502 }, probability: 0.5 });
			const statuses: number[] = [];
			for (let i = 0; i < 12; i++) statuses.push((await getJson(emulator, statusPath(target))).status);
			return statuses.map((status) => (status === 502 ? 'x' : '.')).join('');
		};
		const first = await pattern();
		expect(first).toMatch(/x/);
		expect(first).toMatch(/\./);
		expect(await pattern()).toBe(first);
	});

	it('starts with options.faults', async () => {
		const faulty = await startFalEmulator({ faults: [{ route: 'initiate', fault: { kind: 'status', status: 503 } }] });
		try {
			const response = await api(faulty, '/storage/upload/initiate?storage_type=fal-cdn-v3', { method: 'POST', body: '{}' });
			expect(response.status).toBe(503);
		} finally {
			await faulty.close();
		}
	});
});

describe('storage and CDN', () => {
	it("serves the examples' sample inputs locally, whole and by range, in place of fal's sample host", async () => {
		const speech = readFileSync(join(SAMPLES_DIR, 'speech.mp3'));
		const whole = await fetch(sampleUrl(emulator.url, 'speech.mp3'));
		expect(whole.headers.get('content-type')).toBe('audio/mpeg');
		expect(Buffer.from(await whole.arrayBuffer()).equals(speech)).toBe(true);
		const head = await fetch(sampleUrl(emulator.url, 'speech.mp3'), { headers: { range: 'bytes=0-99' } });
		expect(head.status).toBe(206);
		expect(head.headers.get('content-range')).toBe(`bytes 0-99/${speech.length}`);
		expect((await fetch(`${emulator.url}/files/samples/other.wav`)).status).toBe(404);
		const workflow = withLocalSamples(JSON.stringify({ url: SAMPLE_FILES['portrait.png'].fal }), emulator.url);
		expect(JSON.parse(workflow)).toEqual({ url: sampleUrl(emulator.url, 'portrait.png') });
	});

	const initiate = async (kind: 'initiate' | 'initiate-multipart', fileName: string, contentType: string) => {
		const response = await api(emulator, `/storage/upload/${kind}?storage_type=fal-cdn-v3`, {
			method: 'POST',
			body: JSON.stringify({ content_type: contentType, file_name: fileName }),
		});
		expect(response.status).toBe(200);
		return (await response.json()) as { upload_url: string; file_url: string };
	};

	it('uploads through a signed URL without the key and serves the file back from the CDN', async () => {
		const bytes = readFileSync(join(__dirname, '..', '..', 'examples', 'assets', 'portrait.png'));
		const { upload_url, file_url } = await initiate('initiate', 'portrait.png', 'image/png');
		expect(upload_url.startsWith(`${emulator.url}/`)).toBe(true);
		expect(file_url).toMatch(new RegExp(`^${emulator.url}/files/uploads/[0-9a-f]+/portrait\\.png$`));

		const put = await fetch(upload_url, { method: 'PUT', body: bytes, headers: { 'content-type': 'image/png' } });
		expect(put.status).toBe(200);
		const sha256 = createHash('sha256').update(bytes).digest('hex');
		expect(emulator.uploads.get(file_url)).toEqual({ fileName: 'portrait.png', contentType: 'image/png', bytes: bytes.length, sha256, multipart: false, parts: 1 });

		const served = await download(file_url);
		expect(served).toMatchObject({ status: 200, bytes: bytes.length, sha256 });
		expect(served.headers['content-type']).toBe('image/png');
		const upload = emulator.log.find((entry) => entry.route === 'upload')!;
		expect(upload.authorization).toBeUndefined();
		expect(upload.bodyBytes).toBe(bytes.length);
		expect(emulator.log.find((entry) => entry.route === 'initiate')!.authorization).toBe(`Key ${KEY}`);
	});

	it('refuses initiation without a key and uploads without a valid signature, and logs a key sent to the upload URL', async () => {
		const unauthorized = await fetch(`${emulator.url}/storage/upload/initiate?storage_type=fal-cdn-v3`, { method: 'POST', body: '{}' });
		expect(unauthorized.status).toBe(401);
		const { upload_url } = await initiate('initiate', 'a.txt', 'text/plain');
		const forged = upload_url.replace(/signature=[0-9a-f]+/, 'signature=00');
		expect((await fetch(forged, { method: 'PUT', body: 'x' })).status).toBe(403);
		const withKey = await fetch(upload_url, { method: 'PUT', body: 'x', headers: { authorization: `Key ${KEY}` } });
		expect(withKey.status).toBe(200);
		expect(emulator.log.filter((entry) => entry.route === 'upload').map((entry) => entry.authorization)).toEqual([undefined, `Key ${KEY}`]);
	});

	it('takes multipart uploads: numbered parts with etags, then complete', async () => {
		const { upload_url, file_url } = await initiate('initiate-multipart', 'big.bin', 'application/octet-stream');
		const url = new URL(upload_url);
		const partUrl = (part: number | string) => `${url.origin}${url.pathname}/${part}${url.search}`;
		const parts = [Buffer.alloc(3 * MiB, 1), Buffer.alloc(MiB, 2)];
		const answers: { partNumber: number; etag: string }[] = [];
		for (const [index, part] of parts.entries()) {
			const response = await fetch(partUrl(index + 1), { method: 'PUT', body: part });
			expect(response.status).toBe(200);
			answers.push((await response.json()) as { partNumber: number; etag: string });
		}
		expect(answers.map((answer) => answer.partNumber)).toEqual([1, 2]);

		const badComplete = await fetch(partUrl('complete'), { method: 'POST', body: JSON.stringify({ parts: [{ partNumber: 1, etag: 'wrong' }] }) });
		expect(badComplete.status).toBe(400);
		const complete = await fetch(partUrl('complete'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ parts: answers }) });
		expect(complete.status).toBe(200);

		const whole = Buffer.concat(parts);
		const sha256 = createHash('sha256').update(whole).digest('hex');
		expect(emulator.uploads.get(file_url)).toMatchObject({ bytes: whole.length, sha256, multipart: true, parts: 2 });
		expect(await download(file_url)).toMatchObject({ bytes: whole.length, sha256 });
		expect(emulator.log.filter((entry) => entry.route === 'upload-part')).toHaveLength(2);
	});

	it('serves job videos with Content-Length, ranges and HEAD', async () => {
		const { request_id: id } = await submitJob(emulator);
		await waitForCompletion(emulator, id);
		const url = `${emulator.url}/files/${id}/output.mp4`;
		const clip = readFileSync(SAMPLE_CLIP_PATH);
		const whole = await download(url, { authorization: `Key ${KEY}` });
		expect(whole).toMatchObject({ status: 200, bytes: clip.length, sha256: createHash('sha256').update(clip).digest('hex') });
		expect(whole.headers).toMatchObject({ 'content-type': 'video/mp4', 'content-length': String(clip.length) });
		expect(emulator.videoSha256(id)).toBe(whole.sha256);
		expect(emulator.log.find((entry) => entry.route === 'cdn')).toMatchObject({ authorization: `Key ${KEY}`, requestId: id, status: 200 });

		const ranged = await download(url, { range: 'bytes=100-199' });
		expect(ranged.status).toBe(206);
		expect(ranged.headers['content-range']).toBe(`bytes 100-199/${clip.length}`);
		expect(ranged.sha256).toBe(createHash('sha256').update(clip.subarray(100, 200)).digest('hex'));
		const head = await fetch(url, { method: 'HEAD' });
		expect(head.headers.get('content-length')).toBe(String(clip.length));
		expect((await fetch(`${emulator.url}/files/nope/output.mp4`)).status).toBe(404);
	});

	it('streams a 200 MiB padded video without holding it in memory', async () => {
		emulator.options.videoBytes = 200 * MiB;
		const { request_id: id } = await submitJob(emulator);
		await waitForCompletion(emulator, id);
		const before = process.memoryUsage();
		const got = await download(`${emulator.url}/files/${id}/output.mp4`);
		expect(got.bytes).toBe(200 * MiB);
		expect(got.peakMemory - (before.heapUsed + before.arrayBuffers)).toBeLessThan(64 * MiB);
		expect(got.sha256).toBe(emulator.videoSha256(id));
	});

	it('serves 1 GiB videos (streamed, counted)', async () => {
		const { request_id: id } = await submitJob(emulator, validInput({ prompt: `[emulator:video-bytes=${1024 * MiB}]` }));
		await waitForCompletion(emulator, id);
		const result = await getJson(emulator, resultPath(id));
		expect(result.body.video.file_size).toBe(1024 * MiB);
		const bytes = await new Promise<number>((resolve, reject) => {
			request(`${emulator.url}/files/${id}/output.mp4`, (response) => {
				let count = 0;
				response.on('data', (chunk: Buffer) => (count += chunk.length));
				response.on('end', () => resolve(count));
			})
				.on('error', reject)
				.end();
		});
		expect(bytes).toBe(1024 * MiB);
	});

	(hasFfprobe ? it : it.skip)('ships an MP4 that ffprobe reads as H.264 video, padded or not', async () => {
		const probe = (path: string) =>
			JSON.parse(spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' }).stdout);
		const shipped = probe(SAMPLE_CLIP_PATH);
		expect(shipped.streams.map((stream: { codec_name: string }) => stream.codec_name)).toEqual(['h264', 'aac']);
		expect(Number(shipped.format.duration)).toBeCloseTo(2, 1);

		emulator.options.videoBytes = 3 * MiB + 5;
		const { request_id: id } = await submitJob(emulator);
		await waitForCompletion(emulator, id);
		const response = await fetch(`${emulator.url}/files/${id}/output.mp4`);
		const directory = mkdtempSync(join(tmpdir(), 'emulator-test-'));
		try {
			const path = join(directory, 'padded.mp4');
			writeFileSync(path, Buffer.from(await response.arrayBuffer()));
			const padded = probe(path);
			expect(Number(padded.format.size)).toBe(3 * MiB + 5);
			expect(padded.streams[0]).toMatchObject({ codec_type: 'video', codec_name: 'h264', width: 160, height: 160 });
			expect(Number(padded.format.duration)).toBeCloseTo(2, 1);
		} finally {
			rmSync(directory, { recursive: true, force: true });
		}
	});
});

describe('webhooks', () => {
	it('posts the result to a loopback webhook and adds gateway_request_id to the submit answer', async () => {
		const receiver = await startReceiver();
		try {
			const submitted = await submitJob(emulator, validInput(), `?fal_webhook=${encodeURIComponent(receiver.url)}`);
			expect(submitted.gateway_request_id).toEqual(expect.any(String));
			expect(emulator.log[0].query).toEqual({ fal_webhook: receiver.url });
			await emulator.waitFor(() => emulator.webhookDeliveries.length === 1);
			const { body, headers } = receiver.received[0];
			expect(body).toEqual({
				request_id: submitted.request_id,
				gateway_request_id: submitted.gateway_request_id,
				status: 'OK',
				payload: { video: expect.objectContaining({ url: `${emulator.url}/files/${submitted.request_id}/output.mp4` }) },
			});
			expect(headers['x-fal-webhook-request-id']).toBe(submitted.request_id);
			expect(emulator.webhookDeliveries).toEqual([
				{ url: receiver.url, status: 200, body, requestId: submitted.request_id, sentAt: expect.any(Number), answeredAt: expect.any(Number) },
			]);
			expect(emulator.webhookDeliveries[0].answeredAt!).toBeGreaterThanOrEqual(emulator.webhookDeliveries[0].sentAt!);
			expect(emulator.jobs.get(submitted.request_id)!.webhookUrl).toBe(receiver.url);
		} finally {
			await receiver.close();
		}
	});

	it('retries failed deliveries and reports errors with status ERROR', async () => {
		const receiver = await startReceiver((count) => (count === 1 ? 500 : 204));
		try {
			const { request_id: id } = await submitJob(emulator, validInput({ prompt: '[emulator:500 runner_server_error]' }), `?fal_webhook=${encodeURIComponent(receiver.url)}`);
			await emulator.waitFor(() => emulator.webhookDeliveries.length === 2, 5000);
			expect(emulator.webhookDeliveries.map((delivery) => delivery.status)).toEqual([500, 204]);
			expect(receiver.received[1].body).toMatchObject({
				request_id: id,
				status: 'ERROR',
				error: expect.stringContaining('500'),
				payload: { detail: expect.any(String), error_type: 'runner_server_error' },
			});
			expect(emulator.log.filter((entry) => entry.route === 'webhook').map((entry) => entry.status)).toEqual([500, 204]);
		} finally {
			await receiver.close();
		}
	});

	it('refuses webhook URLs beyond loopback', async () => {
		const response = await api(emulator, `/${APP}?fal_webhook=${encodeURIComponent('http://example.com/hook')}`, { method: 'POST', body: JSON.stringify(validInput()) });
		expect(response.status).toBe(400);
		expect(emulator.submits()).toBe(0);
	});
});

describe('control routes, reset and options', () => {
	it('lists jobs and log, manages faults and reports video hashes without a key', async () => {
		const { request_id: id } = await submitJob(emulator, validInput({ image_url: `data:image/png;base64,${'A'.repeat(5000)}` }));
		await waitForCompletion(emulator, id);
		const jobs = (await (await fetch(`${emulator.url}/__emulator/jobs`)).json()) as { requestId: string; input: { image_url: string } }[];
		expect(jobs.map((job) => job.requestId)).toEqual([id]);
		expect(jobs[0].input.image_url.length).toBeLessThan(300);
		const log = (await (await fetch(`${emulator.url}/__emulator/log`)).json()) as { route: string }[];
		expect(log.map((entry) => entry.route)).toEqual(['submit']);
		expect(await (await fetch(`${emulator.url}/__emulator/video-sha256/${id}`)).json()).toEqual({ requestId: id, sha256: emulator.videoSha256(id) });

		const added = await fetch(`${emulator.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify({ route: 'status', fault: { kind: 'status', status: 504 } }) });
		expect(added.status).toBe(201);
		expect((await getJson(emulator, statusPath(id))).status).toBe(504);
		await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
		expect((await getJson(emulator, statusPath(id))).status).toBe(200);
	});

	it('reset() clears log, jobs and faults', async () => {
		await submitJob(emulator);
		emulator.addFault({ route: 'submit', fault: { kind: 'status', status: 500 } });
		emulator.reset();
		expect([emulator.log.length, emulator.jobs.size, emulator.submits()]).toEqual([0, 0, 0]);
		await submitJob(emulator);
	});

	it('accepts other keys, including id:secret keys', async () => {
		const custom = await startFalEmulator({ apiKeys: ['id:secret'] });
		try {
			const response = await fetch(`${custom.url}/${APP}`, { method: 'POST', headers: { authorization: 'Key id:secret' }, body: JSON.stringify(validInput()) });
			expect(response.status).toBe(200);
		} finally {
			await custom.close();
		}
	});

	(hasFfmpeg ? it : it.skip)('renders the result from the uploaded image and audio when renderWithFfmpeg is on', async () => {
		const rendering = await startFalEmulator({ renderWithFfmpeg: true, runMs: 50 });
		try {
			const upload = async (name: string, type: string) => {
				const initiated = await api(rendering, '/storage/upload/initiate?storage_type=fal-cdn-v3', { method: 'POST', body: JSON.stringify({ content_type: type, file_name: name }) });
				const { upload_url, file_url } = (await initiated.json()) as { upload_url: string; file_url: string };
				await fetch(upload_url, { method: 'PUT', body: readFileSync(join(__dirname, '..', '..', 'examples', 'assets', name)) });
				return file_url;
			};
			const input = validInput({ image_url: await upload('portrait.png', 'image/png'), audio_url: await upload('speech.mp3', 'audio/mpeg'), aspect_ratio: '1:1' });
			const { request_id: id } = await submitJob(rendering, input);
			await waitForCompletion(rendering, id, 60_000);
			const result = await getJson(rendering, resultPath(id));
			const got = await download(result.body.video.url);
			expect(got.bytes).toBe(result.body.video.file_size);
			expect(got.sha256).toBe(rendering.videoSha256(id));
			expect(got.sha256).not.toBe(createHash('sha256').update(readFileSync(SAMPLE_CLIP_PATH)).digest('hex'));
			if (hasFfprobe) {
				// Asynchronously: ffprobe reads from this very process's server.
				const probed = await execFileAsync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', result.body.video.url]);
				const [videoStream] = JSON.parse(probed.stdout).streams;
				expect(videoStream).toMatchObject({ codec_name: 'h264', width: 512, height: 512 });
			}
		} finally {
			await rendering.close();
		}
	});
});

describe('cli', () => {
	it('prints its URL, writes the ready file, logs requests to stderr and exits on SIGTERM', async () => {
		const directory = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
		const readyFile = join(directory, 'ready.json');
		const tsx = join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
		const child = spawn(tsx, [join(__dirname, 'cli.ts'), '--run-ms', '10', '--api-key', 'cli-key', '--ready-file', readyFile], { stdio: ['ignore', 'pipe', 'pipe'] });
		try {
			let stdout = '';
			let stderr = '';
			child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
			child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
			const deadline = Date.now() + 20_000;
			while (!stdout.includes('\n') && Date.now() < deadline) await sleep(50);
			const { url } = JSON.parse(stdout.trim()) as { url: string };
			expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(JSON.parse(readFileSync(readyFile, 'utf8'))).toEqual({ url });
			const response = await fetch(`${url}/${APP}`, { method: 'POST', headers: { authorization: 'Key cli-key' }, body: JSON.stringify(validInput()) });
			expect(response.status).toBe(200);
			while (!stderr.includes('[submit]') && Date.now() < deadline) await sleep(20);
			expect(stderr).toMatch(/POST \/fal-ai\/stable-avatar \[submit\] → 200/);
			const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
			child.kill('SIGTERM');
			expect(await exited).toBe(0);
		} finally {
			if (child.exitCode === null) child.kill('SIGKILL');
			rmSync(directory, { recursive: true, force: true });
		}
	});
});
