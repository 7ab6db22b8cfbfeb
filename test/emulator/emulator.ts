import { readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { FaultBook } from './faults';
import { paddedVideoSha256, sampleClip } from './mp4';
import { resolveOptions } from './options';
import { JobQueue, type JobRuntime } from './queue';
import { ffmpegAvailable, renderTalkingVideo } from './render';
import { webhookBody } from './responses';
import { WebhookSigner } from './signing';
import { createRequestHandler } from './server';
import type { ConnectionCount, Services } from './services';
import { UploadStore } from './storage';
import type {
	EmulatorOptions,
	FalEmulator,
	FaultRule,
	JobRecord,
	RedeliveryVariant,
	RequestLogEntry,
	ResolvedEmulatorOptions,
	UploadRecord,
	WebhookDelivery,
} from './types';
import { isLoopbackHttpUrl, WebhookSender } from './webhooks';

const MAX_LOG_ENTRIES = 50_000;
const DEFAULT_WAIT_MS = 10_000;

/** Wires queue, storage, faults, webhooks and the HTTP server into one FalEmulator. */
export class LocalFalEmulator implements FalEmulator {
	url = '';
	readonly options: ResolvedEmulatorOptions;
	readonly log: RequestLogEntry[] = [];
	readonly webhookDeliveries: WebhookDelivery[] = [];
	private readonly faults: FaultBook;
	private readonly queue: JobQueue;
	private readonly store: UploadStore;
	private readonly webhooks: WebhookSender;
	private readonly signer = new WebhookSigner();
	private readonly server: Server;
	private readonly openStreams = new Set<ServerResponse>();
	private readonly renderStops = new Set<() => void>();
	private readonly requestListeners = new Set<(entry: RequestLogEntry) => void>();
	private closed = false;
	private readonly connectionCount = { open: 0, peak: 0 };

	static async start(options: EmulatorOptions = {}): Promise<LocalFalEmulator> {
		const emulator = new LocalFalEmulator(options);
		await emulator.listen();
		return emulator;
	}

	private constructor(options: EmulatorOptions) {
		this.options = resolveOptions(options, sampleClip().length);
		this.faults = new FaultBook(this.options.seed);
		for (const rule of this.options.faults) this.faults.add(rule);
		this.queue = new JobQueue(this.options, (job) => this.startRendering(job));
		this.store = new UploadStore(() => this.url);
		this.webhooks = new WebhookSender(
			this.webhookDeliveries,
			(entry) => this.record(entry),
			this.faults,
			() => this.options.webhookTimeoutMs,
			() => this.options.webhookRetryDelaysMs,
			this.signer,
		);
		this.queue.on('completed', (job: JobRuntime) => {
			if (job.record.webhookUrl) this.webhooks.send(job.record.webhookUrl, webhookBody(this.url, job), job.record.requestId, job.record.userId);
		});
		const handler = createRequestHandler(this.services(), (entry) => {
			for (const listener of this.requestListeners) listener(entry);
		});
		this.server = createServer(handler);
		this.server.on('connection', (socket) => {
			this.connectionCount.open++;
			this.connectionCount.peak = Math.max(this.connectionCount.peak, this.connectionCount.open);
			socket.once('close', () => this.connectionCount.open--);
		});
	}

	/** TCP connections open now, and the most open at once since the last reset (sockets held by clients). */
	connections(): ConnectionCount {
		return { ...this.connectionCount };
	}

	get jobs(): Map<string, JobRecord> {
		return this.queue.jobs;
	}

	get uploads(): Map<string, UploadRecord> {
		return this.store.uploads;
	}

	addFault(rule: FaultRule): void {
		this.faults.add(rule);
	}

	clearFaults(): void {
		this.faults.clear();
	}

	submits(): number {
		return this.queue.submits();
	}

	videoSha256(requestId: string): string {
		const sha256 = this.findVideoSha256(requestId);
		if (!sha256) throw new Error(`fal emulator: no job ${requestId}`);
		return sha256;
	}

	async waitFor(predicate: () => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!predicate()) {
			if (Date.now() > deadline) throw new Error(`fal emulator: waitFor timed out after ${timeoutMs} ms`);
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}

	webhookJwks(): { keys: object[] } {
		return this.signer.jwks();
	}

	rotateWebhookKey(): void {
		this.signer.rotate();
	}

	async redeliverWebhook(requestId: string, variant: RedeliveryVariant): Promise<number | undefined> {
		return await this.webhooks.redeliver(requestId, variant);
	}

	reset(): void {
		this.webhooks.clear();
		this.log.length = 0;
		this.webhookDeliveries.length = 0;
		this.faults.clear();
		this.queue.clear();
		for (const response of this.openStreams) response.destroy();
		this.openStreams.clear();
		this.connectionCount.peak = this.connectionCount.open;
	}

	/** Called with each request's log entry once it is answered (the CLI prints these). Returns an unsubscribe function. */
	onRequestDone(listener: (entry: RequestLogEntry) => void): () => void {
		this.requestListeners.add(listener);
		return () => this.requestListeners.delete(listener);
	}

	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.queue.close();
		this.webhooks.close();
		for (const stop of this.renderStops) stop();
		for (const response of this.openStreams) response.destroy();
		const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
		this.server.closeAllConnections();
		await closed;
		this.store.close();
	}

	private async listen(): Promise<void> {
		await new Promise<void>((resolve, reject) => {
			this.server.once('error', reject);
			this.server.listen(this.options.port, this.options.host, () => resolve());
		});
		const { address, port } = this.server.address() as AddressInfo;
		const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address.includes(':') ? `[${address}]` : address;
		this.url = `http://${host}:${port}`;
	}

	private services(): Services {
		const emulator = this;
		return {
			get origin() {
				return emulator.url;
			},
			options: this.options,
			queue: this.queue,
			store: this.store,
			faults: this.faults,
			log: this.log,
			webhookDeliveries: this.webhookDeliveries,
			signer: this.signer,
			webhooks: this.webhooks,
			openStreams: this.openStreams,
			record: (entry) => this.record(entry),
			videoSha256: (requestId) => this.findVideoSha256(requestId),
			reset: () => this.reset(),
			connections: () => this.connections(),
		};
	}

	private record(entry: RequestLogEntry): void {
		this.log.push(entry);
		if (this.log.length > MAX_LOG_ENTRIES) this.log.splice(0, MAX_LOG_ENTRIES / 10);
	}

	private findVideoSha256(requestId: string): string | undefined {
		const job = this.queue.get(requestId);
		if (!job) return undefined;
		if (job.videoFile) return createHash('sha256').update(readFileSync(job.videoFile)).digest('hex');
		return paddedVideoSha256(job.record.videoBytes);
	}

	/** renderWithFfmpeg: replace the shipped clip with the job's image + audio, when both are reachable locally. */
	private startRendering(job: JobRuntime): void {
		const { input, outcome, requestId } = job.record;
		if (!this.options.renderWithFfmpeg || outcome.kind !== 'success' || !ffmpegAvailable()) return;
		const image = this.localSource(input.image_url);
		const audio = this.localSource(input.audio_url);
		if (!image || !audio) return;
		const output = this.store.pathFor(`${requestId}.render.mp4`);
		const rendering = renderTalkingVideo(image, audio, input.aspect_ratio, output);
		this.renderStops.add(rendering.stop);
		job.stopPreparing = rendering.stop;
		job.preparing = rendering.done.then((bytes) => {
			this.renderStops.delete(rendering.stop);
			if (bytes === undefined) return;
			job.videoFile = output;
			job.record.videoBytes = bytes;
		});
	}

	/** An uploaded file's local path, or a loopback URL ffmpeg may read; nothing beyond this machine. */
	private localSource(url: unknown): string | undefined {
		if (typeof url !== 'string') return undefined;
		return this.store.localPathOf(url) ?? (isLoopbackHttpUrl(url) ? url : undefined);
	}
}
