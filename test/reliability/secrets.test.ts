/**
 * Issue 6, case 4: the API key never leaks. Every reliability test already runs under the key watch
 * of support.ts (n8n's logging turned on into a capturing logger, console captured, every IRun and
 * node error inspected whole, every request the emulator answered checked). This file drives the
 * node down every path at once, success and failure, with the key in fal's `id:secret` form, and
 * checks the watch itself: that it saw logs, that the key did travel where it must (fal's API
 * routes), and that it went nowhere else: not to the CDN, not to signed upload URLs or their parts,
 * not to a URL fal's answer points at on another host, not across a redirect.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject, IRun } from 'n8n-workflow';

import { SAMPLE_CLIP_PATH } from '../emulator';
import { errorOf, outputOf, useFilesystemBinaryStorage } from '../harness/engine';
import type { FixtureItem } from '../harness/itemsNode';
import { AVATAR_NODE, avatarWorkflow, IMAGE_URL, urlInputs } from '../harness/workflows';
import { API_ROUTES, useReliability } from './support';

const KEY_SECRET = 'reliability-5ecret-half-9f3a';
/** fal keys look like `key-id:key-secret`: neither the whole key nor its secret half may show up. */
const KEY = `reliability-key-id:${KEY_SECRET}`;

const ctx = useReliability({ runMs: 100, apiKeys: [KEY] });
const assets = join(__dirname, '../../examples/assets');
const png = { bytes: readFileSync(join(assets, 'portrait.png')), mimeType: 'image/png', fileName: 'portrait.png' };
const mp3 = { bytes: readFileSync(join(assets, 'speech.mp3')), mimeType: 'audio/mpeg', fileName: 'speech.mp3' };

beforeEach(() => {
	ctx.secrets.push(KEY, KEY_SECRET);
});

const run = async (items: FixtureItem[], parameters: IDataObject, continueOnFail = true): Promise<IRun> =>
	await ctx.run(avatarWorkflow(items, parameters, continueOnFail ? { onError: 'continueRegularOutput' } : {}), { apiKey: KEY });

describe('The API key never leaks', () => {
	test('down every path, success and failure, it stays out of outputs, errors and logs, and goes only to fal API routes', async () => {
		await useFilesystemBinaryStorage();
		// Success with uploads (initiate + signed upload), the stream, the result and the CDN download;
		// and one failure of each kind, side by side.
		const prompts = [
			'fine',
			'[emulator:422 audio_url]',
			'[emulator:500 runner_server_error]',
			'[emulator:completed-error]',
			'[emulator:no-video]',
			'[emulator:bad-video-url]',
			'[emulator:truncated=300000/1000]',
			'[emulator:never]',
		];
		const batch = await run(
			prompts.map((p) => ({ json: { p }, binary: { image: png, audio: mp3 } })),
			{ operation: 'generate', imageSource: 'binary', imageBinaryProperty: 'image', audioSource: 'binary', audioBinaryProperty: 'audio', prompt: '={{ $json.p }}', advancedOptions: { timeoutMinutes: 0.03 } },
		);
		const outputs = outputOf(batch, AVATAR_NODE);
		expect(outputs[0].binary?.data).toBeDefined();
		expect(outputs.slice(1).every((item) => typeof item.json.error === 'string')).toBe(true);

		// Without Continue On Fail: the node error (with its list of finished items) and the run error.
		const failing = await run([{ json: { p: 'ok' } }, { json: { p: '[emulator:503 runner_disconnected]' } }], urlInputs({ prompt: '={{ $json.p }}' }), false);
		expect(errorOf(failing, AVATAR_NODE)?.description).toContain('Other items finished');

		// A 95 MiB input: signed upload parts and the complete call.
		const path = join(mkdtempSync(join(tmpdir(), 'stable-avatar-secrets-')), 'long.wav');
		writeFileSync(path, randomBytes(95 * 1024 * 1024));
		const multipart = await run([{ binary: { data: { path, mimeType: 'audio/wav', fileName: 'long.wav' } } }], {
			operation: 'generate', imageSource: 'url', imageUrl: IMAGE_URL, audioSource: 'binary', advancedOptions: { downloadVideo: false },
		});
		expect(multipart.status).toBe('success');

		// The by-id operations, a Submit with a webhook URL, and a stop that cancels.
		const submitted = await run([{}], urlInputs({ operation: 'submit', webhookUrl: 'http://127.0.0.1:9/webhook' }));
		const { requestId } = outputOf(submitted, AVATAR_NODE)[0].json as { requestId: string };
		for (const operation of ['getStatus', 'getResult', 'cancel']) await run([{}], { operation, requestId });
		await run([{}], { operation: 'getStatus', requestId: 'no-such-request' });
		const handle = ctx.start(avatarWorkflow([{}], urlInputs({ prompt: 'stop [emulator:never]' })), { apiKey: KEY });
		await ctx.fal.waitFor(() => [...ctx.fal.jobs.values()].some((job) => job.input.prompt === 'stop [emulator:never]' && job.status === 'IN_PROGRESS'));
		handle.stop();
		await handle.done;
		await ctx.fal.waitFor(() => ctx.fal.log.some((entry) => entry.route === 'cancel' && entry.status === 202 && entry.requestId !== requestId));

		// A connection refused: the error names the host, not the key.
		await ctx.run(avatarWorkflow([{}], urlInputs()), { apiKey: KEY, baseUrl: 'http://127.0.0.1:9' });

		// The watch saw what it needs to: n8n's own log lines and the node's, through n8n's logger.
		const logText = ctx.logs.map((log) => log.text).join('\n');
		expect(logText).toContain('Running node "Stable Avatar"');
		expect(logText).toContain('fal job status: IN_PROGRESS');
		// The key travelled, exactly as `Key <key>`, on every fal API route, and on nothing else.
		const routes = (keyed: boolean) => new Set(ctx.requests.filter((entry) => (entry.authorization !== undefined) === keyed).map((entry) => entry.route));
		expect(routes(true)).toEqual(API_ROUTES);
		expect(ctx.requests.filter((entry) => entry.authorization !== undefined).every((entry) => entry.authorization === `Key ${KEY}`)).toBe(true);
		expect(routes(false)).toEqual(new Set(['upload', 'upload-part', 'upload-complete', 'cdn']));
		// The watch's own checks (support.ts) run after this test: outputs, errors, logs, URLs.
	}, 90_000);

	test('URLs in fal\'s answers that point to another host never receive the key', async () => {
		const elsewhere = await startCaptureServer();
		try {
			// A submit answer whose status, result and cancel URLs point elsewhere: the node uses its own.
			ctx.fal.addFault({
				route: 'submit',
				times: 1,
				fault: {
					kind: 'status',
					status: 200,
					body: { request_id: 'elsewhere-1', status: 'IN_QUEUE', status_url: `${elsewhere.url}/status`, response_url: `${elsewhere.url}/result`, cancel_url: `${elsewhere.url}/cancel` },
				},
			});
			const redirected = await run([{}], urlInputs());
			expect(outputOf(redirected, AVATAR_NODE)[0].json.error).toEqual(expect.any(String));

			// A video URL on another host (a CDN): fetched, without the key.
			ctx.fal.options.outcome = (_input, requestId) => {
				ctx.fal.addFault({ route: 'result', requestId, fault: { kind: 'status', status: 200, body: { video: { url: `${elsewhere.url}/video.mp4` } } } });
				return undefined;
			};
			const onCdn = await run([{}], urlInputs());
			expect(outputOf(onCdn, AVATAR_NODE)[0].binary?.data).toBeDefined();
			ctx.fal.options.outcome = undefined;

			// A redirect from fal's API to another host: followed, but without the key.
			ctx.fal.addFault({ route: 'status', fault: { kind: 'status', status: 302, headers: { location: `${elsewhere.url}/moved` } } });
			ctx.fal.addFault({ route: 'stream', fault: { kind: 'status', status: 503 } });
			await run([{}], urlInputs({ prompt: 'redirected [emulator:run=400]', advancedOptions: { timeoutMinutes: 0.03 } }));

			expect(elsewhere.received.map((request) => request.path).sort()).toEqual(expect.arrayContaining(['/moved', '/video.mp4']));
			expect(elsewhere.received.filter((request) => ['/status', '/result', '/cancel'].includes(request.path))).toEqual([]);
			for (const request of elsewhere.received) {
				expect({ path: request.path, authorization: request.headers.authorization }).toEqual({ path: request.path, authorization: undefined });
				expect(JSON.stringify(request)).not.toContain(KEY_SECRET);
			}
		} finally {
			await elsewhere.close();
		}
	});
});

/** Another origin on loopback that records what reaches it: serves a video, and 404s. */
async function startCaptureServer(): Promise<{ url: string; received: Array<{ path: string; headers: IncomingHttpHeaders }>; close(): Promise<void> }> {
	const received: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
	const clip = readFileSync(SAMPLE_CLIP_PATH);
	const server: Server = createServer((request, response) => {
		received.push({ path: request.url ?? '', headers: request.headers });
		if (request.url === '/video.mp4') {
			response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': clip.length }).end(clip);
			return;
		}
		response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not here' }));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		received,
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
