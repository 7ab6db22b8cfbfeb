import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { parsePromptDirectives } from './directives';
import { LOG_WINDOW, logIntervalMs, progressLogEntry, type LogEntry } from './job-logs';
import { paddedVideoSize } from './mp4';
import type { JobOutcome, JobRecord, ResolvedEmulatorOptions } from './types';

/** Everything the emulator knows about a job beyond the public JobRecord. */
export interface JobRuntime {
	record: JobRecord;
	/** owner/alias (with namespace, if any): status, result and cancel URLs use only this. */
	app: string;
	gatewayRequestId?: string;
	runMs: number;
	/** The last LOG_WINDOW log lines. */
	logs: LogEntry[];
	logCount: number;
	/** A rendered video file replacing the shipped clip (renderWithFfmpeg). */
	videoFile?: string;
	/** Pending work (rendering) that completion waits for. */
	preparing?: Promise<void>;
	stopPreparing?: () => void;
	timers: Set<NodeJS.Timeout>;
}

export interface NewJob {
	endpointId: string;
	app: string;
	input: Record<string, unknown>;
	headers: Record<string, string>;
	webhookUrl?: string;
	/** The submitting key's account. */
	userId: string;
}

export type CancelResult = 'cancelled' | 'already-completed' | 'not-found';

/** Called when a job starts running; may set `preparing` (e.g. rendering) for completion to wait for. */
export type JobStartHook = (job: JobRuntime) => void;

const MAX_JOBS = 10_000;

/**
 * Jobs and their scheduler: IN_QUEUE for at least queueMs and until a concurrency slot is free,
 * then IN_PROGRESS (or an odd status) for runMs, then COMPLETED.
 * Emits 'change' (requestId) whenever a status body may differ, and 'completed' (JobRuntime).
 */
export class JobQueue extends EventEmitter {
	readonly jobs = new Map<string, JobRecord>();
	private readonly runtimes = new Map<string, JobRuntime>();
	private created = 0;
	private closed = false;

	constructor(
		private readonly options: ResolvedEmulatorOptions,
		private readonly onStart: JobStartHook = () => {},
	) {
		super();
		this.setMaxListeners(0);
	}

	get(requestId: string): JobRuntime | undefined {
		return this.runtimes.get(requestId);
	}

	submits(): number {
		return this.created;
	}

	create(job: NewJob): JobRuntime {
		const requestId = randomUUID();
		const { outcome, runMs } = this.chooseOutcome(job.input, requestId);
		const record: JobRecord = {
			requestId,
			endpointId: job.endpointId,
			input: job.input,
			webhookUrl: job.webhookUrl,
			headers: job.headers,
			status: 'IN_QUEUE',
			cancelled: false,
			submittedAt: Date.now(),
			outcome,
			videoBytes: videoBytesFor(outcome, this.options.videoBytes),
			userId: job.userId,
		};
		const fixedVideo = outcome.kind === 'success' ? this.options.videoFile : undefined;
		if (fixedVideo) record.videoBytes = statSync(fixedVideo).size;
		const runtime: JobRuntime = {
			record,
			videoFile: fixedVideo,
			app: job.app,
			gatewayRequestId: job.webhookUrl ? randomUUID() : undefined,
			runMs,
			logs: [],
			logCount: 0,
			timers: new Set(),
		};
		this.evictOldJobs();
		this.runtimes.set(requestId, runtime);
		this.jobs.set(requestId, record);
		this.created++;
		// queueMs is a minimum stay in the queue: look again once it has passed.
		if (this.options.queueMs > 0) this.later(runtime, this.options.queueMs, () => this.pump());
		this.pump();
		return runtime;
	}

	/** Jobs ahead of this one in the queue (0 = next to start). */
	queuePosition(requestId: string): number {
		let position = 0;
		for (const runtime of this.runtimes.values()) {
			if (runtime.record.requestId === requestId) return position;
			if (runtime.record.status === 'IN_QUEUE') position++;
		}
		return position;
	}

	/**
	 * As fal: a queued job is removed (it never runs, costs nothing); a running job only gets the
	 * signal and runs on to its end (its result and webhook come as usual, and it bills).
	 */
	cancel(requestId: string): CancelResult {
		const runtime = this.runtimes.get(requestId);
		if (!runtime) return 'not-found';
		const { record } = runtime;
		if (record.status === 'COMPLETED') return 'already-completed';
		if (record.cancelled) return 'cancelled';
		record.cancelled = true;
		if (record.status !== 'IN_QUEUE') {
			record.cancelledWhile = 'RUNNING';
			return 'cancelled';
		}
		record.cancelledWhile = 'IN_QUEUE';
		this.complete(runtime);
		return 'cancelled';
	}

	/** Starts every queued job that may start now. Cheap; also called on each request so option changes apply. */
	pump(): void {
		if (this.closed) return;
		let running = 0;
		for (const runtime of this.runtimes.values()) if (isRunning(runtime.record)) running++;
		const now = Date.now();
		for (const runtime of this.runtimes.values()) {
			if (running >= this.options.concurrency) return;
			const { record } = runtime;
			if (record.status !== 'IN_QUEUE' || now < record.submittedAt + this.options.queueMs) continue;
			this.start(runtime);
			running++;
		}
	}

	/** Drops every job and stops its timers. */
	clear(): void {
		for (const runtime of this.runtimes.values()) this.stop(runtime);
		this.runtimes.clear();
		this.jobs.clear();
		this.created = 0;
	}

	close(): void {
		this.closed = true;
		this.clear();
		this.removeAllListeners();
	}

	private chooseOutcome(input: Record<string, unknown>, requestId: string): { outcome: JobOutcome; runMs: number } {
		const directives = parsePromptDirectives(input.prompt);
		const outcome = this.options.outcome?.(input, requestId) ?? directives.outcome ?? { kind: 'success' };
		const ownRunMs = 'runMs' in outcome ? outcome.runMs : undefined;
		return { outcome, runMs: ownRunMs ?? directives.runMs ?? this.options.runMs };
	}

	private start(runtime: JobRuntime): void {
		const { record } = runtime;
		record.status = record.outcome.kind === 'unknown-status' ? record.outcome.status : 'IN_PROGRESS';
		record.startedAt = Date.now();
		this.appendLog(runtime);
		const interval = setInterval(() => this.appendLog(runtime), logIntervalMs(runtime.runMs));
		interval.unref();
		runtime.timers.add(interval);
		this.onStart(runtime);
		if (record.outcome.kind !== 'never-finishes') {
			this.later(runtime, runtime.runMs, () => this.finishWhenPrepared(runtime));
		}
		this.emit('change', record.requestId);
	}

	private finishWhenPrepared(runtime: JobRuntime): void {
		if (!runtime.preparing) return this.complete(runtime);
		runtime.preparing.finally(() => {
			if (!this.closed && runtime.record.status !== 'COMPLETED') this.complete(runtime);
		});
	}

	private complete(runtime: JobRuntime): void {
		this.stop(runtime);
		runtime.record.status = 'COMPLETED';
		runtime.record.completedAt = Date.now();
		this.emit('change', runtime.record.requestId);
		this.emit('completed', runtime);
		this.pump();
	}

	private appendLog(runtime: JobRuntime): void {
		const steps = Number(runtime.record.input.num_inference_steps) || 50;
		runtime.logs.push(progressLogEntry(runtime.logCount++, steps, Date.now()));
		if (runtime.logs.length > LOG_WINDOW) runtime.logs.shift();
		this.emit('change', runtime.record.requestId);
	}

	private later(runtime: JobRuntime, ms: number, action: () => void): void {
		const timer = setTimeout(() => {
			runtime.timers.delete(timer);
			action();
		}, ms);
		timer.unref();
		runtime.timers.add(timer);
	}

	private stop(runtime: JobRuntime): void {
		for (const timer of runtime.timers) clearTimeout(timer);
		runtime.timers.clear();
	}

	/** Keeps memory bounded in long benchmark runs: forget the oldest finished jobs. */
	private evictOldJobs(): void {
		if (this.runtimes.size < MAX_JOBS) return;
		for (const [requestId, runtime] of this.runtimes) {
			if (this.runtimes.size < MAX_JOBS) return;
			if (runtime.record.status !== 'COMPLETED') continue;
			this.runtimes.delete(requestId);
			this.jobs.delete(requestId);
		}
	}
}

function isRunning(record: JobRecord): boolean {
	return record.status !== 'IN_QUEUE' && record.status !== 'COMPLETED';
}

function videoBytesFor(outcome: JobOutcome, defaultBytes: number): number {
	if (outcome.kind === 'success') return paddedVideoSize(outcome.videoBytes ?? defaultBytes);
	if (outcome.kind === 'truncated-download') return paddedVideoSize(outcome.announcedBytes);
	return paddedVideoSize(defaultBytes);
}
