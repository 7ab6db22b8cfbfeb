/**
 * What waiting has seen of one job: its last status, when it left fal's queue, how fast the queue in
 * front of it moves, and which bound is in force: Max Queue Wait while the job is queued, the render
 * timeout once it runs (counted from the moment it was first seen running), and, over both, the time
 * by which the wait must be over (e.g. the workflow's own execution timeout).
 */
import type { JobStatus } from './queue';

export type TimeoutReason = 'queueWait' | 'render' | 'execution';

export interface WaitBounds {
	submittedAt: number;
	/** Rendering may take this long, counted from the moment the job is first seen running. */
	renderTimeoutMs: number;
	/** The job may wait this long in fal's queue before it starts. */
	maxQueueWaitMs: number;
	/** The wait is over by then whatever else (ms since epoch). */
	mustEndBy?: number;
}

/** Polls of a job far back in the queue back off to this; the queue's pace can make them sooner. */
const QUEUED_POLL_MS = [1_000, 2_000, 3_000, 5_000, 8_000, 10_000, 15_000, 20_000, 30_000];
const MIN_QUEUED_POLL_MS = 500;
/** A job this close to the head of the queue is followed on the status stream, so its start is seen at once. */
const STREAM_WITHIN_POSITIONS = 2;

export class JobProgress {
	lastStatus = 'IN_QUEUE';
	startedAt?: number;
	private queuePosition?: number;
	private firstSeenInQueue?: { at: number; position: number };
	private readonly startSignal = new AbortController();

	constructor(readonly bounds: WaitBounds) {}

	see(status: JobStatus, now = Date.now()): void {
		this.lastStatus = status.status;
		if (status.status === 'IN_QUEUE') {
			this.queuePosition = status.queuePosition;
			if (status.queuePosition !== undefined) this.firstSeenInQueue ??= { at: now, position: status.queuePosition };
			return;
		}
		if (status.status !== 'COMPLETED' && this.startedAt === undefined) {
			this.startedAt = now;
			this.startSignal.abort();
		}
	}

	/** Fires when the job is first seen running: the bound in force changes then. */
	get started(): AbortSignal {
		return this.startSignal.signal;
	}

	/** Running, or about to start: worth a status stream. */
	worthFollowing(): boolean {
		return this.startedAt !== undefined || (this.queuePosition !== undefined && this.queuePosition < STREAM_WITHIN_POSITIONS);
	}

	/** The bound in force now, and when it runs out. */
	deadline(): { at: number; reason: TimeoutReason } {
		const { submittedAt, renderTimeoutMs, maxQueueWaitMs, mustEndBy } = this.bounds;
		const bound: { at: number; reason: TimeoutReason } =
			this.startedAt === undefined
				? { at: submittedAt + maxQueueWaitMs, reason: 'queueWait' }
				: { at: this.startedAt + renderTimeoutMs, reason: 'render' };
		return mustEndBy !== undefined && mustEndBy < bound.at ? { at: mustEndBy, reason: 'execution' } : bound;
	}

	/**
	 * When to look again at a job still queued: back off, but not past half the time the queue's pace
	 * so far says the job will take to start (a short job may start and finish between two polls).
	 */
	nextQueuedPollMs(attempt: number, now = Date.now()): number {
		const backoff = QUEUED_POLL_MS[Math.min(attempt, QUEUED_POLL_MS.length - 1)];
		const first = this.firstSeenInQueue;
		if (!first || this.queuePosition === undefined || now <= first.at) return backoff;
		const positionsPerMs = (first.position - this.queuePosition) / (now - first.at);
		if (positionsPerMs <= 0) return backoff;
		const expectedStartMs = (this.queuePosition + 1) / positionsPerMs;
		return Math.max(MIN_QUEUED_POLL_MS, Math.min(backoff, expectedStartMs / 2));
	}
}
