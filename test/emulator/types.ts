/** Public types of the local fal emulator. Other test suites, the demo and the benchmark code against these. */

export interface EmulatorOptions {
	/** Interface to listen on. Default '127.0.0.1'. */
	host?: string;
	/** Port to listen on. Default 0 (a free port). */
	port?: number;
	/** Accepted keys, sent as `Authorization: Key <key>`. Default ['test-key']. */
	apiKeys?: string[];
	/** Minimum time a job stays IN_QUEUE. Default 0. */
	queueMs?: number;
	/** Time a job stays IN_PROGRESS. Default 150. */
	runMs?: number;
	/** Max jobs running at once; the others wait IN_QUEUE with a falling queue_position. Default Infinity. */
	concurrency?: number;
	/** Size of the result video. Default: the shipped clip. Larger: clip + MP4 `free` padding box, streamed. */
	videoBytes?: number;
	/** Result fetch answers 404 this long after completion. Default 1 hour. */
	resultTtlMs?: number;
	/** Picks each job's outcome. Default: prompt directives (see index.ts), else success. */
	outcome?: (input: Record<string, unknown>, requestId: string) => JobOutcome | undefined;
	/** Fault rules active from the start. */
	faults?: FaultRule[];
	/** Waits before the 2nd, 3rd… delivery attempt of a failed webhook. Default [100, 300, 900] (fal: 10 retries over 2 hours). */
	webhookRetryDelaysMs?: number[];
	/** Per-attempt timeout of webhook deliveries. Default 5000. */
	webhookTimeoutMs?: number;
	/** Record status polls in `log`. Default true. */
	logStatusPolls?: boolean;
	/** Render the result from the uploaded image + audio with ffmpeg when it is on PATH. Default false. */
	renderWithFfmpeg?: boolean;
	/** An MP4 file served as the video of every successful job (e.g. a fixture with `moov` after `mdat`). Default: the shipped clip. */
	videoFile?: string;
	/** Seed of the PRNG that decides probabilistic faults, so runs repeat. Default 1. */
	seed?: number;
}

export type JobOutcome =
	| { kind: 'success'; videoBytes?: number; runMs?: number }
	| { kind: 'validation'; loc: (string | number)[]; msg: string; type?: string; runMs?: number }
	| { kind: 'validation-string'; detail: string }
	| { kind: 'server'; status: number; errorType: string; detail: string; runMs?: number }
	| { kind: 'completed-with-error'; error: string; errorType?: string; runMs?: number }
	| { kind: 'no-video' }
	| { kind: 'bad-video-url'; url: string }
	| { kind: 'truncated-download'; announcedBytes: number; sentBytes: number }
	| { kind: 'unknown-status'; status: string }
	| { kind: 'never-finishes' };

export type RouteName =
	| 'submit'
	| 'status'
	| 'stream'
	| 'result'
	| 'cancel'
	| 'initiate'
	| 'initiate-multipart'
	| 'upload'
	| 'upload-part'
	| 'upload-complete'
	| 'cdn'
	| 'jwks'
	| 'webhook';

export type Fault =
	| { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
	| { kind: 'reset' }
	| { kind: 'reset-after-accept' }
	| { kind: 'delay'; ms: number }
	/** Submit only: the job is created at once, the answer comes `ms` later (or never, if the client left). */
	| { kind: 'delay-after-accept'; ms: number }
	| { kind: 'malformed' }
	| { kind: 'stall' }
	| { kind: 'end-early' };

export interface FaultRule {
	route: RouteName | '*';
	fault: Fault;
	/** 0..1, default 1; drawn from the seeded PRNG. */
	probability?: number;
	/** Apply to at most this many matching requests. */
	times?: number;
	/** Only requests about this job. */
	requestId?: string;
}

export interface RequestLogEntry {
	time: number;
	method: string;
	route: RouteName | 'unknown';
	path: string;
	query: Record<string, string>;
	requestId?: string;
	/** The Authorization header exactly as received. */
	authorization?: string;
	/** Status answered; 0 when the socket was reset. */
	status: number;
	fault?: string;
	contentType?: string;
	bodyBytes?: number;
	/** The Range header exactly as received (CDN reads of part of a file). */
	range?: string;
}

export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | string;

export interface JobRecord {
	requestId: string;
	endpointId: string;
	input: Record<string, unknown>;
	webhookUrl?: string;
	headers: Record<string, string>;
	status: JobStatus;
	/** fal took a cancel request for this job. */
	cancelled: boolean;
	/** IN_QUEUE: removed before it ran (free). RUNNING: only signalled; it ran on to its end. */
	cancelledWhile?: 'IN_QUEUE' | 'RUNNING';
	submittedAt: number;
	startedAt?: number;
	completedAt?: number;
	firstResultFetchAt?: number;
	outcome: JobOutcome;
	videoBytes: number;
	/** The account (user id) of the key that submitted the job: its webhook says so, other keys get 404. */
	userId: string;
}

export interface UploadRecord {
	fileName: string;
	contentType: string;
	bytes: number;
	sha256: string;
	multipart: boolean;
	parts: number;
}

export interface WebhookDelivery {
	url: string;
	/** HTTP status the receiver answered; 0 when the attempt failed without an answer. */
	status: number;
	body: unknown;
	requestId?: string;
	/** Epoch ms when the POST started, and when the receiver's status arrived (absent without an answer). */
	sentAt?: number;
	answeredAt?: number;
	/** Set for a delivery sent again through `redeliver`. */
	variant?: RedeliveryVariant;
}

/** `again`: as fal's retry after a lost answer; `forged`: bad signature; `stale`: signed 10 minutes ago; `unsigned`: no signature headers. */
export type RedeliveryVariant = 'again' | 'forged' | 'stale' | 'unsigned';

export type ResolvedEmulatorOptions = Required<Omit<EmulatorOptions, 'outcome' | 'faults' | 'videoFile'>> & {
	outcome?: EmulatorOptions['outcome'];
	videoFile?: string;
	faults: FaultRule[];
};

export interface FalEmulator {
	/** One origin serving queue, storage, upload and CDN paths, e.g. 'http://127.0.0.1:4321'. */
	url: string;
	/** Live options: tests may change runMs, concurrency, videoBytes, … between runs. */
	options: ResolvedEmulatorOptions;
	log: RequestLogEntry[];
	jobs: Map<string, JobRecord>;
	/** Finished uploads by file_url. */
	uploads: Map<string, UploadRecord>;
	/** Every webhook delivery attempt, in order. */
	webhookDeliveries: WebhookDelivery[];
	addFault(rule: FaultRule): void;
	clearFaults(): void;
	/** Submit requests that created a job. */
	submits(): number;
	/** SHA-256 (hex) of the full bytes the CDN serves as this job's video. */
	videoSha256(requestId: string): string;
	waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
	/** The JWKS with the key webhooks are signed with (served at /.well-known/jwks.json). */
	webhookJwks(): { keys: object[] };
	/** Signs webhooks with a new key from now on; the old key leaves the JWKS. */
	rotateWebhookKey(): void;
	/** Sends a finished job's delivery again; resolves with the receiver's status, undefined for a job never delivered. */
	redeliverWebhook(requestId: string, variant: RedeliveryVariant): Promise<number | undefined>;
	/** Clears log, jobs, faults and webhook deliveries; keeps options and uploads. */
	reset(): void;
	close(): Promise<void>;
}
